// The neighbour matrix: where organisations' work meets (shared boundary) and comes near
// (objects within the distance), as two tables with row and column headers.
import { getJson } from "../api.js";
import { el } from "../inbox/dom.js";
import { number } from "./format.js";

function matrixTable(id, caption, slugs, names, valueOf, corner) {
  return el(
    "div",
    { class: "table-scroll", tabindex: "0" },
    el(
      "table",
      { class: "figures matrix", id },
      el("caption", {}, caption),
      el(
        "thead",
        {},
        el("tr", {}, el("th", { scope: "col", class: "corner" }, corner), slugs.map((s) => el("th", { scope: "col" }, names.organisation(s)))),
      ),
      el(
        "tbody",
        {},
        slugs.map((a) =>
          el(
            "tr",
            {},
            el("th", { scope: "row" }, names.organisation(a)),
            slugs.map((b) => (a === b ? el("td", { class: "num self" }, "–") : el("td", { class: "num", dataset: { a, b } }, valueOf(a, b)))),
          ),
        ),
      ),
    ),
  );
}

export async function showNeighbours(body, names) {
  const answer = await getJson("/api/v1/samordning/grannar");
  const cells = new Map(answer.matris.map((c) => [`${c.a}|${c.b}`, c]));
  const slugs = answer.organisationer;
  if (slugs.length < 2) {
    body.replaceChildren(el("p", { class: "muted" }, "Färre än två huvudmän har gällande objekt."));
    return answer;
  }
  body.replaceChildren(
    matrixTable(
      "grannar-grans",
      `Gemensam gräns i meter: där ytobjekten ligger inom ${number(answer.tolerans_m, 1)} m från varandra`,
      slugs,
      names,
      (a, b) => number(cells.get(`${a}|${b}`)?.gemensam_grans_m ?? 0),
      "Huvudman",
    ),
    matrixTable(
      "grannar-nara",
      `Objekt nära: antal objekt i raden som ligger inom ${number(answer.avstand_m)} m från kolumnens objekt`,
      slugs,
      names,
      (a, b) => String(cells.get(`${a}|${b}`)?.objekt_nara ?? 0),
      "Radens objekt nära kolumnen",
    ),
  );
  return answer;
}
