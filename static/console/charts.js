/* Charts drawn from JSON data islands, with the vendored Chart.js (static/vendor/README.md).
 *
 *   {{ spec|json_script:"some-chart-data" }}
 *   <div class="chart"><canvas data-chart="some-chart-data" role="img" aria-label="…"></canvas></div>
 *
 * A spec: {kind: "bar"|"line", stacked?: bool, labels: [...], x_title?, y_title?, y1_title?,
 *          series: [{label, data: [numbers or null], color?, kind?: "bar"|"line", axis?: "y"|"y1"}]}.
 * Pages that use it also load static/console/charts.css and give the table of the same figures.
 * No inline script or style, no eval: it runs under the console's Content-Security-Policy.
 */
(function () {
  "use strict";

  var PALETTE = ["#1565c0", "#2e7d32", "#c62828", "#ef6c00", "#6a1b9a", "#546e7a"];

  function dataset(series, index, spec) {
    var colour = series.color || PALETTE[index % PALETTE.length];
    var kind = series.kind || spec.kind;
    return {
      type: kind,
      label: series.label,
      data: series.data,
      yAxisID: series.axis === "y1" ? "y1" : "y",
      backgroundColor: kind === "line" ? colour : colour + "cc",
      borderColor: colour,
      borderWidth: kind === "line" ? 2 : 0,
      pointRadius: kind === "line" ? 2 : 0,
      spanGaps: false,
      order: kind === "line" ? 0 : 1,
    };
  }

  function axis(title, extra) {
    var options = { beginAtZero: true, title: { display: Boolean(title), text: title || "" } };
    for (var key in extra) options[key] = extra[key];
    return options;
  }

  function draw(canvas) {
    var island = document.getElementById(canvas.dataset.chart);
    if (!island || !window.Chart || canvas.chart) return null;
    var spec = JSON.parse(island.textContent);
    var stacked = Boolean(spec.stacked);
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var scales = {
      x: { stacked: stacked, title: { display: Boolean(spec.x_title), text: spec.x_title || "" },
           ticks: { autoSkip: true, autoSkipPadding: 12, maxRotation: 0 } },
      y: axis(spec.y_title, { stacked: stacked, ticks: { precision: 0 } }),
    };
    if (spec.series.some(function (s) { return s.axis === "y1"; })) {
      scales.y1 = axis(spec.y1_title, { position: "right", grid: { drawOnChartArea: false }, ticks: { precision: 0 } });
    }
    canvas.chart = new window.Chart(canvas, {
      type: spec.kind || "bar",
      data: { labels: spec.labels, datasets: spec.series.map(function (s, i) { return dataset(s, i, spec); }) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduced ? false : { duration: 300 },
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: scales,
      },
    });
    canvas.dataset.chartDrawn = "true";
    return canvas.chart;
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  window.switchboardCharts = { draw: draw, drawAll: drawAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
  // Charts inside content htmx swaps in are drawn too.
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
