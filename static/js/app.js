// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function enhanceAutocomplete(select) {
    if (select.tomselect) return;
    var url = select.dataset.autocompleteUrl;
    new TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: [],
      plugins: ["remove_button"],
      placeholder: select.dataset.placeholder || "",
      loadThrottle: 200,
      shouldLoad: function (query) { return query.length >= 2; },
      load: function (query, callback) {
        fetch(url + "?q=" + encodeURIComponent(query), { headers: { "Accept": "application/json" } })
          .then(function (response) { return response.json(); })
          .then(function (data) { callback(data.results); })
          .catch(function () { callback(); });
      },
      render: {
        no_results: function () { return '<div class="no-results">Aucun résultat</div>'; },
        loading: function () { return '<div class="spinner-border spinner-border-sm m-2" role="status"></div>'; },
      },
    });
  }

  function enhance(root) {
    root.querySelectorAll("select[data-autocomplete-url]").forEach(enhanceAutocomplete);
    root.querySelectorAll("select[data-enhance=select]").forEach(function (select) {
      if (!select.tomselect) new TomSelect(select, { plugins: ["remove_button"] });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
