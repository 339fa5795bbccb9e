// Visit coverage: bars from data-pct, and a map of buildings coloured by coverage (Leaflet,
// served locally). Data from coverage/map.json; no inline script (CSP).
(function () {
  "use strict";
  document.querySelectorAll(".bar > span[data-pct]").forEach(function (s) {
    s.style.width = Math.min(100, parseFloat(s.getAttribute("data-pct")) || 0) + "%";
  });
  var configEl = document.getElementById("coverage-map-config");
  var mapEl = document.getElementById("coverage-map");
  if (!configEl || !mapEl || typeof L === "undefined") return;
  var config = JSON.parse(configEl.textContent);

  function colour(pct) {
    if (pct >= 80) return "#1a7f37";
    if (pct >= 50) return "#9ac23c";
    if (pct >= 20) return "#d4a72c";
    return "#cf222e";
  }

  fetch(config.url, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var b = (data.buildings || []).filter(function (x) { return (x.lat !== null && x.lon !== null) || (x.x !== null && x.y !== null); });
      var geo = config.tiles && b.length && b.every(function (x) { return x.lat !== null && x.lon !== null; });
      var map = L.map(mapEl, geo ? {} : { crs: L.CRS.Simple, minZoom: -6, maxZoom: 4 });
      if (geo) L.tileLayer(config.tiles, { maxZoom: 19 }).addTo(map);
      var points = [];
      b.forEach(function (x) {
        var ll = geo ? [x.lat, x.lon] : (x.x !== null ? [x.y, x.x] : [x.lat, x.lon]);
        points.push(ll);
        var box = document.createElement("div");
        var title = document.createElement("strong");
        title.textContent = x.name;
        box.appendChild(title);
        box.appendChild(document.createElement("br"));
        box.appendChild(document.createTextNode("本期走访 " + x.visited + " / " + x.households + " 户（" + x.pct + "%）"));
        L.circleMarker(ll, { radius: 7, color: "#333", weight: 1, fillColor: colour(x.pct), fillOpacity: 0.9 })
          .bindPopup(box).addTo(map);
      });
      if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.1));
      else map.setView([0, 0], 0);
    });
})();
