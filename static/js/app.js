// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // The button that takes a chosen item off, named in French (Tom Select's reads « Remove », or « × » as a name).
  var PLUGINS = {
    remove_button: {
      title: "Retirer",
      html: function (options) {
        var button = document.createElement("div");
        button.className = options.className;
        button.title = options.title;
        button.setAttribute("role", "button");
        button.setAttribute("aria-label", options.title);
        button.tabIndex = -1;
        button.textContent = options.label;
        return button;
      },
    },
  };

  // Tom Select moves the label onto its own input; the original <select>, hidden but still read by assistive
  // technologies and checkers, keeps the label's name.
  function keepLabel(select) {
    var label = select.tomselect && document.querySelector("label[for='" + select.tomselect.inputId + "-ts-control']");
    if (label && label.id) select.setAttribute("aria-labelledby", label.id);
  }

  // In French, in every list (Tom Select's own reads « No results found »).
  function noResults() { return '<div class="no-results">Aucun résultat</div>'; }

  function enhanceAutocomplete(select) {
    if (select.tomselect) return;
    var url = select.dataset.autocompleteUrl;
    // The values the server found for the text typed last: the server searches (accents, hyphens, postcodes), so
    // the list shows its results alone. Scored on nothing, the option already chosen (« Lille ») stayed first in
    // every list, and Enter kept it instead of the commune just typed.
    var found = {};
    new TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: [],
      score: function () { return function (option) { return found[option.value] ? 1 : 0; }; },
      plugins: PLUGINS,
      placeholder: select.dataset.placeholder || "",
      loadThrottle: 200,
      shouldLoad: function (query) { return query.length >= 2; },
      load: function (query, callback) {
        fetch(url + "?q=" + encodeURIComponent(query), { headers: { "Accept": "application/json" } })
          .then(function (response) { return response.json(); })
          .then(function (data) {
            found = {};
            data.results.forEach(function (result) { found[result.value] = true; });
            callback(data.results);
          })
          .catch(function () { found = {}; callback(); });
      },
      render: {
        no_results: noResults,
        loading: function () { return '<div class="spinner-border spinner-border-sm m-2" role="status"><span class="visually-hidden">Chargement…</span></div>'; },
      },
    });
    keepLabel(select);
  }

  function enhance(root) {
    root.querySelectorAll("select[data-autocomplete-url]").forEach(enhanceAutocomplete);
    root.querySelectorAll("select[data-enhance=select]").forEach(function (select) {
      if (select.tomselect) return;
      new TomSelect(select, { plugins: PLUGINS, render: { no_results: noResults } });
      keepLabel(select);
    });
  }

  // A form that came back with errors: its summary (templates/includes/error_summary.html) takes the focus, and
  // each of its links puts the focus in the field it names (an anchor alone only scrolls).
  function focusErrorSummary(root) {
    var summary = root.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      var target = field.tomselect ? field.tomselect.control_input : field;
      target.focus();
      (target.closest(".mb-3") || target).scrollIntoView({ block: "center" });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    focusErrorSummary(document);
  });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
