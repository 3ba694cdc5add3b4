// The public questionnaire: before sending, warn about unanswered questions (the server accepts them anyway),
// and do not let a double tap send the form twice. Progressive enhancement: the form works without this file.
(function () {
  "use strict";

  var MAX_LISTED = 5;

  function isAnswered(fieldset) {
    return fieldset.querySelector("input[type=radio]:checked") !== null;
  }

  function legendText(fieldset) {
    var legend = fieldset.querySelector("legend");
    return legend ? legend.textContent.trim() : "";
  }

  function setup(form) {
    var alertBox = document.getElementById("alerte-sans-reponse");
    var submitButton = form.querySelector("button[type=submit]");
    var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-item]"));
    var confirmed = false;
    var sending = false;

    function unanswered() {
      return questions.filter(function (fieldset) { return !isAnswered(fieldset); });
    }

    function markUnanswered(list) {
      questions.forEach(function (fieldset) {
        var missing = list.indexOf(fieldset) !== -1;
        fieldset.classList.toggle("is-unanswered", missing);
        var note = fieldset.querySelector(".unanswered-note");
        if (note) note.hidden = !missing;
      });
    }

    function showAlert(list) {
      var count = alertBox.querySelector("[data-count-text]");
      count.textContent = list.length === 1
        ? alertBox.dataset.one
        : alertBox.dataset.many.replace("%(count)s", String(list.length));
      var ul = alertBox.querySelector("[data-unanswered-list]");
      ul.textContent = "";
      // Beyond a handful the list would fill a phone's screen: the count says enough then.
      ul.hidden = list.length > MAX_LISTED;
      list.slice(0, MAX_LISTED).forEach(function (fieldset) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "#" + fieldset.id;
        a.textContent = legendText(fieldset);
        a.addEventListener("click", function (event) {
          event.preventDefault();
          goTo(fieldset);
        });
        li.appendChild(a);
        ul.appendChild(li);
      });
      markUnanswered(list);
      alertBox.hidden = false;
      alertBox.focus();
      alertBox.scrollIntoView({ block: "center" });
    }

    function goTo(fieldset) {
      fieldset.scrollIntoView({ block: "start" });
      var first = fieldset.querySelector("input[type=radio]");
      if (first) first.focus({ preventScroll: true });
    }

    function send() {
      sending = true;
      submitButton.disabled = true;
      submitButton.setAttribute("aria-busy", "true");
      form.submit();
    }

    form.addEventListener("change", function (event) {
      var fieldset = event.target.closest("fieldset[data-item]");
      if (fieldset && isAnswered(fieldset)) {
        fieldset.classList.remove("is-unanswered");
        var note = fieldset.querySelector(".unanswered-note");
        if (note) note.hidden = true;
      }
    });

    form.addEventListener("submit", function (event) {
      if (sending) {
        event.preventDefault();
        return;
      }
      var list = unanswered();
      if (list.length && !confirmed) {
        event.preventDefault();
        showAlert(list);
        return;
      }
      event.preventDefault();
      send();
    });

    alertBox.querySelector("[data-action=complete]").addEventListener("click", function () {
      alertBox.hidden = true;
      var list = unanswered();
      markUnanswered(list);
      if (list.length) goTo(list[0]);
    });

    alertBox.querySelector("[data-action=send-anyway]").addEventListener("click", function () {
      confirmed = true;
      alertBox.hidden = true;
      send();
    });

    // Coming back from the browser's page cache: the button works again (if this form was already saved,
    // the server recognises it and shows the thank-you page without saving it twice).
    window.addEventListener("pageshow", function () {
      sending = false;
      submitButton.disabled = false;
      submitButton.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-online-questionnaire]");
    if (form) setup(form);
    var errors = document.querySelector("[data-focus-on-load]");
    if (errors) errors.focus();
  });
})();
