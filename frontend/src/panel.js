// The answer panel: who is responsible, said plainly; who does the work, the parcel, whom else
// to ask at a boundary; the codes only in a detail line for GIS users.
import { mailLink } from "./share.js";

function escape(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// Metres to one decimal, the Swedish way: 3,0 m.
function metres(value) {
  return `${value.toFixed(1).replace(".", ",")} m`;
}

function contacts(organisation, answer, link) {
  const items = (organisation.kontakter || []).map((k) => {
    const phone = k.telefon ? `<a href="tel:${escape(k.telefon.replace(/[^\d+]/g, ""))}">${escape(k.telefon)}</a>` : "";
    const mail = k.epost ? `<a href="${escape(mailLink(k.epost, answer, link))}">${escape(k.epost)}</a>` : "";
    const report = k.felanmalan_url
      ? `<a href="${escape(k.felanmalan_url)}" rel="noopener" target="_blank">Felanmälan<span class="visually-hidden"> (öppnas i ny flik)</span></a>`
      : "";
    const example = k.exempeldata ? ' <span class="example">exempeluppgift</span>' : "";
    const hours = k.oppettider ? `<div class="hours">${escape(k.oppettider)}</div>` : "";
    return `<li><strong>${escape(k.roll)}</strong>${example}<div>${[phone, mail, report].filter(Boolean).join(" · ")}</div>${hours}</li>`;
  });
  return items.length ? `<ul class="contacts">${items.join("")}</ul>` : "";
}

// What to do when this organisation is the answer (e.g. a private owner), from its data.
function guidance(organisation) {
  return organisation.vagledning ? `<p class="guidance">${escape(organisation.vagledning)}</p>` : "";
}

function organisationBlock(title, organisation, answer, link, extra = "") {
  if (!organisation) return "";
  return (
    `<div class="role"><h3>${title}</h3><p class="org">${escape(organisation.namn)}</p>${extra}` +
    `${guidance(organisation)}${contacts(organisation, answer, link)}</div>`
  );
}

function contract(performer) {
  return `${escape(performer.driftomrade.namn)}, avtal ${escape(performer.avtal_fran)}–${escape(performer.avtal_till || "tills vidare")}`;
}

// In-house work names the organisation once; a contractor gets its own block.
function roles(answer, link) {
  const performer = answer.utforare;
  const inHouse = performer && (performer.egen_regi || performer.organisation.slug === answer.huvudman?.slug);
  const accountableExtra = inHouse ? `<p class="meta">Utförs i egen regi (${contract(performer)})</p>` : "";
  let html = organisationBlock("Ansvarig", answer.huvudman, answer, link, accountableExtra);
  if (performer && !inHouse) {
    html += organisationBlock("Utför arbetet", performer.organisation, answer, link, `<p class="meta">${contract(performer)}</p>`);
  }
  if (answer.markagare) {
    const owners = answer.markagare.agare_okand ? "okänd" : answer.markagare.agare.map((o) => o.namn).join(" och ");
    html +=
      `<div class="role"><h3>Fastighet</h3><p class="org">${escape(answer.markagare.fastighetsbeteckning)}</p>` +
      `<p class="meta">Ägare: ${escape(owners)}</p></div>`;
  }
  return html;
}

// Through what the other organisation is responsible: its object or parcel, and how far.
function otherWhere(other) {
  const named = (text) => text && text.toLowerCase() !== String(other.vad).toLowerCase();
  const what = [other.vad, named(other.objekt?.namn) ? other.objekt.namn : null, named(other.fastighetsbeteckning) ? other.fastighetsbeteckning : null]
    .filter(Boolean)
    .join(", ");
  return [what, other.avstand_m != null ? metres(other.avstand_m) : null].filter(Boolean).join(", ");
}

// At a boundary: the warning with the map's two colours, and the other organisations to ask.
function warning(answer) {
  if (!answer.tvetydig) return "";
  const marked = (answer.tvetydig_med || []).some((o) => o.objekt || o.fastighetsbeteckning);
  const key = marked
    ? '<p class="map-key">I kartan: <span class="key key-main" aria-hidden="true"></span> gult är det som avgör svaret,' +
      ' <span class="key key-other" aria-hidden="true"></span> lila är den andra organisationens.</p>'
    : "";
  return `<div class="warning"><p><strong>Osäkert svar.</strong> ${escape(answer.tvetydig_orsak)}</p>${key}</div>`;
}

function others(answer, link) {
  if (!answer.tvetydig) return "";
  return (answer.tvetydig_med || [])
    .map((other) => organisationBlock("Fråga också", other.organisation, answer, link, `<p class="meta">${escape(otherWhere(other))}</p>`))
    .join("");
}

function detailLine(answer) {
  const parts = [`regel ${escape(answer.regel)}`];
  if (answer.objekt) parts.push(`skötselprodukt ${escape(answer.objekt.kod)} (${escape(answer.objekt.namn)})`);
  if (answer.avstand_m) parts.push(escape(metres(answer.avstand_m)));
  parts.push(`SWEREF 99 TM N ${Math.round(answer.punkt.y)} E ${Math.round(answer.punkt.x)}`);
  return `<p class="detail">För GIS: ${parts.join(" · ")}</p>`;
}

const CLOSE = '<button type="button" class="close" aria-label="Stäng svaret">×</button>';

// link: the address of the map at this point (for mail and "Dela").
export function renderAnswer(panel, answer, link) {
  const title = answer.huvudman ? escape(answer.huvudman.namn) : "Ingen ansvarig hittades";
  panel.innerHTML =
    CLOSE +
    `<h2 tabindex="-1">${title}</h2>` +
    `<p class="why">${escape(answer.forklaring)}</p>` +
    warning(answer) +
    roles(answer, link) +
    others(answer, link) +
    `<div class="report-slot"></div>` +
    `<div class="share"><button type="button" class="button share-button">Dela</button>` +
    `<div class="share-status" role="status"></div></div>` +
    detailLine(answer);
  panel.hidden = false;
}

export function renderMessage(panel, title, text) {
  panel.innerHTML = `${CLOSE}<h2 tabindex="-1">${escape(title)}</h2><p class="why">${escape(text)}</p>`;
  panel.hidden = false;
}

export function renderLoading(panel) {
  panel.innerHTML = `${CLOSE}<p class="loading">Söker ansvarig …</p>`;
  panel.hidden = false;
}
