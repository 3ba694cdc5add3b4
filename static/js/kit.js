// Catalogue of inspiring actions: the « Imprimer la fiche » button (the page prints fine without it).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
})();
