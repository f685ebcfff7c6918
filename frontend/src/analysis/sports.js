// Idrottsanläggningar (sports facilities): quantities and cost per huvudman, and the
// facilities where more than one huvudman works, listed and on the map.
import { getJson } from "../api.js";
import { el } from "../inbox/dom.js";
import { kronor, quantity } from "./format.js";
import { exampleNotice, fill } from "./section.js";

export async function showSports(body, analysisMap, names) {
  const answer = await getJson("/api/v1/samordning/idrott");
  const facilities = answer.anlaggningar?.features || [];
  analysisMap.showFacilities(facilities);
  const shared = facilities.filter((f) => f.properties.flera_huvudman);
  fill(
    body,
    answer.exempeldata ? exampleNotice(answer.anmarkning) : answer.anmarkning ? el("p", { class: "muted" }, answer.anmarkning) : null,
    el(
      "div",
      { class: "table-scroll", tabindex: "0" },
      el(
        "table",
        { class: "figures sports" },
        el("caption", {}, `Produktgrupp ${answer.produktgrupp}: mängd och kostnad per huvudman, ${answer.antal_anlaggningar} ${answer.antal_anlaggningar === 1 ? "anläggning" : "anläggningar"}`),
        el("thead", {}, el("tr", {}, ["Huvudman", "Mängder", "Kostnad per år"].map((h) => el("th", { scope: "col" }, h)))),
        el(
          "tbody",
          {},
          answer.per_huvudman.map((entry) =>
            el(
              "tr",
              { dataset: { organisation: entry.organisation.slug } },
              el("th", { scope: "row" }, entry.organisation.namn),
              el(
                "td",
                {},
                el(
                  "ul",
                  { class: "plain" },
                  entry.mangder.map((m) =>
                    el("li", {}, `${names.product(m.produkt)}${m.kvalitetsniva ? ` (nivå ${m.kvalitetsniva})` : ""}: ${quantity(m.mangd, m.enhet)}, ${m.antal_objekt} objekt`),
                  ),
                ),
              ),
              el("td", { class: "num", dataset: { varde: String(entry.kr_per_ar) } }, entry.kr_per_ar === null ? "saknar pris" : kronor(entry.kr_per_ar)),
            ),
          ),
        ),
      ),
    ),
    el("h3", {}, "Anläggningar där flera huvudmän arbetar"),
    shared.length
      ? el(
          "ul",
          { class: "facilities" },
          shared.map((f) =>
            el(
              "li",
              {},
              el(
                "button",
                { type: "button", class: "link-button", dataset: { id: String(f.id) }, onclick: () => analysisMap.goToFacility(f.id) },
                el("span", { class: "place-name" }, f.properties.namn || "Idrottsanläggning"),
                el("span", { class: "place-facts" }, f.properties.huvudman.map((slug) => names.organisation(slug)).join(" och ")),
              ),
            ),
          ),
        )
      : el(
          "p",
          { class: "muted" },
          facilities.length === 1 ? "Den enda anläggningen har en huvudman." : `Ingen av de ${facilities.length} anläggningarna har flera huvudmän.`,
        ),
  );
  return answer;
}
