// Counts per status and the median time to "åtgärdad" per category, as a chart and a table.
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from "chart.js";
import { el } from "./dom.js";
import { decimal, durationUnit } from "./format.js";
import { STATUS_COLOUR } from "./statuses.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

let chart = null;

// The status counts as buttons: choosing one filters the list to that status.
export function renderCounts(list, statistics, chosen, onChoose) {
  list.replaceChildren(
    ...statistics.antal_per_status.map((entry) =>
      el(
        "li",
        {},
        el(
          "button",
          {
            type: "button",
            class: "count-button",
            "aria-pressed": String(chosen === entry.status),
            dataset: { status: entry.status },
            onclick: () => onChoose(chosen === entry.status ? null : entry.status),
          },
          el("span", { class: "count-dot", style: { background: STATUS_COLOUR[entry.status] }, "aria-hidden": "true" }),
          el("span", { class: "count-name" }, entry.status_text),
          el("span", { class: "count-number" }, String(entry.antal)),
        ),
      ),
    ),
  );
}

// The chart is drawn for sighted users; the table beside it holds the same figures for all.
export function renderTimes(figure, statistics) {
  const times = statistics.atgardstid;
  const rows = times.per_kategori;
  if (chart) {
    chart.destroy();
    chart = null;
  }
  const caption = el(
    "figcaption",
    { id: "tider-rubrik" },
    `Mediantid till åtgärdad per kategori, de senaste ${times.dagar} dagarna`,
  );
  if (!rows.length) {
    figure.replaceChildren(caption, el("p", { class: "muted" }, "Inga felanmälningar har åtgärdats under perioden."));
    return;
  }
  const unit = durationUnit(rows.map((r) => r.median_timmar));
  const values = rows.map((r) => Math.round(r.median_timmar * unit.factor * 10) / 10);
  caption.append(` (${unit.name})`);
  const canvas = el("canvas", { "aria-hidden": "true" });
  const box = el("div", { class: "chart-box", style: { height: `${Math.max(110, rows.length * 28 + 46)}px` } }, canvas);
  const table = el(
    "table",
    { class: "visually-hidden", "aria-labelledby": "tider-rubrik" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Kategori"), el("th", { scope: "col" }, "Åtgärdade"), el("th", { scope: "col" }, `Mediantid (${unit.name})`))),
    el(
      "tbody",
      {},
      rows.map((r, i) =>
        el("tr", {}, el("th", { scope: "row" }, r.kategori.namn), el("td", {}, String(r.antal)), el("td", {}, decimal(values[i]))),
      ),
    ),
  );
  figure.replaceChildren(caption, box, table);
  chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map((r) => r.kategori.namn),
      datasets: [{ label: `Mediantid (${unit.name})`, data: values, backgroundColor: "#1f5fa8", maxBarThickness: 22 }],
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: { label: (item) => `${decimal(item.parsed.x)} ${unit.name} (${rows[item.dataIndex].antal} åtgärdade)` },
        },
      },
      scales: {
        x: { beginAtZero: true, ticks: { color: "#14213d" }, title: { display: true, text: unit.name, color: "#14213d" } },
        y: { ticks: { color: "#14213d" } },
      },
    },
  });
}
