// Quantities (one chart per unit: m², m and st are never added up) and annual costs, per
// organisation and product group (the catalogue's kategori).
import { getJson } from "../api.js";
import { el } from "../inbox/dom.js";
import { grid, stackedFigure } from "./charts.js";
import { exampleNotice } from "./section.js";
import { kronor, number } from "./format.js";

const UNITS = [
  { unit: "m²", words: "Ytor" },
  { unit: "m", words: "Linjer" },
  { unit: "st", words: "Punkter" },
];

function drawAll(body, figures) {
  body.replaceChildren(...figures);
  for (const figure of figures) figure.draw?.();
}

export async function showQuantities(body, names) {
  const answer = await getJson("/api/v1/samordning/mangder?indelning=kommun");
  const figures = [];
  for (const { unit, words } of UNITS) {
    const rows = answer.rader.filter((r) => r.enhet === unit);
    if (!rows.length) continue;
    const data = grid(rows, (r) => r.organisation.namn, (r) => names.group(r.produkt.kod), (r) => r.mangd);
    figures.push(
      stackedFigure({
        id: `mangd-${UNITS.findIndex((u) => u.unit === unit)}`,
        caption: `${words}: mängd per huvudman och produktgrupp (${unit}), gällande objekt i hela kommunen`,
        rowHeader: "Huvudman",
        unit,
        digits: unit === "st" ? 0 : 1,
        ...data,
      }),
    );
  }
  if (!figures.length) figures.push(el("p", { class: "muted" }, "Inga gällande objekt."));
  drawAll(body, figures);
  return answer;
}

export async function showCosts(body, names) {
  const answer = await getJson("/api/v1/samordning/kostnader?indelning=kommun");
  const priced = answer.rader.filter((r) => r.kr_per_ar !== null);
  const parts = [];
  if (answer.exempeldata) {
    const examples = answer.exempelpriser.map(
      (p) => `${names.product(p.produkt)}${p.kvalitetsniva ? ` (nivå ${p.kvalitetsniva})` : ""}: ${number(p.kr_per_enhet_och_ar, 2)} kr per ${p.enhet} och år`,
    );
    parts.push(exampleNotice(answer.anmarkning || "Priserna är exempelvärden.", examples));
  }
  parts.push(el("p", { class: "total" }, "Totalt ", el("strong", { dataset: { varde: String(answer.totalt_kr_per_ar) } }, kronor(answer.totalt_kr_per_ar)), " per år till à-prislistan."));
  if (priced.length) {
    const data = grid(priced, (r) => names.organisation(r.organisation), (r) => names.group(r.produkt), (r) => r.kr_per_ar);
    parts.push(
      stackedFigure({
        id: "kostnad",
        caption: "Kostnad per år (kr) per huvudman och produktgrupp, mängd × à-pris",
        rowHeader: "Huvudman",
        unit: "kr/år",
        ...data,
      }),
    );
  }
  if (answer.saknar_pris.length) {
    parts.push(
      el(
        "p",
        { class: "muted" },
        `${answer.saknar_pris.length} mängdrader saknar pris och ingår inte i summorna: `,
        answer.saknar_pris.map((r) => `${names.organisation(r.organisation)} ${names.product(r.produkt)}`).join(", "),
        ".",
      ),
    );
  }
  drawAll(body, parts);
  return answer;
}
