// What the report form, the reports layer and a report's public page share: words, colours, dates.

// Each status in words; its colour is its class's (report.css: .status-<status>), always shown
// together with the words. Classes, not style attributes: the service's CSP refuses those.
export const STATUS_TEXTS = {
  ny: "Ny",
  mottagen: "Mottagen",
  pagar: "Pågår",
  atgardad: "Åtgärdad",
  "ej-vart-ansvar": "Inte mottagarens ansvar",
  dubblett: "Dubblett",
};
export const OPEN_STATUSES = ["ny", "mottagen", "pagar"];
// Within this distance a report is "here" (the service's nearby search uses the same).
export const NEARBY_M = 30;
// Dispatched on the document when a report has been made, with the report as its detail.
export const REPORT_SENT = "felanmalan:skickad";

export function escape(text) {
  return String(text ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}

export function statusText(status) {
  return STATUS_TEXTS[status] ?? status;
}

// The class that gives a status its colour (an unknown status gets the closed ones' grey).
export function statusClass(status) {
  return `status-${status in STATUS_TEXTS ? status : "dubblett"}`;
}

// A report's status in words: the service's own when it gives them.
export function reportStatusText(report) {
  return report.status_text || statusText(report.status);
}

// A status as a badge: its words on its colour (white text, at least 4.5:1 on every colour).
export function statusBadge(status, text = statusText(status)) {
  return `<span class="report-status ${statusClass(status)}">${escape(text)}</span>`;
}

export function reportPage(nummer) {
  return `/felanmalan/${encodeURIComponent(nummer)}`;
}

const DATE = new Intl.DateTimeFormat("sv-SE", { day: "numeric", month: "long", year: "numeric", timeZone: "Europe/Stockholm" });
const DATE_TIME = new Intl.DateTimeFormat("sv-SE", {
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "Europe/Stockholm",
});

export function formatDate(value) {
  return value ? DATE.format(new Date(value)) : "";
}

export function formatDateTime(value) {
  return value ? DATE_TIME.format(new Date(value)) : "";
}

export function formatMetres(metres) {
  return `${Math.round(metres)} m`;
}

// A bounding box (minLon,minLat,maxLon,maxLat) of about `metres` around a point.
export function bboxAround(latlng, metres) {
  const dLat = metres / 111_320;
  const dLon = metres / (111_320 * Math.cos((latlng.lat * Math.PI) / 180));
  return [latlng.lng - dLon, latlng.lat - dLat, latlng.lng + dLon, latlng.lat + dLat]
    .map((v) => v.toFixed(7))
    .join(",");
}
