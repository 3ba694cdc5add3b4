// Categorising expressed needs at typing speed. Progressive enhancement: without this file each need has its
// own list and « Classer » button, and the page works the same.
//
// Keyboard model: one need is « current » (highlighted, focused, aria-current). A digit 1..7 gives it the
// category of that key and moves to the next need; Shift + digit gives it to every uncategorised need of the
// season with the same text; 0 removes its category. ArrowDown / j and ArrowUp / k move between needs.
// Digits are read from the physical key (static/js/keys.js), so that they work on AZERTY keyboards too, where the
// top row gives « & é " ' » without Shift and digits with it.
(function () {
  "use strict";

  var CURRENT_CLASSES = ["border-primary", "border-2", "shadow-sm"];

  function setUp(list) {
    var live = document.querySelector("[data-needs-live]");
    var currentId = null;

    function rows() {
      return Array.prototype.slice.call(list.querySelectorAll("[data-need-row]"));
    }

    function current() {
      return currentId ? document.getElementById(currentId) : null;
    }

    function announce(text) {
      if (!live || !text) return;
      live.textContent = "";
      window.setTimeout(function () { live.textContent = text; }, 30);
    }

    function mark(row) {
      row.classList.add.apply(row.classList, CURRENT_CLASSES);
      row.setAttribute("aria-current", "true");
    }

    function setCurrent(row, focus) {
      rows().forEach(function (other) {
        other.classList.remove.apply(other.classList, CURRENT_CLASSES);
        other.removeAttribute("aria-current");
      });
      if (!row) {
        currentId = null;
        return;
      }
      currentId = row.id;
      mark(row);
      if (focus) {
        row.focus({ preventScroll: true });
        row.scrollIntoView({ block: "nearest" });
      }
    }

    // The next need after `row`, skipping those a bulk assignment is about to categorise.
    function neighbour(row, step) {
      var all = rows();
      var index = all.indexOf(row);
      for (var i = index + step; i >= 0 && i < all.length; i += step) {
        if (!all[i].hasAttribute("data-pending")) return all[i];
      }
      return null;
    }

    function move(step) {
      var row = current();
      var target = row ? neighbour(row, step) : rows()[0];
      if (target) setCurrent(target, true);
    }

    var digitOf = window.smdqKeys.digitOf; // static/js/keys.js: AZERTY top row, numeric keypad

    function assign(row, digit, bulk) {
      var form = row.querySelector("form[data-need-form]");
      var select = form.querySelector("select[name=category]");
      var option = select.querySelector('option[data-key="' + digit + '"]');
      if (!option) return;
      if (bulk) {
        var button = form.querySelector("[data-bulk]");
        if (!button || digit === "0") {
          announce(list.dataset.noIdentical);
          return;
        }
        select.value = option.value;
        rows().forEach(function (other) {
          if (other !== row && other.dataset.key === row.dataset.key && other.dataset.categorised === "false") {
            other.setAttribute("data-pending", "");
          }
        });
        button.click();
      } else {
        select.value = option.value;
        if (form.requestSubmit) {
          form.requestSubmit();
        } else {
          htmx.trigger(form, "submit");
        }
      }
      var next = neighbour(row, 1);
      if (next) setCurrent(next, true);
    }

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing || event.defaultPrevented) return;
      var target = event.target;
      if (target.closest && target.closest("input, select, textarea, [contenteditable]")) return;
      if (target !== document.body && !list.contains(target)) return;
      var row = current();
      var digit = digitOf(event);
      if (digit !== null && row && (digit === "0" || list.querySelector('option[data-key="' + digit + '"]'))) {
        event.preventDefault();
        assign(row, digit, event.shiftKey);
      } else if (event.key === "ArrowDown" || event.key === "j") {
        event.preventDefault();
        move(1);
      } else if (event.key === "ArrowUp" || event.key === "k") {
        event.preventDefault();
        move(-1);
      }
    });

    // A click anywhere in a need makes it the current one (without taking the focus from the clicked control).
    list.addEventListener("click", function (event) {
      var row = event.target.closest("[data-need-row]");
      if (row) setCurrent(row, event.target === row);
    });
    list.addEventListener("focusin", function (event) {
      var row = event.target.closest("[data-need-row]");
      if (row && row.id !== currentId) setCurrent(row, false);
    });

    // A categorised need comes back from the server and replaces its row: keep the highlight on the current
    // one, and give the focus back if the swap took it away.
    document.body.addEventListener("htmx:afterSettle", function () {
      var row = current();
      if (!row) return;
      mark(row);
      if (document.activeElement === document.body) row.focus({ preventScroll: true });
    });
    document.body.addEventListener("needs-assigned", function (event) {
      list.querySelectorAll("[data-pending]").forEach(function (row) { row.removeAttribute("data-pending"); });
      announce(event.detail && event.detail.message);
    });
    document.body.addEventListener("htmx:responseError", function (event) {
      list.querySelectorAll("[data-pending]").forEach(function (row) { row.removeAttribute("data-pending"); });
      var text = event.detail.xhr && event.detail.xhr.responseText;
      announce(list.dataset.errorMessage + (text && text.length < 300 ? " " + text : ""));
    });

    var first = rows().filter(function (row) { return row.dataset.categorised === "false"; })[0] || rows()[0];
    if (first) setCurrent(first, true);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.querySelector("[data-needs-list]");
    if (list) setUp(list);
  });
})();
