/* The statistics pages' charts (Apache ECharts, served from this site). The page carries each chart's
   categories and series as JSON (#stats-charts), the same numbers as the table beside it; this only draws.
   A drawn chart's element gets data-rendered="true" (the browser tests wait for it). */
(function () {
  "use strict";

  function percent(value) { return Math.round(value * 1000) / 10 + "%"; }

  function option(chart) {
    var base = {
      animation: false,
      title: { text: chart.title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: chart.kind === "pie" ? "item" : "axis" },
      legend: { bottom: 0, type: "scroll" }
    };
    if (chart.kind === "pie") {
      base.series = [{
        type: "pie",
        radius: ["30%", "60%"],
        center: ["50%", "50%"],
        data: chart.categories.map(function (name, i) { return { name: name, value: chart.series[0].data[i] }; })
      }];
      return base;
    }
    base.grid = { left: 60, right: 20, top: 40, bottom: 60 };
    base.xAxis = { type: "category", data: chart.categories, axisLabel: { interval: 0, rotate: chart.categories.length > 5 ? 30 : 0 } };
    var share = chart.units.length > 0 && chart.units[0] === "share";
    base.yAxis = { type: "value", max: share ? 1 : null, axisLabel: share ? { formatter: percent } : {} };
    if (share) { base.tooltip.valueFormatter = function (value) { return value === null ? "—" : percent(value); }; }
    base.series = chart.series.map(function (serie) { return { name: serie.name, type: "bar", data: serie.data }; });
    return base;
  }

  function draw() {
    var source = document.getElementById("stats-charts");
    if (!source || typeof echarts === "undefined") { return; }
    JSON.parse(source.textContent).forEach(function (chart) {
      var node = document.getElementById(chart.id);
      if (!node) { return; }
      var instance = echarts.init(node, null, { renderer: "canvas" });
      instance.on("finished", function () { node.setAttribute("data-rendered", "true"); });
      instance.setOption(option(chart));
      window.addEventListener("resize", function () { instance.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
