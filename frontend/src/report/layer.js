// The open fault reports as a map layer that can be switched on in the legend.
import "./report.css";
import L from "leaflet";
import { getJson } from "../api.js";
import { categorySymbol, reportPinHtml } from "./catalogue.js";
import { OPEN_STATUSES, REPORT_SENT, escape, formatDate, reportPage, reportStatusText, statusBadge, statusClass, statusText } from "./common.js";

const LIMIT = 1000;

function reportHtml(report) {
  return (
    `<p class="report-popup-title">${escape(report.kategori.namn)} ${statusBadge(report.status, reportStatusText(report))}</p>` +
    `<p>Anmäld ${escape(formatDate(report.skapad))}<br>Hanteras av ${escape(report.mottagare.namn)}</p>` +
    `<p><a href="${reportPage(report.nummer)}">Visa felanmälan ${escape(report.nummer)}</a></p>`
  );
}

function popupHtml(reports) {
  if (reports.length === 1) return `<div class="report-popup">${reportHtml(reports[0])}</div>`;
  const items = reports
    .map(
      (r) =>
        `<li><a href="${reportPage(r.nummer)}">${escape(r.kategori.namn)}, ${escape(r.nummer)}</a> ` +
        `${statusBadge(r.status, reportStatusText(r))}<span class="report-meta">Anmäld ${escape(formatDate(r.skapad))}, ${escape(r.mottagare.namn)}</span></li>`,
    )
    .join("");
  return `<div class="report-popup"><p class="report-popup-lead">${reports.length} öppna felanmälningar här</p><ul>${items}</ul></div>`;
}

// Reports this close on screen share one marker, which lists them all.
const GROUP_PX = 28;

// Each report joins the first group whose first report is within GROUP_PX of it, in list order.
function groupsOnScreen(map, reports) {
  const groups = [];
  for (const report of reports) {
    const point = map.latLngToLayerPoint([report.punkt.lat, report.punkt.lon]);
    const near = groups.find((g) => g.point.distanceTo(point) <= GROUP_PX);
    if (near) near.reports.push(report);
    else groups.push({ point, reports: [report] });
  }
  return groups.map((g) => g.reports);
}

function switchHtml() {
  const statuses = OPEN_STATUSES.map(
    (status) =>
      `<li><span class="report-pin report-pin-small ${statusClass(status)}" aria-hidden="true"></span>${escape(statusText(status))}</li>`,
  ).join("");
  return (
    `<div class="reports-switch">` +
    `<input type="checkbox" role="switch" id="visa-felanmalningar" aria-describedby="felanmalningar-antal" />` +
    `<label for="visa-felanmalningar">Öppna felanmälningar</label></div>` +
    `<ul class="reports-statuses" aria-label="Felanmälningarnas status" hidden>${statuses}</ul>` +
    `<p id="felanmalningar-antal" class="reports-count" aria-live="polite"></p>`
  );
}

export class ReportsLayer {
  constructor(map, legendContainer) {
    this.map = map;
    this.group = L.layerGroup();
    this.request = 0;
    this.section = document.createElement("section");
    this.section.className = "reports-layer";
    this.section.setAttribute("aria-label", "Felanmälningar");
    this.section.innerHTML = switchHtml();
    legendContainer.parentNode.insertBefore(this.section, legendContainer);
    this.toggle = this.section.querySelector("input");
    this.count = this.section.querySelector(".reports-count");
    this.toggle.addEventListener("change", () => this.setOn(this.toggle.checked));
    map.on("moveend", () => {
      if (this.toggle.checked) this.refresh();
    });
    document.addEventListener(REPORT_SENT, () => {
      if (this.toggle.checked) this.refresh();
    });
  }

  setOn(on) {
    this.section.querySelector(".reports-statuses").hidden = !on;
    if (on) {
      this.group.addTo(this.map);
      this.refresh();
    } else {
      this.request += 1;
      this.group.clearLayers();
      this.drawn = null;
      this.map.removeLayer(this.group);
      this.count.textContent = "";
      delete this.section.dataset.antal;
    }
  }

  async refresh() {
    const request = ++this.request;
    const b = this.map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(",");
    let body;
    try {
      body = await getJson(`/api/v1/felanmalan?bbox=${bbox}&status=${OPEN_STATUSES.join(",")}&limit=${LIMIT}`);
    } catch (error) {
      if (request === this.request) this.count.textContent = `Felanmälningarna kunde inte hämtas: ${error.message}`;
      return;
    }
    // The newest report of a group (the list is newest first) gives its marker's look.
    const groups = groupsOnScreen(this.map, body.felanmalningar);
    const symbols = await Promise.all(groups.map((g) => categorySymbol(g[0].kategori.kod)));
    // A later view's answer may have come first: only the newest request draws.
    if (request !== this.request) return;
    this.draw(groups, symbols);
    const n = body.felanmalningar.length;
    const shown = n === 0 ? "Inga öppna felanmälningar i kartbilden." : n === 1 ? "1 öppen felanmälan i kartbilden." : `${n} öppna felanmälningar i kartbilden.`;
    this.count.textContent = body.lankar?.nasta ? `De ${n} senaste visas; zooma in för att se alla.` : shown;
    this.section.dataset.antal = String(n);
  }

  // Redrawn only when what is shown changes: a popup's own pan (to fit it) must not close it.
  draw(groups, symbols) {
    const drawn = JSON.stringify(groups.map((g) => g.map((r) => [r.nummer, r.status])));
    if (drawn === this.drawn) return;
    this.drawn = drawn;
    const open = this.group.getLayers().find((m) => m.isPopupOpen())?.options.reportNumber;
    this.group.clearLayers();
    groups.forEach((reports, i) => {
      const marker = this.marker(reports, symbols[i]);
      this.group.addLayer(marker);
      if (reports[0].nummer === open) marker.openPopup();
    });
  }

  marker(reports, symbol) {
    const [first] = reports;
    const title =
      reports.length === 1
        ? `${first.nummer}: ${first.kategori.namn}, ${reportStatusText(first)}`
        : `${reports.length} öppna felanmälningar: ${[...new Set(reports.map((r) => r.kategori.namn))].join(", ")}`;
    const html = reportPinHtml(symbol, first.status, reports.length);
    const icon = L.divIcon({ className: "report-marker", html, iconSize: [34, 28], iconAnchor: [17, 14], popupAnchor: [0, -12] });
    const options = { icon, title, alt: title, riseOnHover: true, reportNumber: first.nummer };
    const marker = L.marker([first.punkt.lat, first.punkt.lon], options);
    // Below the zoom buttons and the map's notices at its top, and narrow enough for a phone.
    const maxWidth = Math.min(320, this.map.getSize().x - 40);
    marker.bindPopup(popupHtml(reports), { maxWidth, maxHeight: 320, autoPanPaddingTopLeft: [10, 90], autoPanPadding: [10, 10] });
    marker.on("add", () => marker.getElement()?.setAttribute("aria-label", title));
    return marker;
  }
}
