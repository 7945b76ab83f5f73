// @ts-check

const svgNs = "http://www.w3.org/2000/svg";

/**
 * @typedef {{ label: string, title: string, values: number[] }} Column
 * @typedef {{ name: string, className: string }} Series
 * @typedef {{ columns: Column[], series: Series[], formatTick: (value: number) => string, emptyText: string }} ColumnChart
 */

const width = 720;
const height = 220;
const plot = { left: 70, right: 8, top: 10, bottom: 26 };
const maxLabels = 12;

/**
 * A column chart in SVG, one stacked column per time bucket, with a value
 * axis and hover titles. SVG rather than canvas: the numbers stay text, for
 * screen readers, and for the browser test to read.
 *
 * @param {HTMLElement} container
 * @param {ColumnChart} chart
 */
export function renderColumnChart(container, chart) {
  const totals = chart.columns.map((column) => column.values.reduce((sum, value) => sum + value, 0));
  if (!totals.some((total) => total > 0)) {
    const empty = document.createElement("p");
    empty.className = "empty";
    empty.textContent = chart.emptyText;
    container.replaceChildren(empty);
    return;
  }
  const top = niceCeiling(Math.max(...totals));
  const innerWidth = width - plot.left - plot.right;
  const innerHeight = height - plot.top - plot.bottom;
  const y = (/** @type {number} */ value) => plot.top + innerHeight - (value / top) * innerHeight;
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  svg.setAttribute("aria-label", chart.series.map((series) => series.name).join(" and "));

  for (const tick of [0, top / 2, top]) {
    svg.append(
      svgElement("line", { x1: plot.left, x2: width - plot.right, y1: y(tick), y2: y(tick), class: "grid" }),
      svgText(chart.formatTick(tick), {
        x: plot.left - 6,
        y: y(tick) + 4,
        class: "tick",
        "text-anchor": "end",
      }),
    );
  }

  const step = innerWidth / chart.columns.length;
  const barWidth = Math.max(1, step * 0.8);
  const labelEvery = Math.ceil(chart.columns.length / maxLabels);
  chart.columns.forEach((column, index) => {
    const x = plot.left + index * step + (step - barWidth) / 2;
    const group = svgElement("g", { class: "column" });
    const title = svgElement("title", {});
    title.textContent = column.title;
    group.append(title);
    let base = 0;
    column.values.forEach((value, seriesIndex) => {
      if (value <= 0) return;
      group.append(
        svgElement("rect", {
          x,
          y: y(base + value),
          width: barWidth,
          height: y(base) - y(base + value),
          class: chart.series[seriesIndex]?.className ?? "",
        }),
      );
      base += value;
    });
    // A transparent full-height target, so even a tiny column shows its title on hover.
    group.append(
      svgElement("rect", { x, y: plot.top, width: barWidth, height: innerHeight, class: "hover" }),
    );
    svg.append(group);
    if (index % labelEvery === 0) {
      svg.append(
        svgText(column.label, { x: x + barWidth / 2, y: height - 8, class: "tick", "text-anchor": "middle" }),
      );
    }
  });

  const legend = document.createElement("ul");
  legend.className = "legend";
  for (const series of chart.series) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch ${series.className}`;
    item.append(swatch, series.name);
    legend.append(item);
  }
  container.replaceChildren(svg, legend);
}

/** A horizontal bar filled to `fraction` (0..1), for share-of-cost cells. */
export function shareBar(/** @type {number} */ fraction) {
  const bar = document.createElement("span");
  bar.className = "share";
  const fill = document.createElement("span");
  // CSSOM, not a style attribute: the page's CSP allows no inline styles.
  fill.style.width = `${Math.round(Math.min(1, Math.max(0, fraction)) * 1000) / 10}%`;
  bar.append(fill);
  return bar;
}

/**
 * A small column chart in a table cell: one column per value (null: no data, no column), scaled to
 * the largest, with a title per column and a summary for screen readers.
 * @param {Array<number | null>} values
 * @param {{ className: string, label: string, titles: string[] }} options
 */
export function sparkline(values, { className, label, titles }) {
  const columnWidth = 3;
  const sparkHeight = 24;
  const svg = svgElement("svg", {
    viewBox: `0 0 ${values.length * columnWidth} ${sparkHeight}`,
    class: `sparkline ${className}`,
    role: "img",
    preserveAspectRatio: "none",
  });
  svg.setAttribute("aria-label", label);
  const top = Math.max(0, ...values.map((value) => value ?? 0));
  values.forEach((value, index) => {
    if (value === null || value <= 0) return;
    // At least a pixel, so a small non-zero minute still shows against an empty one.
    const columnHeight = Math.max(1, (value / top) * sparkHeight);
    const column = svgElement("rect", {
      x: index * columnWidth,
      y: sparkHeight - columnHeight,
      width: columnWidth - 1,
      height: columnHeight,
    });
    const title = svgElement("title", {});
    title.textContent = titles[index] ?? "";
    column.append(title);
    svg.append(column);
  });
  return svg;
}

/** The smallest 1, 2, 2.5 or 5 x 10^n at or above `value`, so axis ticks are round numbers. */
export function niceCeiling(/** @type {number} */ value) {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const nice = [1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= value * (1 - 1e-12)) ?? 10;
  return nice * magnitude;
}

/**
 * @param {string} name
 * @param {Record<string, string | number>} attributes
 */
function svgElement(name, attributes) {
  const element = document.createElementNS(svgNs, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/**
 * @param {string} text
 * @param {Record<string, string | number>} attributes
 */
function svgText(text, attributes) {
  const element = svgElement("text", attributes);
  element.textContent = text;
  return element;
}
