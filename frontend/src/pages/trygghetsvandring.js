// A safety walk's protocol: every remark of the batch, who received it and where it stands,
// on a small map and as a table that prints cleanly. Public fields for everyone; a signed-in
// receiver also sees the descriptions of its own remarks.
import "leaflet/dist/leaflet.css";
import "../app.css";
import "../inbox/walk.css";
import L from "leaflet";
import { getJson } from "../api.js";
import { mountAccount } from "../account.js";
import { addBaseMap } from "../basemap.js";
import { reportMarker } from "../inbox/report-marker.js";
import { el } from "../inbox/dom.js";
import { dateTime, longDate } from "../inbox/format.js";
import { STATUS_COLOUR, isOpen, statusBadge } from "../inbox/statuses.js";
import { getSession } from "../session.js";

const main = document.getElementById("innehall");
const protocol = decodeURIComponent(location.pathname.replace(/\/+$/, "").split("/").pop() || "");

function summary(reports) {
  const open = reports.filter((r) => isOpen(r.status)).length;
  const receivers = new Map();
  for (const report of reports) receivers.set(report.mottagare.namn, (receivers.get(report.mottagare.namn) || 0) + 1);
  const remarks = reports.length === 1 ? "1 anmärkning" : `${reports.length} anmärkningar`;
  return [
    el("p", { class: "walk-summary" }, `${remarks}, gjorda ${longDate(reports[0].skapad)}. ${open} öppna, ${reports.length - open} avslutade.`),
    el(
      "ul",
      { class: "walk-receivers", "aria-label": "Mottagare" },
      [...receivers].map(([name, count]) => el("li", {}, el("strong", {}, name), `: ${count}`)),
    ),
  ];
}

// Roles written out: on a phone the rows are shown as cards, and a table whose display is
// changed by CSS can lose its table semantics in some browsers.
function cell(tag, label, attributes, ...content) {
  const role = tag === "th" ? "rowheader" : "cell";
  return el(tag, { role, dataset: { label }, ...attributes }, ...content);
}

function table(reports) {
  const withText = reports.some((r) => r.detaljer);
  const head = ["Nr", "Felanmälan", "Kategori", "Mottagare", "Status", ...(withText ? ["Beskrivning"] : []), "Senast ändrad"];
  return el(
    "table",
    { class: "walk-table", role: "table" },
    el("caption", {}, "Anmärkningar i protokoll ", el("span", { class: "nowrap" }, protocol)),
    el("thead", { role: "rowgroup" }, el("tr", { role: "row" }, head.map((title) => el("th", { scope: "col", role: "columnheader" }, title)))),
    el(
      "tbody",
      { role: "rowgroup" },
      reports.map((report, index) =>
        el(
          "tr",
          { role: "row", dataset: { nummer: report.nummer } },
          cell("td", "Nr", { class: "walk-index" }, String(index + 1)),
          cell("th", "Felanmälan", { scope: "row" }, el("a", { href: `/felanmalan/${encodeURIComponent(report.nummer)}` }, report.nummer)),
          cell("td", "Kategori", {}, report.kategori.namn),
          cell("td", "Mottagare", { class: "walk-receiver" }, report.mottagare.namn),
          cell("td", "Status", { class: "walk-status" }, statusBadge(report.status, report.status_text)),
          withText ? cell("td", "Beskrivning", { class: "walk-text" }, report.detaljer?.beskrivning ?? "–") : null,
          cell("td", "Senast ändrad", {}, el("time", { datetime: report.andrad }, dateTime(report.andrad))),
        ),
      ),
    ),
  );
}

function drawMap(container, settings, reports) {
  const map = L.map(container, { zoomControl: true, scrollWheelZoom: false });
  map.attributionControl.setPrefix(false);
  addBaseMap(map, settings);
  const points = reports.map((report, index) => {
    const latlng = [report.punkt.lat, report.punkt.lon];
    const label = `${index + 1}: ${report.nummer}, ${report.kategori.namn}, ${report.status_text}`;
    reportMarker(latlng, {
      label,
      text: label,
      content: String(index + 1),
      colour: STATUS_COLOUR[report.status],
      onOpen: () => document.querySelector(`tr[data-nummer="${report.nummer}"] a`)?.focus(),
    }).addTo(map);
    return latlng;
  });
  map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 18, animate: false });
}

async function start() {
  const session = await getSession();
  mountAccount(document.getElementById("konto"));
  document.title = `Trygghetsvandring ${protocol} – Ansvarskartan`;
  const heading = el("h1", {}, "Trygghetsvandring ", el("span", { class: "nowrap" }, protocol));
  let reports;
  let settings;
  try {
    const query = new URLSearchParams({ protokoll: protocol, sortering: "aldst", limit: "1000" });
    [reports, settings] = await Promise.all([
      getJson(`/api/v1/felanmalan?${query}`).then((page) => page.felanmalningar),
      getJson("/api/v1/karta/installningar").catch(() => null),
    ]);
  } catch (error) {
    main.replaceChildren(heading, el("p", { role: "alert" }, `Protokollet kunde inte hämtas: ${error.message}`));
    main.dataset.klar = "fel";
    return;
  }
  if (!reports.length) {
    main.replaceChildren(
      heading,
      el("p", { class: "walk-missing" }, `Det finns inga anmärkningar med protokollet ${protocol}. Kontrollera numret (t.ex. P-2026-000123).`),
    );
    main.dataset.klar = "tom";
    return;
  }
  const mapBox = el("div", { class: "walk-map", id: "vandringskarta", role: "region", "aria-label": "Karta över anmärkningarna, numrerade som i tabellen" });
  const hidden = reports.some((r) => !r.detaljer);
  const note = hidden
    ? el(
        "p",
        { class: "muted walk-note" },
        session.inloggad
          ? "Beskrivningar visas bara för den organisation som tar emot anmärkningen."
          : "Beskrivningar visas bara för den organisation som tar emot anmärkningen, när den är inloggad.",
      )
    : null;
  main.replaceChildren(
    el(
      "div",
      { class: "walk-head" },
      heading,
      el("button", { type: "button", class: "primary print-button", onclick: () => window.print() }, "Skriv ut"),
    ),
    ...summary(reports),
    mapBox,
    table(reports),
    note,
    el("p", { class: "muted walk-printed" }, `Utskrivet från Ansvarskartan ${dateTime(new Date().toISOString())}.`),
  );
  drawMap(mapBox, settings, reports);
  main.dataset.klar = String(Date.now());
}

start();
