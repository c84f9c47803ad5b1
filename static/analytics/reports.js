// Draws the charts of the reports page from the figures the server put in #report-charts.
// Chart.js (vendored, see vendor/README.md) is loaded before this module as window.Chart.
import { gettext, interpolate } from "../desk/i18n.js";

const Chart = window.Chart;
const charts = JSON.parse(document.getElementById("report-charts")?.textContent || "[]");

const ACCENT = "#2563eb";
const PALETTE = ["#2563eb", "#0d9488", "#f59e0b", "#db2777", "#7c3aed", "#16a34a", "#ea580c", "#0891b2", "#64748b"];
// READ scale 1 (directional) to 6 (in-depth): light to dark, so effort reads as depth of colour.
const SCALE = ["#bfdbfe", "#93c5fd", "#60a5fa", "#3b82f6", "#1d4ed8", "#1e3a8a", "#cbd5e1"];
const STARS = ["#ef4444", "#f97316", "#eab308", "#84cc16", "#22c55e"];

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
Chart.defaults.color = "#5f6b7a";
Chart.defaults.animation = reducedMotion ? false : { duration: 400 };
Chart.defaults.plugins.legend.display = false;
Chart.defaults.maintainAspectRatio = false;

function colours(spec) {
  if (spec.scale) return spec.labels.map((level) => SCALE[level ? level - 1 : 6]);
  if (spec.ratings) return STARS;
  if (spec.type === "doughnut" || spec.horizontal) return spec.labels.map((_, i) => PALETTE[i % PALETTE.length]);
  return ACCENT;
}

function labels(spec) {
  if (spec.scale) {
    return spec.labels.map((level) => (level ? interpolate(gettext("Level %(level)s"), { level }) : gettext("Not recorded")));
  }
  if (spec.ratings) return spec.labels.map((stars) => "★".repeat(stars));
  return spec.labels;
}

function config(spec) {
  const dataset = {
    label: spec.ratings ? gettext("Chats") : gettext("Interactions"),
    data: spec.values,
    backgroundColor: colours(spec),
    borderColor: spec.type === "line" ? ACCENT : undefined,
    borderRadius: spec.type === "bar" ? 4 : undefined,
    maxBarThickness: 48,
  };
  if (spec.type === "line") {
    Object.assign(dataset, {
      backgroundColor: "rgba(37, 99, 235, 0.12)",
      fill: true,
      tension: 0.25,
      pointRadius: spec.values.length > 60 ? 0 : 2,
      borderWidth: 2,
    });
  }
  const options = { responsive: true, interaction: { mode: "nearest", intersect: false } };
  if (spec.type === "doughnut") {
    Object.assign(options, { cutout: "58%", plugins: { legend: { display: true, position: "right" } } });
  } else {
    const count = { beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#eef2f7" } };
    const category = { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } };
    options.indexAxis = spec.horizontal ? "y" : "x";
    options.scales = spec.horizontal ? { x: count, y: category } : { x: category, y: count };
  }
  return { type: spec.type, data: { labels: labels(spec), datasets: [dataset] }, options };
}

for (const spec of charts) {
  const canvas = document.getElementById(spec.id);
  if (!canvas) continue;
  if (spec.horizontal) {
    // Give every bar room to breathe: long lists of operators grow the chart instead of squeezing it.
    canvas.parentElement.style.height = `${Math.max(220, spec.labels.length * 28 + 40)}px`;
  }
  new Chart(canvas, config(spec));
}
