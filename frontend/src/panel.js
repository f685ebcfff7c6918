// The answer panel: who is accountable, who does the work, the parcel, and why.

function escape(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function contacts(organisation) {
  return (organisation.kontakter || [])
    .map((k) => {
      const phone = k.telefon ? `<a href="tel:${escape(k.telefon.replace(/[^\d+]/g, ""))}">${escape(k.telefon)}</a>` : "";
      const mail = k.epost ? `<a href="mailto:${escape(k.epost)}">${escape(k.epost)}</a>` : "";
      const report = k.felanmalan_url ? `<a href="${escape(k.felanmalan_url)}" rel="noopener" target="_blank">Felanmälan</a>` : "";
      const example = k.exempeldata ? ' <span class="example">exempeluppgift</span>' : "";
      const hours = k.oppettider ? `<div class="hours">${escape(k.oppettider)}</div>` : "";
      return `<li><strong>${escape(k.roll)}</strong>${example}<div>${[phone, mail, report].filter(Boolean).join(" · ")}</div>${hours}</li>`;
    })
    .join("");
}

function organisationBlock(title, organisation, extra = "") {
  if (!organisation) return "";
  return `<div class="role"><h3>${title}</h3><p class="org">${escape(organisation.namn)}</p>${extra}<ul class="contacts">${contacts(organisation)}</ul></div>`;
}

export function renderAnswer(panel, answer) {
  const warning = answer.tvetydig
    ? `<div class="warning" role="alert"><strong>Osäkert svar.</strong> ${escape(answer.tvetydig_orsak)}</div>`
    : "";
  const performer = answer.utforare
    ? organisationBlock(
        answer.utforare.egen_regi ? "Utför arbetet (egen regi)" : "Utför arbetet",
        answer.utforare.organisation,
        `<p class="meta">${escape(answer.utforare.driftomrade.namn)}, avtal ${escape(answer.utforare.avtal_fran)}–${escape(answer.utforare.avtal_till || "tills vidare")}</p>`,
      )
    : "";
  const parcel = answer.markagare
    ? `<div class="role"><h3>Fastighet</h3><p class="org">${escape(answer.markagare.fastighetsbeteckning)}</p><p class="meta">Ägare: ${
        answer.markagare.agare_okand ? "okänd" : escape(answer.markagare.agare.map((o) => o.namn).join(" och "))
      }</p></div>`
    : "";
  const object = answer.objekt
    ? `<p class="meta">Skötselprodukt: <strong>${escape(answer.objekt.kod)}</strong> ${escape(answer.objekt.namn)}</p>`
    : "";
  panel.innerHTML =
    `<button type="button" class="close" aria-label="Stäng">×</button>` +
    `<h2>${answer.huvudman ? escape(answer.huvudman.namn) : "Ingen ansvarig hittades"}</h2>` +
    warning +
    `<p class="why">${escape(answer.forklaring)}</p>` +
    object +
    organisationBlock("Ansvarig (huvudman)", answer.huvudman) +
    performer +
    parcel +
    `<div class="report-slot"></div>` +
    `<p class="meta rule">Regel: ${escape(answer.regel)}${answer.avstand_m != null ? `, ${escape(String(answer.avstand_m).replace(".", ","))} m` : ""}</p>`;
  panel.hidden = false;
}

export function renderMessage(panel, title, text) {
  panel.innerHTML = `<button type="button" class="close" aria-label="Stäng">×</button><h2>${escape(title)}</h2><p class="why">${escape(text)}</p>`;
  panel.hidden = false;
}
