// A bar chart for sighted users with the same figures as a table for everyone, like the inbox's.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { el } from "../inbox/dom.js";
import { number } from "./format.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

// Colour-blind-safe, distinct on white (Okabe–Ito and Tol's muted set).
const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#882255", "#117733", "#999933", "#332288", "#aa4499", "#6b7280"];

export function colourOf(index) {
  return PALETTE[index % PALETTE.length];
}

function shortLabel(label, canvas) {
  const room = canvas.parentElement.clientWidth < 500 ? 16 : 34;
  return label.length > room ? `${label.slice(0, room - 1).trimEnd()}…` : label;
}

// rows: [{label}], columns: [{label}], values[row][column] (null = none); one stacked bar per row.
export function stackedFigure({ id, caption, rowHeader, rows, columns, values, unit, digits = 0 }) {
  const captionId = `${id}-rubrik`;
  const canvas = el("canvas", { "aria-hidden": "true" });
  const box = el("div", { class: "chart-box", style: { height: `${Math.max(140, rows.length * 34 + 90)}px` } }, canvas);
  const table = el(
    "table",
    { class: "figures", "aria-labelledby": captionId },
    el(
      "thead",
      {},
      el("tr", {}, el("th", { scope: "col" }, rowHeader), columns.map((c) => el("th", { scope: "col" }, `${c.label} (${unit})`))),
    ),
    el(
      "tbody",
      {},
      rows.map((row, r) =>
        el(
          "tr",
          {},
          el("th", { scope: "row" }, row.label),
          columns.map((_, c) => el("td", { class: "num" }, values[r][c] === null ? "–" : number(values[r][c], digits))),
        ),
      ),
    ),
  );
  const figure = el(
    "figure",
    { class: "chart", id },
    el("figcaption", { id: captionId }, caption),
    box,
    el("div", { class: "table-scroll", tabindex: "0" }, table),
  );
  // Drawn once the canvas is in the document: Chart.js measures its box.
  figure.draw = () =>
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map((r) => r.label),
        datasets: columns.map((column, c) => ({
          label: column.label,
          data: rows.map((_, r) => values[r][c] ?? 0),
          backgroundColor: colourOf(c),
          maxBarThickness: 26,
        })),
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { position: "bottom", labels: { color: "#14213d", boxWidth: 14 } },
          tooltip: { callbacks: { title: (items) => rows[items[0].dataIndex].label, label: (item) => `${item.dataset.label}: ${number(item.parsed.x, digits)} ${unit}` } },
        },
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { color: "#14213d", precision: digits === 0 ? 0 : undefined }, title: { display: true, text: unit, color: "#14213d" } },
          // Long names shortened on the axis; the table and the tooltip have them whole.
          y: { stacked: true, ticks: { color: "#14213d", callback: (_, index) => shortLabel(rows[index].label, canvas) } },
        },
      },
    });
  return figure;
}

// Sums entries into a rows × columns grid: key(entry) → [row, column], value(entry) → number.
export function grid(entries, rowOf, columnOf, valueOf) {
  const rowKeys = [];
  const columnKeys = [];
  const sums = new Map();
  for (const entry of entries) {
    const value = valueOf(entry);
    if (value === null || value === undefined) continue;
    const row = rowOf(entry);
    const column = columnOf(entry);
    if (!rowKeys.includes(row)) rowKeys.push(row);
    if (!columnKeys.includes(column)) columnKeys.push(column);
    const key = `${row}\u0000${column}`;
    sums.set(key, (sums.get(key) || 0) + value);
  }
  rowKeys.sort((a, b) => a.localeCompare(b, "sv"));
  columnKeys.sort((a, b) => a.localeCompare(b, "sv"));
  const values = rowKeys.map((row) => columnKeys.map((column) => sums.get(`${row}\u0000${column}`) ?? null));
  return { rows: rowKeys.map((label) => ({ label })), columns: columnKeys.map((label) => ({ label })), values };
}
