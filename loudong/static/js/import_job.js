// Polls the import job's status and reloads the page when the job has finished.
(function () {
  var box = document.getElementById("job-progress");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  function tick() {
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
      if (s.finished) { window.location.reload(); return; }
      document.getElementById("job-status").textContent = s.status_label;
      document.getElementById("job-stage").textContent = s.stage;
      document.getElementById("job-count").textContent = s.done ? s.done + " 行" : "";
      var bar = document.getElementById("job-bar");
      if (s.total) { bar.value = Math.round(100 * s.done / s.total); } else { bar.removeAttribute("value"); }
      setTimeout(tick, 1000);
    }).catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 500);
})();
