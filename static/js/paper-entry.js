// Paper questionnaires at typing speed. Progressive enhancement: without this file the page still works
// with the radio buttons and the « Enregistrer » button.
//
// Keyboard model on the items: a digit 1..scale (the top row of an AZERTY keyboard too, without Shift) answers and moves to the next item; 0 or Space leaves the
// item blank and moves on; a digit above the scale is refused (the cursor stays); Backspace goes back to the
// previous item and clears it. After the last item the cursor goes to the first need. Enter saves the sheet
// from any field. A full sheet without needs: 13 digits + Enter.
(function () {
  "use strict";

  function setUp(form) {
    var block = form.querySelector("[data-entry-items]");
    if (!block) return;
    var items = Array.prototype.slice.call(block.querySelectorAll("fieldset[data-item]"));
    var live = form.querySelector("[data-entry-live]");
    var firstNeed = form.querySelector("[data-entry-first-need]");
    var submitting = false;

    function announce(text) {
      if (!live) return;
      // Emptied first so that the same message twice in a row is read twice.
      live.textContent = "";
      window.setTimeout(function () { live.textContent = text; }, 30);
    }

    function clearRefusal(fieldset) {
      if (!fieldset.classList.contains("is-refused")) return;
      fieldset.classList.remove("is-refused");
      fieldset.querySelector("[data-item-hint]").textContent = "";
    }

    function choose(fieldset, value) {
      var input = fieldset.querySelector('input[type="radio"][value="' + value + '"]');
      if (!input) return;
      input.checked = true;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      clearRefusal(fieldset);
    }

    function focusItem(index) {
      var fieldset = items[index];
      var target = fieldset.querySelector('input[type="radio"]:checked') ||
        fieldset.querySelector('input[type="radio"]');
      target.focus();
    }

    function advance(index) {
      if (index + 1 < items.length) {
        focusItem(index + 1);
      } else if (firstNeed) {
        firstNeed.focus();
      }
    }

    function refuse(fieldset, digit) {
      var text = form.dataset.refusedMessage.replace("{digit}", digit).replace("{scale}", fieldset.dataset.scale);
      var hint = fieldset.querySelector("[data-item-hint]");
      fieldset.classList.remove("is-refused");
      void fieldset.offsetWidth; // restarts the shake animation
      fieldset.classList.add("is-refused");
      hint.textContent = text;
      announce(text);
    }

    function goBack(index) {
      var previous = Math.max(index - 1, 0);
      items.forEach(clearRefusal);
      choose(items[previous], "");
      focusItem(previous);
    }

    block.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
      var fieldset = event.target.closest("fieldset[data-item]");
      if (!fieldset) return;
      var index = items.indexOf(fieldset);
      var key = event.key;
      // By the physical key (static/js/keys.js): « é » on an AZERTY keyboard without Shift is 2.
      var digit = window.smdqKeys.digitOf(event);
      if (digit === "0" || key === " " || key === "Spacebar") {
        event.preventDefault();
        choose(fieldset, "");
        advance(index);
      } else if (digit) {
        event.preventDefault();
        if (parseInt(digit, 10) <= parseInt(fieldset.dataset.scale, 10)) {
          choose(fieldset, digit);
          advance(index);
        } else {
          refuse(fieldset, digit);
        }
      } else if (key === "Backspace") {
        event.preventDefault();
        goBack(index);
      }
    });

    if (firstNeed) {
      // Backspace in the empty first need undoes the last item, as anywhere else in the sheet.
      firstNeed.addEventListener("keydown", function (event) {
        if (event.key === "Backspace" && firstNeed.value === "" && !event.ctrlKey && !event.altKey) {
          event.preventDefault();
          goBack(items.length);
        }
      });
    }

    // Enter saves from every field: radios and lists do not submit a form natively.
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing || event.defaultPrevented) return;
      var tag = event.target.tagName;
      if (tag !== "INPUT" && tag !== "SELECT") return;
      event.preventDefault();
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    });

    // A second Enter while the sheet is being saved must not send it twice (the server also refuses a
    // sheet number that already exists).
    form.addEventListener("submit", function (event) {
      if (submitting) {
        event.preventDefault();
        return;
      }
      submitting = true;
    });
    window.addEventListener("pageshow", function () { submitting = false; });

    if (document.activeElement === document.body || document.activeElement === null) {
      var autofocus = form.querySelector("[autofocus]");
      if (autofocus) autofocus.focus();
    }
  }

  function confirmBeforeSubmit(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-paper-entry]").forEach(setUp);
    document.querySelectorAll("form[data-confirm]").forEach(confirmBeforeSubmit);
  });
})();
