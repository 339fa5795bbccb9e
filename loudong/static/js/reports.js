// Dashboards: draw each table's chart with ECharts from the #report-specs JSON block.
// The table under each chart holds the same numbers; a click on a bar or point opens the list
// behind it (the row's drill-down URL) when there is one. No inline script or style (CSP).
(function () {
  "use strict";
  var block = document.getElementById("report-specs");
  if (!block || typeof echarts === "undefined") return;
  var specs = JSON.parse(block.textContent);
  var PALETTE = ["#b4232a", "#0b5cad", "#1a7f37", "#9a6700", "#6e40c9", "#5c6670", "#cf222e"];
  var charts = [];

  function axisOption(spec, stacked, horizontal) {
    var category = { type: "category", data: spec.categories, axisLabel: { interval: 0, hideOverlap: true } };
    var value = { type: "value", minInterval: 1 };
    var series = spec.series.map(function (s) {
      return {
        name: s.name,
        type: spec.chart === "line" ? "line" : "bar",
        stack: stacked ? "total" : undefined,
        data: s.data,
        connectNulls: false,
        emphasis: { focus: "series" },
        barMaxWidth: 56,
        label: { show: spec.categories.length <= 12 && !stacked, position: horizontal ? "right" : "top" },
      };
    });
    return {
      color: PALETTE,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, data: spec.series.map(function (s) { return s.name; }) },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: series,
    };
  }

  function pieOption(spec) {
    var s = spec.series[0] || { data: [] };
    return {
      color: PALETTE,
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { bottom: 0 },
      series: [{
        name: s.name, type: "pie", radius: ["35%", "65%"],
        data: spec.categories.map(function (c, i) { return { name: c, value: s.data[i] }; }),
        label: { formatter: "{b}\n{c}" },
      }],
    };
  }

  specs.forEach(function (spec) {
    var node = document.querySelector('.chart[data-chart="' + spec.key + '"]');
    if (!node || !spec.categories.length) {
      if (node) node.classList.add("empty");
      return;
    }
    // Many categories read better as horizontal bars on a phone.
    var horizontal = spec.chart !== "line" && spec.chart !== "pie" && spec.categories.length > 8;
    if (horizontal) node.classList.add("tall");
    var chart = echarts.init(node, null, { renderer: "canvas" });
    chart.setOption(spec.chart === "pie" ? pieOption(spec) : axisOption(spec, spec.chart === "stack", horizontal));
    chart.on("click", function (params) {
      var url = spec.drill[params.dataIndex];
      if (url) window.location.href = url;
    });
    if (spec.drill.some(Boolean)) node.classList.add("drillable");
    node.dataset.ready = "1";
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
