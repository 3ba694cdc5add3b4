// The « Ajouter une période » button of the request form. Without JavaScript the form offers three
// period rows, which is enough for most requests; this adds more, up to the formset's maximum.
(function () {
  "use strict";

  function setup() {
    var button = document.getElementById("add-period");
    var template = document.getElementById("period-template");
    var list = document.getElementById("period-list");
    var total = document.getElementById("id_periods-TOTAL_FORMS");
    var max = document.getElementById("id_periods-MAX_NUM_FORMS");
    if (!button || !template || !list || !total) return;
    var limit = max ? parseInt(max.value, 10) : 1000;

    function refresh() { button.disabled = parseInt(total.value, 10) >= limit; }

    button.hidden = false;
    refresh();
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (index >= limit) return;
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
      list.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      refresh();
      var input = list.lastElementChild && list.lastElementChild.querySelector("input");
      if (input) input.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
