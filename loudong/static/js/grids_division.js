// The division review page: the grid map, the grid list, and the move dialog.
// Map data comes from map.json (URL in the #grid-map-config JSON block); the dialog's content
// is server-rendered HTML from each piece's "调整" link (?partial=1). No inline script or
// style (CSP 'self'): colours are set through the DOM, never as style attributes.
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- The grid list: open the grid named in the address (#grid-N); show flagged grids only.
  function openFromHash() {
    var id = window.location.hash.slice(1);
    if (!/^grid-\d+$/.test(id)) return;
    var item = document.getElementById(id);
    if (item && item.tagName === "DETAILS") {
      item.open = true;
      item.scrollIntoView({ block: "start" });
    }
  }
  window.addEventListener("hashchange", openFromHash);
  openFromHash();

  var onlyFlagged = document.getElementById("only-flagged");
  var list = document.querySelector(".grid-list");
  if (onlyFlagged && list) {
    onlyFlagged.addEventListener("change", function () {
      list.classList.toggle("only-flagged", onlyFlagged.checked);
    });
  }

  // --- The move dialog: one <dialog>, its content loaded when a piece's 调整 is pressed.
  var dialog = document.getElementById("move-dialog");
  var body = document.getElementById("move-dialog-body");
  var canDialog = dialog && body && typeof dialog.showModal === "function";

  function showText(text) {
    body.textContent = "";
    var panel = el("div", "move-panel");
    panel.appendChild(el("h2", "", "移到网格")).id = "move-dialog-title";
    panel.appendChild(el("p", "", text));
    var close = el("button", "", "关闭");
    close.type = "button";
    close.setAttribute("data-close", "");
    panel.appendChild(close);
    body.appendChild(panel);
  }

  function load(href) {
    var url = new URL(href, window.location.href);
    url.searchParams.set("partial", "1");
    if (!dialog.open) dialog.showModal();
    showText("正在计算各网格移入后的户数……");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) {
        if (r.redirected && r.url.indexOf("/accounts/login/") !== -1) {
          throw { shown: "登录已过期，请刷新页面后重新登录。" };
        }
        // 400 carries its own message (e.g. the division is no longer a draft).
        if (!r.ok && r.status !== 400) {
          throw { shown: r.status === 403 ? "您只能查看，不能调整网格。" : "加载失败（" + r.status + "），请刷新页面后重试。" };
        }
        return r.text();
      })
      .then(function (html) {
        body.innerHTML = html; // our own server-rendered, auto-escaped fragment
        var first = body.querySelector("input[type=radio]");
        if (first) first.focus();
      })
      .catch(function (error) {
        showText((error && error.shown) || "加载失败，请检查网络后重试。");
      });
  }

  if (canDialog) {
    document.addEventListener("click", function (event) {
      var open = event.target.closest("[data-move]");
      if (open) {
        event.preventDefault();
        load(open.href);
        return;
      }
      if (!dialog.contains(event.target)) return;
      var reload = event.target.closest("[data-reload]");
      if (reload) {
        event.preventDefault();
        load(reload.href);
      } else if (event.target.closest("[data-close]")) {
        dialog.close();
      }
    });
    // The live check: what the chosen move does to both grids, before it is made.
    dialog.addEventListener("change", function (event) {
      if (event.target.name !== "to_grid") return;
      var check = document.getElementById("move-check");
      var summary = event.target.closest("label").querySelector(".choice-summary");
      if (!check || !summary) return;
      check.textContent = summary.textContent;
      check.classList.toggle("has-warning", summary.getAttribute("data-warning") === "1");
      check.hidden = false;
    });
  }

  // --- The map: each grid an outline (buffered hull of its buildings) with its number and
  // households, fill colours distinct between neighbours; buildings as small dots.
  var configEl = document.getElementById("grid-map-config");
  var mapEl = document.getElementById("grid-map");
  if (!configEl || !mapEl || typeof L === "undefined") return;
  var config = JSON.parse(configEl.textContent);

  function popup(lines, link) {
    var box = el("div", "map-popup");
    lines.forEach(function (line, k) { box.appendChild(el(k ? "div" : "strong", "", line)); });
    if (link) {
      var a = el("a", "", link.text);
      a.href = link.href;
      box.appendChild(a);
    }
    return box;
  }

  function label(g) {
    var box = el("span", "");
    box.appendChild(el("span", "grid-label-number", g.short));
    box.appendChild(el("span", "grid-label-households", g.households + " 户"));
    return box;
  }

  function draw(data) {
    // A plain plane has no map data to credit; a tile map keeps its attribution.
    var map = L.map(mapEl, data.geo ? {} : {
      crs: L.CRS.Simple, minZoom: -6, maxZoom: 4, zoomSnap: 0.25, attributionControl: false
    });
    if (data.geo) L.tileLayer(config.tiles, { maxZoom: 19 }).addTo(map);
    var bounds = L.latLngBounds([]);
    var labels = [];
    data.grids.forEach(function (g) {
      if (!g.outline.length) return;
      var outline = L.polygon(g.outline, {
        className: "grid-outline" + (g.in_range ? "" : " grid-outline-bad"),
        color: g.in_range ? "#3d4650" : "#cf222e",
        weight: g.in_range ? 1.5 : 2.5,
        dashArray: g.in_range ? null : "6 4",
        fillColor: g.colour,
        fillOpacity: 0.55
      }).addTo(map);
      outline.bindPopup(popup(
        [g.label, g.households + " 户" + (g.in_range ? "，在范围内" : "，不在范围内")].concat(g.warnings),
        { text: "查看单元", href: "#grid-" + g.id }
      ));
      bounds.extend(outline.getBounds());
      var tip = L.tooltip({ direction: "center", className: "grid-label", opacity: 1 })
        .setLatLng(g.centre).setContent(label(g)).addTo(map);
      labels.push({ tip: tip, outline: outline });
    });
    data.buildings.forEach(function (b) {
      L.circleMarker(b.at, {
        className: "building-dot", radius: 4, color: "#1f2328", weight: 1, fillColor: "#fff", fillOpacity: 1
      }).bindPopup(popup([b.name, "网格：" + b.grid_label, "单元：" + b.units.join("、"), "实际居住户数：" + b.households]))
        .addTo(map);
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.05));
    } else {
      map.setView([0, 0], 0);
    }
    // Labels that would overlap are shortened to the grid number, then hidden (largest grids
    // keep theirs first); zooming in brings them back.
    function placeLabels() {
      var placed = [];
      function free(r) {
        return placed.every(function (p) {
          // 6 px of air between labels
          return r.right + 6 <= p.left || p.right + 6 <= r.left ||
            r.bottom + 6 <= p.top || p.bottom + 6 <= r.top;
        });
      }
      labels.map(function (x) {
        var b = x.outline.getBounds();
        var nw = map.latLngToLayerPoint(b.getNorthWest());
        var se = map.latLngToLayerPoint(b.getSouthEast());
        return { x: x, size: (se.x - nw.x) * (se.y - nw.y) };
      }).sort(function (a, b) { return b.size - a.size; }).forEach(function (item) {
        var tip = item.x.tip;
        var node = tip.getElement();
        if (!node) return;
        node.classList.remove("grid-label-hidden", "grid-label-compact");
        tip.update();
        var r = node.getBoundingClientRect();
        if (!free(r)) {
          node.classList.add("grid-label-compact");
          tip.update();
          r = node.getBoundingClientRect();
          if (!free(r)) {
            node.classList.add("grid-label-hidden");
            return;
          }
        }
        placed.push(r);
      });
    }
    map.on("zoomend", placeLabels);
    placeLabels();
  }

  fetch(config.url, { credentials: "same-origin" })
    .then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    })
    .then(draw)
    .catch(function () {
      mapEl.textContent = "地图数据加载失败，请刷新页面重试。";
    });
})();
