// A fault report's public page: category, place, status and its history, who handles it.
// Only public fields are shown, whoever looks: the description, photos and contact are the inbox's.
import "leaflet/dist/leaflet.css";
import "../app.css";
import "../report/report.css";
import L from "leaflet";
import { ApiError, getJson } from "../api.js";
import { categorySymbol, reportPinHtml } from "../report/catalogue.js";
import { escape, formatDateTime, reportPage, reportStatusText, statusBadge, statusText } from "../report/common.js";

const main = document.getElementById("innehall");

function numberInAddress() {
  const parts = window.location.pathname.split("/").filter(Boolean);
  try {
    return decodeURIComponent(parts[1] ?? "");
  } catch {
    return parts[1] ?? "";
  }
}

function mapLink(report) {
  const { lat, lon } = report.punkt;
  const [la, lo] = [lat.toFixed(6), lon.toFixed(6)];
  return `/#18/${la}/${lo}/${la}/${lo}`;
}

function receiverName(entry, report) {
  const receiver = "mottagare" in entry ? entry.mottagare : report.mottagare;
  return typeof receiver === "string" ? receiver : receiver?.namn ?? "";
}

// The public history from the service; while it has none, what the dates tell.
function historyEntries(report) {
  if (Array.isArray(report.offentlig_historik)) {
    return report.offentlig_historik.map((e) => ({
      tid: e.tid,
      status: e.status,
      text: e.status_text || statusText(e.status),
      mottagare: receiverName(e, report),
    }));
  }
  const entries = [{ tid: report.skapad, status: "ny", text: "Anmäld", mottagare: report.mottagare.namn }];
  const last = report.stangd ?? (report.status !== "ny" && report.andrad !== report.skapad ? report.andrad : null);
  if (last) entries.push({ tid: last, status: report.status, text: reportStatusText(report), mottagare: report.mottagare.namn });
  return entries;
}

function historyHtml(report) {
  return historyEntries(report)
    .map(
      (e) =>
        `<li><time datetime="${escape(e.tid)}">${escape(formatDateTime(e.tid))}</time>` +
        ` ${statusBadge(e.status, e.text)}${e.mottagare ? `<span class="report-meta">${escape(e.mottagare)}</span>` : ""}</li>`,
    )
    .join("");
}

function fact(term, value) {
  return value ? `<dt>${term}</dt><dd>${value}</dd>` : "";
}

function reportHtml(report, symbol) {
  const duplicate = report.dubblett_av
    ? `<a href="${reportPage(report.dubblett_av)}">${escape(report.dubblett_av)}</a>`
    : "";
  return (
    `<p class="report-back"><a href="${mapLink(report)}">Visa platsen i Ansvarskartan</a></p>` +
    `<h1>Felanmälan <span class="report-nr">${escape(report.nummer)}</span></h1>` +
    `<div class="report-page-grid">` +
    `<section class="report-page-facts" aria-labelledby="om-rubrik"><h2 id="om-rubrik">Om felanmälan</h2><dl class="report-facts">` +
    fact("Gäller", `<span class="report-category"><span class="report-category-symbol" aria-hidden="true">${symbol}</span>${escape(report.kategori.namn)}</span>`) +
    fact("Status", statusBadge(report.status, reportStatusText(report))) +
    fact("Hanteras av", escape(report.mottagare.namn)) +
    fact("Anmäld", escape(formatDateTime(report.skapad))) +
    fact("Senast ändrad", report.andrad !== report.skapad ? escape(formatDateTime(report.andrad)) : "") +
    fact("Avslutad", escape(formatDateTime(report.stangd))) +
    fact("Dubblett av", duplicate) +
    `</dl></section>` +
    `<section class="report-page-place" aria-labelledby="plats-rubrik"><h2 id="plats-rubrik">Platsen</h2>` +
    `<div id="platskarta" class="report-map" role="region" aria-label="Karta över platsen för felanmälan"></div>` +
    `<p class="report-meta report-coordinates">${report.punkt.lat.toFixed(5).replace(".", ",")} N, ${report.punkt.lon.toFixed(5).replace(".", ",")} E` +
    ` (SWEREF 99 TM: N ${Math.round(report.punkt.y)}, E ${Math.round(report.punkt.x)})</p></section>` +
    `<section class="report-page-history" aria-labelledby="historik-rubrik"><h2 id="historik-rubrik">Historik</h2>` +
    `<ol class="report-history">${historyHtml(report)}</ol>` +
    `<p class="report-meta">Beskrivning, foton och kontaktuppgifter visas bara för den som hanterar felanmälan.</p></section>` +
    `</div>`
  );
}

async function drawPlace(report, symbol) {
  const container = document.getElementById("platskarta");
  const here = [report.punkt.lat, report.punkt.lon];
  const map = L.map(container, { zoomControl: true, scrollWheelZoom: false }).setView(here, 18);
  const icon = L.divIcon({ className: "report-marker", html: reportPinHtml(symbol, report.status), iconSize: [34, 28], iconAnchor: [17, 14] });
  L.marker(here, { icon, keyboard: false, interactive: false }).addTo(map);
  const settings = await getJson("/api/v1/karta/installningar").catch(() => ({ bakgrundskarta: null }));
  const basemap = settings.bakgrundskarta;
  const withoutBasemap = () => {
    container.classList.add("no-basemap");
    container.insertAdjacentHTML("afterend", `<p class="report-meta report-no-basemap">Bakgrundskartan kan inte visas; platsen anges med koordinater nedan.</p>`);
  };
  if (!basemap) {
    withoutBasemap();
    return;
  }
  let failed = false;
  L.tileLayer(basemap.url, { attribution: basemap.attribution, maxZoom: 20, maxNativeZoom: 19 })
    .on("tileerror", () => {
      if (failed) return;
      failed = true;
      withoutBasemap();
    })
    .addTo(map);
}

function notFound(nummer) {
  document.title = "Felanmälan finns inte – Ansvarskartan";
  main.innerHTML =
    `<h1>Felanmälan finns inte</h1>` +
    `<p>Det finns ingen felanmälan med numret <strong class="report-nr">${escape(nummer || "(inget nummer)")}</strong>.` +
    ` Kontrollera numret: det ser ut som <span class="report-nr">F-2026-000123</span> och står i bekräftelsen du fick.</p>` +
    `<p><a href="/">Till kartan</a>, där du kan göra en ny felanmälan.</p>`;
}

async function start() {
  const nummer = numberInAddress();
  let report;
  try {
    if (!nummer) throw new ApiError("", null, 404);
    report = await getJson(`/api/v1/felanmalan/${encodeURIComponent(nummer)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) notFound(nummer);
    else main.innerHTML = `<h1>Felanmälan kunde inte hämtas</h1><p>${escape(error.message)}</p><p><a href="/">Till kartan</a></p>`;
    document.body.dataset.klar = "ja";
    return;
  }
  document.title = `Felanmälan ${report.nummer}: ${report.kategori.namn} – Ansvarskartan`;
  const symbol = await categorySymbol(report.kategori.kod);
  main.innerHTML = reportHtml(report, symbol);
  await drawPlace(report, symbol);
  document.body.dataset.klar = "ja";
}

start();
