// A section of the page that loads on its own: "Beräknar …" until its answer is drawn, so the
// slowest whole-municipality figure never holds up the others. data-klar marks it drawn (tests).
import { el } from "../inbox/dom.js";

export async function loadSection(section, body, work, waiting = "Beräknar …") {
  section.removeAttribute("data-klar");
  section.setAttribute("aria-busy", "true");
  body.replaceChildren(el("p", { class: "calculating" }, el("span", { class: "spinner", "aria-hidden": "true" }), waiting));
  try {
    await work();
    section.dataset.klar = "ja";
  } catch (error) {
    body.replaceChildren(el("p", { class: "section-error", role: "alert" }, `Kunde inte hämtas: ${error.message}`));
    section.dataset.klar = "fel";
  }
  section.removeAttribute("aria-busy");
}

export function section(id, title, intro) {
  const body = el("div", { class: "section-body" });
  const node = el(
    "section",
    { class: "analysis-section", id, "aria-labelledby": `${id}-rubrik` },
    el("h2", { id: `${id}-rubrik` }, title),
    intro ? el("p", { class: "muted intro" }, intro) : null,
    body,
  );
  return { node, body };
}

// A notice that example figures are in use: shown above the figures, never in small print.
export function exampleNotice(text, items = []) {
  return el(
    "div",
    { class: "example-notice", role: "note" },
    el("strong", {}, "Exempeldata. "),
    text,
    items.length ? el("ul", {}, items.map((item) => el("li", {}, item))) : null,
  );
}

// replaceChildren without the parts left out (null, false): those would be drawn as text.
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
}
