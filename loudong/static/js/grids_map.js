// Review map of a grid division: buildings as circle markers coloured by grid.
// Data comes from map.json (URL in the #grid-map-config JSON block); no inline script (CSP).
(function () {
  "use strict";
  var configEl = document.getElementById("grid-map-config");
  var mapEl = document.getElementById("grid-map");
  if (!configEl || !mapEl || typeof L === "undefined") return;
  var config = JSON.parse(configEl.textContent);
  mapEl.style.height = "420px";
  mapEl.style.background = "#eef1f4";

  function text(tag, value) {
    var el = document.createElement(tag);
    el.textContent = value;
    return el;
  }

  function popup(b) {
    var box = document.createElement("div");
    box.appendChild(text("strong", b.name));
    box.appendChild(text("div", "网格：" + b.grid_label));
    box.appendChild(text("div", "单元：" + b.units.join("、")));
    box.appendChild(text("div", "实际居住户数：" + b.households));
    return box;
  }

  fetch(config.url, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var b = data.buildings;
      // Real coordinates and a tile server: a geographic map. Otherwise plain metres on a blank plane.
      var geo = config.tiles && b.length && b.every(function (x) { return x.lat !== null && x.lon !== null; });
      var map = L.map(mapEl, geo ? {} : { crs: L.CRS.Simple, minZoom: -6, maxZoom: 4 });
      if (geo) {
        L.tileLayer(config.tiles, { maxZoom: 19 }).addTo(map);
      }
      var points = [];
      b.forEach(function (x) {
        var ll = geo ? [x.lat, x.lon] : [x.y, x.x];
        points.push(ll);
        L.circleMarker(ll, {
          radius: 7, color: "#333", weight: 1, fillColor: x.colour, fillOpacity: 0.9
        }).bindPopup(popup(x)).addTo(map);
      });
      if (points.length) {
        map.fitBounds(L.latLngBounds(points).pad(0.1));
      } else {
        map.setView([0, 0], 0);
      }
      var legend = document.getElementById("grid-legend");
      data.grids.forEach(function (g) {
        var li = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.style.display = "inline-block";
        swatch.style.width = "0.9em";
        swatch.style.height = "0.9em";
        swatch.style.marginRight = "0.4em";
        swatch.style.background = g.colour;
        swatch.style.borderRadius = "50%";
        li.appendChild(swatch);
        li.appendChild(document.createTextNode(g.label + "（" + g.households + " 户" + (g.in_range ? "" : "，不在范围内") + "）"));
        li.style.display = "inline-block";
        li.style.marginRight = "1em";
        legend.appendChild(li);
      });
    });
})();
