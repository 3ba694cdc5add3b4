// The sign-in sheet typed at keyboard speed. Progressive enhancement: without this file the page still works
// with the empty rows rendered by the server and the « Enregistrer la feuille » button.
//
// Keyboard model: Tab goes along the row; Enter goes to the first field of the next row, and adds a row after
// the last one; Ctrl+Enter (Cmd+Enter on a Mac) saves the sheet from anywhere in the form. Typing a structure
// name refreshes its suggestions from the structures already known to the programme.
(function () {
  "use strict";

  var MIN_QUERY = 2;
  var SEARCH_DELAY = 200;

  function setUp(form) {
    var grid = form.querySelector("[data-participant-grid]");
    var body = grid && grid.tBodies[0];
    var template = document.getElementById("participant-row-template");
    var total = form.querySelector('input[name$="-TOTAL_FORMS"]');
    var maxForms = form.querySelector('input[name$="-MAX_NUM_FORMS"]');
    if (!body || !template || !total) return;
    var addButton = form.querySelector("[data-add-row]");
    var live = form.querySelector("[data-participant-live]");
    var datalist = document.getElementById("structure-options");
    var searchUrl = grid.dataset.searchUrl;
    var filledSummary = document.querySelector("[data-filled-summary]");
    var filledCount = document.querySelector("[data-filled-count]");
    var searchTimer = null;
    var searchSequence = 0;
    var lastQuery = "";

    function rows() {
      return Array.prototype.slice.call(body.querySelectorAll("tr[data-row]"));
    }

    function firstField(row) {
      return row.querySelector("input:not([type=hidden]):not([type=checkbox]), select");
    }

    function announce(text) {
      if (!live) return;
      live.textContent = "";
      window.setTimeout(function () { live.textContent = text; }, 30);
    }

    function isFilled(row) {
      if (row.querySelector('input[name$="-DELETE"]:checked')) return false;
      return Array.prototype.some.call(row.querySelectorAll("input, select"), function (field) {
        if (field.type === "hidden" || field.type === "checkbox") return false;
        return field.value.trim() !== "" && field.value !== "unknown";
      });
    }

    function updateCount() {
      if (!filledCount) return;
      filledCount.textContent = rows().filter(isFilled).length;
    }

    function addRow() {
      var index = parseInt(total.value, 10);
      if (maxForms && index >= parseInt(maxForms.value, 10)) {
        announce("Nombre maximal de lignes atteint : enregistrez la feuille.");
        return null;
      }
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__line__/g, String(index + 1));
      body.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      announce("Ligne " + (index + 1) + " ajoutée.");
      return body.lastElementChild;
    }

    function goToNextRow(row) {
      var next = row.nextElementSibling;
      while (next && !next.matches("tr[data-row]")) next = next.nextElementSibling;
      if (!next) next = addRow();
      if (next) firstField(next).focus();
    }

    function save() {
      var button = form.querySelector('button[type="submit"]');
      if (form.requestSubmit) form.requestSubmit(button);
      else form.submit();
    }

    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing) return;
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        save();
        return;
      }
      var row = event.target.closest && event.target.closest("tr[data-row]");
      if (!row || !grid.contains(row)) return;  // Enter on a button keeps its usual meaning
      event.preventDefault();
      goToNextRow(row);
    });

    if (addButton) {
      addButton.hidden = false;
      addButton.addEventListener("click", function () {
        var row = addRow();
        if (row) firstField(row).focus();
      });
    }

    // A row marked for deletion is shown struck through; the server deletes it on save.
    body.addEventListener("change", function (event) {
      if (event.target.matches('input[name$="-DELETE"]')) {
        event.target.closest("tr").classList.toggle("participant-row--deleted", event.target.checked);
      }
      updateCount();
    });

    function fillStructures(results) {
      while (datalist.firstChild) datalist.removeChild(datalist.firstChild);
      results.forEach(function (result) {
        var option = document.createElement("option");
        option.value = result.value;
        datalist.appendChild(option);
      });
    }

    function searchStructures(query) {
      var sequence = ++searchSequence;
      fetch(searchUrl + "?q=" + encodeURIComponent(query), { headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (sequence !== searchSequence) return;  // an answer to an older query arrived late
          lastQuery = query;
          fillStructures(data.results || []);
        })
        .catch(function () { /* suggestions are a help: typing goes on without them */ });
    }

    body.addEventListener("input", function (event) {
      updateCount();
      var input = event.target;
      if (!datalist || !searchUrl || !input.hasAttribute("data-structure-input")) return;
      var query = input.value.trim();
      window.clearTimeout(searchTimer);
      if (query.length < MIN_QUERY || query === lastQuery) return;
      searchTimer = window.setTimeout(function () { searchStructures(query); }, SEARCH_DELAY);
    });

    rows().forEach(function (row) {
      var box = row.querySelector('input[name$="-DELETE"]');
      if (box && box.checked) row.classList.add("participant-row--deleted");
    });
    if (filledSummary) filledSummary.hidden = false;
    updateCount();

    // Start where there is work: the error summary after a refused save, else the first empty row.
    var summary = document.getElementById("participant-errors");
    if (summary) {
      summary.focus();
      return;
    }
    var firstNew = body.querySelector('tr[data-row="new"]');
    if (firstNew) firstField(firstNew).focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-participant-form]").forEach(setUp);
  });
})();
