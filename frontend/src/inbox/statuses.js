// The statuses of a report: their Swedish names, colours, and the way a report goes.

export const STATUS_TEXT = {
  ny: "Ny",
  mottagen: "Mottagen",
  pagar: "Pågår",
  atgardad: "Åtgärdad",
  "ej-vart-ansvar": "Ej vårt ansvar",
  dubblett: "Dubblett",
};
export const STATUSES = Object.keys(STATUS_TEXT);
export const OPEN = ["ny", "mottagen", "pagar"];

// Dark enough for white text (contrast ≥ 4.5:1); the text always says the status too.
export const STATUS_COLOUR = {
  ny: "#b3261e",
  mottagen: "#8a4b00",
  pagar: "#1f5fa8",
  atgardad: "#2e6b30",
  "ej-vart-ansvar": "#555b66",
  dubblett: "#555b66",
};

// ny → mottagen → pagar → atgardad, as the service allows (app/reports/rules.py).
const NEXT = { ny: "mottagen", mottagen: "pagar", pagar: "atgardad" };

export function nextStatus(status) {
  return NEXT[status] || null;
}

export function isOpen(status) {
  return OPEN.includes(status);
}

export function statusBadge(status, text) {
  const badge = document.createElement("span");
  badge.className = "status-badge";
  badge.dataset.status = status;
  badge.style.background = STATUS_COLOUR[status] || "#555b66";
  badge.textContent = text || STATUS_TEXT[status] || status;
  return badge;
}
