// Printable pages: the print button, and progress bars sized from data attributes (no inline style).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
