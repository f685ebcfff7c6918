// The list of reports: each a link that opens it (#F-2026-000123), oldest first by default.
import { el } from "./dom.js";
import { age, dateTime } from "./format.js";
import { statusBadge } from "./statuses.js";

function item(report, ownOrganisation) {
  const other = ownOrganisation && report.mottagare.slug !== ownOrganisation;
  const description = report.detaljer?.beskrivning;
  return el(
    "li",
    { dataset: { nummer: report.nummer } },
    el(
      "a",
      { href: `#${report.nummer}`, class: "report-link" },
      el(
        "span",
        { class: "report-line" },
        el("strong", { class: "report-number" }, report.nummer),
        statusBadge(report.status, report.status_text),
      ),
      el("span", { class: "report-category" }, report.kategori.namn),
      description ? el("span", { class: "report-text" }, description.length > 90 ? `${description.slice(0, 90)}…` : description) : null,
      el(
        "span",
        { class: "report-meta" },
        el("time", { datetime: report.skapad, title: dateTime(report.skapad) }, `Inkom för ${age(report.skapad)} sedan`),
        other ? ` · till ${report.mottagare.namn}` : "",
      ),
    ),
  );
}

export function renderList(list, reports, ownOrganisation) {
  list.replaceChildren(...reports.map((report) => item(report, ownOrganisation)));
}

export function appendToList(list, reports, ownOrganisation) {
  list.append(...reports.map((report) => item(report, ownOrganisation)));
}

export function markOpened(list, nummer) {
  for (const entry of list.querySelectorAll("li")) {
    const link = entry.querySelector("a");
    if (entry.dataset.nummer === nummer) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
}
