// The incident page: a canned reply fills the reply box (it can still be edited).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill]");
    if (!button) return;
    var box = document.getElementById(button.getAttribute("data-fill"));
    if (box) { box.value = button.getAttribute("data-text"); box.focus(); }
  });
})();
