// Line charts on the vendored uPlot: axes with values, a tooltip and a live legend at the cursor,
// a legend entry that toggles its series (by mouse or keyboard), and a width that follows the
// card. Labels and values are put in as text only.
import uPlot from "../vendor/uplot/uPlot.esm.js";
import { el } from "./ui.js";

let styled = false;
function loadStyles() {
  if (styled) return;
  styled = true;
  document.head.append(el("link", { rel: "stylesheet", href: "/static/vendor/uplot/uPlot.min.css" }));
}

export const timeText = (seconds, withDate = true) =>
  new Date(seconds * 1000).toLocaleString(undefined, withDate ? { dateStyle: "medium", timeStyle: "short" } : { timeStyle: "short" });

// The tooltip: the time and each shown series' value at the cursor, beside the cursor.
function tooltip(format) {
  let tip;
  return {
    hooks: {
      init: (u) => {
        tip = el("div", { class: "chart-tip", hidden: true, "aria-hidden": "true" });
        u.over.append(tip);
      },
      setCursor: (u) => {
        const i = u.cursor.idx;
        if (i === null || i === undefined) {
          tip.hidden = true;
          return;
        }
        const rows = u.series.slice(1).map((s, k) => (s.show ? el("div", {}, `${s.label}: ${format(u.data[k + 1][i])}`) : null));
        tip.replaceChildren(el("strong", {}, timeText(u.data[0][i])), ...rows);
        tip.hidden = false;
        const left = u.cursor.left + 12;
        tip.style.left = `${Math.min(left, u.over.clientWidth - tip.offsetWidth)}px`;
        tip.style.top = `${Math.max(0, u.cursor.top - tip.offsetHeight - 8)}px`;
      },
    },
  };
}

// Legend entries toggle their series on click (uPlot's own); this makes them keys too.
function keyboardLegend(u) {
  for (const row of [...u.root.querySelectorAll(".u-legend .u-series")].slice(1)) { // not the time
    row.setAttribute("tabindex", "0");
    row.setAttribute("role", "button");
    const sync = () => row.setAttribute("aria-pressed", String(!row.classList.contains("u-off")));
    sync();
    row.addEventListener("click", sync); // after uPlot's own listener on the label
    row.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      row.querySelector("th")?.click();
    });
  }
}

const seconds = (times) => times.map((t) => Date.parse(t) / 1000);

// chart(container, {times: [ISO], series: [{label, colour, values, dash?}], format, yLabel, label,
// off: [labels drawn switched off]})
export function chart(container, { times, series, format = String, yLabel = "", label = "Chart", height = 260, off = [] }) {
  loadStyles();
  const x = seconds(times);
  const showPoints = x.length <= 90;
  const options = {
    width: Math.max(280, container.clientWidth || 600),
    height,
    scales: { x: { time: true } },
    legend: { live: true },
    cursor: { points: { size: 7 } },
    series: [
      { label: "Time", value: (u, v) => (v === null || v === undefined ? "–" : timeText(v)) },
      ...series.map((s) => ({
        label: s.label, stroke: s.colour, width: 2, dash: s.dash, spanGaps: false, show: !off.includes(s.label),
        points: { show: showPoints, size: 4, fill: s.colour },
        value: (u, v) => format(v),
      })),
    ],
    axes: [
      { stroke: "#5b6472", grid: { stroke: "#e3e6ea" } },
      { stroke: "#5b6472", grid: { stroke: "#e3e6ea" }, label: yLabel, size: 60, values: (u, splits) => {
        const ticks = splits.map((v) => format(v));
        container.dataset.ticks = ticks.join(" "); // canvas text, kept for tests and tools
        return ticks;
      } },
    ],
    plugins: [tooltip(format)],
  };
  container.setAttribute("role", "group");
  container.setAttribute("aria-label", label);
  const plot = new uPlot(options, [x, ...series.map((s) => s.values)], container);
  container.dataset.points = String(x.length);
  keyboardLegend(plot);
  const resize = new ResizeObserver(() => {
    if (!plot.root.isConnected) return resize.disconnect();
    const width = Math.max(280, container.clientWidth);
    if (width !== plot.width) plot.setSize({ width, height });
  });
  resize.observe(container);
  return plot;
}

// New numbers for a drawn chart. The same series are refilled in place, so the legend's switches
// and the cursor stay and nothing flickers; other series are drawn anew, those switched off
// before still off.
export function update(container, plot, spec) {
  const drawn = plot ? plot.series.slice(1) : [];
  const same = drawn.length === spec.series.length && drawn.every((s, i) => s.label === spec.series[i].label);
  if (plot && same && plot.root.isConnected) {
    plot.setData([seconds(spec.times), ...spec.series.map((s) => s.values)]);
    container.dataset.points = String(spec.times.length);
    return plot;
  }
  const off = drawn.filter((s) => !s.show).map((s) => s.label);
  plot?.destroy();
  return chart(container, { ...spec, off });
}
