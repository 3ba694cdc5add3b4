// The session form: the commune follows the QPV chosen. Progressive enhancement: without this file the commune is
// typed by hand, and the server warns after saving when it is not a commune of the session's QPV.
//
// When the QPV change, their communes are fetched (territories:commune_search?qpv=…): an empty commune field takes
// the only one, or offers them first when there are several; a commune outside them gets a warning under the
// field, which does not stop the form.
(function () {
  "use strict";

  function setUp(form) {
    var qpvs = form.querySelector("select[name=qpvs]");
    var commune = form.querySelector("select[data-commune-from-qpv]");
    if (!qpvs || !commune) return;
    var known = []; // the communes of the QPV chosen, as {value, text}
    var hint = document.createElement("div");
    hint.className = "form-text text-warning-emphasis";
    hint.setAttribute("aria-live", "polite");
    hint.setAttribute("data-commune-hint", "");
    (commune.closest(".mb-3") || commune.parentNode).appendChild(hint);

    function value() {
      return commune.tomselect ? commune.tomselect.getValue() : commune.value;
    }

    function offer(options, chosen) {
      if (commune.tomselect) {
        commune.tomselect.addOptions(options);
        if (chosen) commune.tomselect.setValue(chosen);
        return;
      }
      options.forEach(function (option) {
        if (!commune.querySelector('option[value="' + option.value + '"]')) {
          commune.add(new Option(option.text, option.value));
        }
      });
      if (chosen) {
        commune.value = chosen;
        commune.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    function check() {
      var current = value();
      var inside = known.some(function (option) { return String(option.value) === String(current); });
      hint.textContent = current && known.length && !inside
        ? form.dataset.communeOutside.replace("{communes}", known.map(function (o) { return o.text; }).join(", "))
        : "";
    }

    function refresh() {
      var ids = Array.prototype.map.call(qpvs.selectedOptions, function (option) { return option.value; })
        .filter(Boolean);
      if (!ids.length) {
        known = [];
        check();
        return;
      }
      var url = commune.dataset.autocompleteUrl + "?" + ids.map(function (id) {
        return "qpv=" + encodeURIComponent(id);
      }).join("&");
      fetch(url, { headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          known = data.results || [];
          if (!value() && known.length) offer(known, known.length === 1 ? known[0].value : null);
          check();
        })
        .catch(function () {});
    }

    qpvs.addEventListener("change", refresh);
    commune.addEventListener("change", check);
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-session-form]").forEach(setUp);
  });
})();
