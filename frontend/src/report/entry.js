// Reporting a fault from the answer panel: the open reports at the spot and "Felanmäl här".
import "./report.css";
import L from "leaflet";
import { getJson } from "../api.js";
import { NEARBY_M, OPEN_STATUSES, REPORT_SENT, bboxAround, escape, formatDate, formatMetres, reportPage, reportStatusText, statusBadge } from "./common.js";
import { openReportForm } from "./form.js";

// The nearest this many are listed in the answer.
const SHOWN_HERE = 5;

// The open reports of any category within NEARBY_M of the point, nearest first.
async function reportsHere(latlng) {
  const url = `/api/v1/felanmalan?bbox=${bboxAround(latlng, NEARBY_M)}&status=${OPEN_STATUSES.join(",")}&limit=50`;
  const body = await getJson(url);
  return body.felanmalningar
    .map((r) => ({ ...r, avstand_m: latlng.distanceTo(L.latLng(r.punkt.lat, r.punkt.lon)) }))
    .filter((r) => r.avstand_m <= NEARBY_M)
    .sort((a, b) => a.avstand_m - b.avstand_m);
}

async function listReportsHere(container, latlng) {
  let reports = [];
  try {
    reports = await reportsHere(latlng);
  } catch {
    // The answer and the form stand without the list.
  }
  container.dataset.antal = String(reports.length);
  if (!reports.length) return;
  const items = reports
    .slice(0, SHOWN_HERE)
    .map(
      (r) =>
        `<li><a href="${reportPage(r.nummer)}">${escape(r.kategori.namn)}</a> ${statusBadge(r.status, reportStatusText(r))}` +
        `<span class="report-meta">${escape(r.nummer)}, ${formatMetres(r.avstand_m)} bort, anmäld ${escape(formatDate(r.skapad))}</span></li>`,
    )
    .join("");
  const more = reports.length > SHOWN_HERE ? `<p class="report-meta">… och ${reports.length - SHOWN_HERE} till inom ${NEARBY_M} m.</p>` : "";
  container.innerHTML = `<h3>Öppna felanmälningar här</h3><ul class="reports-here-list">${items}</ul>${more}`;
  container.hidden = false;
}

// Why a report cannot be sent from this answer (null when it can): the server refuses the same.
function noReceiver(answer) {
  if (!answer.huvudman) return "Ingen ansvarig hittades här, så en felanmälan kan inte skickas härifrån.";
  if (answer.huvudman.typ === "privat") {
    return "Platsen sköts av en privat fastighetsägare, som inte tar emot felanmälningar här. Se vägledningen ovan.";
  }
  return null;
}

export function showReporting(slot, answer, latlng) {
  if (!slot) return;
  const point = L.latLng(latlng);
  const refusal = noReceiver(answer);
  if (refusal) {
    slot.innerHTML = `<p class="report-none"></p>`;
    slot.querySelector(".report-none").textContent = refusal;
    return;
  }
  slot.innerHTML =
    `<div class="reports-here" hidden></div>` +
    `<div class="report-area"><button type="button" class="report-button primary report-start">Felanmäl här</button></div>`;
  const area = slot.querySelector(".report-area");
  const here = slot.querySelector(".reports-here");
  listReportsHere(here, point);
  const sent = () => {
    if (!slot.isConnected) document.removeEventListener(REPORT_SENT, sent);
    else listReportsHere(here, point);
  };
  document.addEventListener(REPORT_SENT, sent);
  const showStart = () => {
    area.innerHTML = `<button type="button" class="report-button primary report-start">Felanmäl här</button>`;
    area.querySelector(".report-start").addEventListener("click", openForm);
    area.querySelector(".report-start").focus();
  };
  function openForm() {
    openReportForm(area, answer, point, showStart);
  }
  area.querySelector(".report-start").addEventListener("click", openForm);
}
