// The report form in the answer panel: category, description, photos, contact; then the receipt.
import { getJson, send } from "../api.js";
import { getSession } from "../session.js";
import { categoryOfProduct, loadCategories } from "./catalogue.js";
import { NEARBY_M, REPORT_SENT, escape, formatDate, formatMetres, reportPage, reportStatusText } from "./common.js";
import { MAX_PHOTO_BYTES, MAX_PHOTOS, PhotoPicker } from "./photos.js";

const MAX_DESCRIPTION = 4000;
// As the service checks them (app/reports/schemas.py), so the error comes before sending.
const EMAIL = /^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$/;
const PHONE = /^\+?[0-9][0-9 ()-]{2,48}$/;
const CONTACT_FIELDS = ["kontakt_namn", "kontakt_epost", "kontakt_telefon"];
// Someone reporting several faults on a walk gives their contact once.
const lastContact = {};

const FORM_HTML = `
<form class="report-form" novalidate aria-labelledby="fa-rubrik">
  <h3 id="fa-rubrik" class="report-heading" tabindex="-1">Felanmäl platsen</h3>
  <p class="report-intro">Felanmälan går direkt till den som ansvarar för platsen.</p>
  <div class="report-field">
    <label for="fa-kategori">Vad är fel?</label>
    <select id="fa-kategori" name="kategori" required aria-describedby="fa-kategori-info fa-kategori-fel"></select>
    <p id="fa-kategori-info" class="report-hint"></p>
    <p id="fa-kategori-fel" class="report-field-error" hidden></p>
  </div>
  <div class="report-duplicates" aria-live="polite"></div>
  <div class="report-field">
    <label for="fa-beskrivning">Beskriv felet <span class="report-required">(måste fyllas i)</span></label>
    <textarea id="fa-beskrivning" name="beskrivning" rows="4" maxlength="${MAX_DESCRIPTION}" required
              aria-describedby="fa-beskrivning-antal fa-beskrivning-fel"></textarea>
    <p id="fa-beskrivning-antal" class="report-hint report-count">0 av ${MAX_DESCRIPTION} tecken</p>
    <p id="fa-beskrivning-fel" class="report-field-error" hidden></p>
  </div>
  <fieldset class="report-photos">
    <legend>Foto (frivilligt)</legend>
    <input type="file" id="fa-foto" class="photo-input" accept="image/*" capture="environment" multiple
           aria-describedby="fa-foto-info fa-foto-status" />
    <label for="fa-foto" class="photo-choose report-button secondary">Ta ett foto eller välj en bild</label>
    <p id="fa-foto-info" class="report-hint">Högst ${MAX_PHOTOS} bilder på högst ${MAX_PHOTO_BYTES / 2 ** 20} MB var. Platsuppgifter och annat som kameran sparar i bilden tas bort.</p>
    <ul class="photo-previews"></ul>
    <p id="fa-foto-status" class="photo-status report-hint" aria-live="polite"></p>
  </fieldset>
  <fieldset class="report-contact">
    <legend>Dina kontaktuppgifter (frivilligt)</legend>
    <p id="fa-kontakt-info" class="report-hint">Bara den som tar emot felanmälan ser dem, för att kunna fråga dig om något eller berätta när felet är åtgärdat. De visas aldrig på felanmälans sida och tas bort en tid efter att ärendet har avslutats. Med e-post får du en bekräftelse.</p>
    <div class="report-field">
      <label for="fa-namn">Namn</label>
      <input id="fa-namn" name="kontakt_namn" type="text" autocomplete="name" maxlength="200" />
    </div>
    <div class="report-field">
      <label for="fa-epost">E-post</label>
      <input id="fa-epost" name="kontakt_epost" type="email" autocomplete="email" maxlength="254"
             aria-describedby="fa-epost-fel" />
      <p id="fa-epost-fel" class="report-field-error" hidden></p>
    </div>
    <div class="report-field">
      <label for="fa-telefon">Telefon</label>
      <input id="fa-telefon" name="kontakt_telefon" type="tel" autocomplete="tel" maxlength="50"
             aria-describedby="fa-telefon-fel" />
      <p id="fa-telefon-fel" class="report-field-error" hidden></p>
    </div>
  </fieldset>
  <div class="report-error" role="alert" tabindex="-1" hidden></div>
  <div class="report-actions">
    <button type="submit" class="report-button primary">Skicka felanmälan</button>
    <button type="button" class="report-button secondary report-cancel">Avbryt</button>
  </div>
</form>`;

function categoryOptions(select, all, chosen) {
  select.innerHTML = "";
  if (!chosen) select.append(new Option("Välj vad som är fel", ""));
  for (const category of all) select.append(new Option(category.namn, category.kod, false, category.kod === chosen?.kod));
}

function nearbyHtml(reports) {
  if (!reports.length) return "";
  const items = reports
    .slice(0, 5)
    .map(
      (r) =>
        `<li><a href="${reportPage(r.nummer)}">${escape(r.nummer)}</a>: ${escape(reportStatusText(r))},` +
        ` ${formatMetres(r.avstand_m)} bort, anmäld ${escape(formatDate(r.skapad))}</li>`,
    )
    .join("");
  const lead = reports.length === 1 ? "Det finns redan en öppen felanmälan" : `Det finns redan ${reports.length} öppna felanmälningar`;
  return (
    `<h4>Redan anmält? Följ det ärendet</h4>` +
    `<p>${lead} av samma slag inom ${NEARBY_M} m${reports.length > 5 ? "; de fem närmaste" : ""}:</p><ul>${items}</ul>` +
    `<p>Gäller din felanmälan något annat kan du skicka den ändå.</p>`
  );
}

function receiptHtml(report, withEmail) {
  return (
    `<div class="report-receipt" role="status">` +
    `<h3 class="report-heading" tabindex="-1">Tack! Felanmälan är skickad</h3>` +
    `<dl class="report-receipt-facts">` +
    `<dt>Nummer</dt><dd class="report-number">${escape(report.nummer)}</dd>` +
    `<dt>Skickad till</dt><dd class="report-receiver">${escape(report.mottagare.namn)}</dd>` +
    `<dt>Gäller</dt><dd>${escape(report.kategori.namn)}</dd>` +
    `</dl>` +
    `<p>${withEmail ? "En bekräftelse skickas till din e-post. " : ""}Spara numret om du vill fråga om ärendet.</p>` +
    `<p><a class="report-follow" href="${reportPage(report.nummer)}">Följ felanmälan ${escape(report.nummer)}</a></p>` +
    `<button type="button" class="report-button secondary report-again">Gör en felanmälan till här</button>` +
    `</div>`
  );
}

// Focus a heading with its section at the top of the answer panel (the phone's bottom sheet).
function showAndFocus(heading) {
  heading.focus({ preventScroll: true });
  heading.scrollIntoView({ block: "start" });
}

class ReportForm {
  constructor(slot, answer, latlng, onClose) {
    this.slot = slot;
    this.answer = answer;
    this.latlng = latlng;
    this.onClose = onClose;
    this.nearbyRequest = 0;
  }

  async open() {
    this.slot.innerHTML = FORM_HTML;
    this.form = this.slot.querySelector("form");
    this.select = this.form.querySelector("#fa-kategori");
    this.description = this.form.querySelector("#fa-beskrivning");
    this.counter = this.form.querySelector("#fa-beskrivning-antal");
    this.duplicates = this.form.querySelector(".report-duplicates");
    this.errorBox = this.form.querySelector(".report-error");
    this.submit = this.form.querySelector("button[type=submit]");
    this.photos = new PhotoPicker(this.form.querySelector(".report-photos"));
    this.form.querySelector(".report-cancel").addEventListener("click", () => this.onClose());
    this.description.addEventListener("input", () => this.count());
    this.select.addEventListener("change", () => this.categoryChosen());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    showAndFocus(this.form.querySelector("#fa-rubrik"));
    this.submit.disabled = true;
    try {
      this.categories = await loadCategories();
    } catch (error) {
      this.showError(`Kategorierna kunde inte hämtas: ${error.message}`);
      return;
    }
    categoryOptions(this.select, this.categories, categoryOfProduct(this.categories, this.answer.objekt?.kod));
    this.submit.disabled = false;
    this.categoryChosen();
    // The contact given in this page's last report (kept in memory only), else the session's.
    const session = await getSession();
    const signedIn = session.inloggad ? { kontakt_namn: session.namn, kontakt_epost: session.epost } : {};
    for (const name of CONTACT_FIELDS) {
      this.form.elements[name].value ||= lastContact[name] || signedIn[name] || "";
    }
    this.form.dataset.klar = "ja";
  }

  count() {
    const n = this.description.value.length;
    this.counter.textContent = `${n} av ${MAX_DESCRIPTION} tecken`;
    if (n) this.fieldError("fa-beskrivning", "");
  }

  categoryChosen() {
    const category = this.categories.find((c) => c.kod === this.select.value);
    this.form.querySelector("#fa-kategori-info").textContent = category?.beskrivning ?? "";
    if (category) this.fieldError("fa-kategori", "");
    this.showNearby(category);
  }

  // The open reports of the chosen category within 30 m, so a reporter can follow one instead.
  async showNearby(category) {
    const request = ++this.nearbyRequest;
    delete this.duplicates.dataset.klar;
    let reports = [];
    if (category) {
      const { lat, lng } = this.latlng;
      const url = `/api/v1/felanmalan/nara?lon=${lng.toFixed(7)}&lat=${lat.toFixed(7)}&kategori=${encodeURIComponent(category.kod)}`;
      reports = await getJson(url)
        .then((body) => body.felanmalningar)
        .catch(() => []);
    }
    if (request !== this.nearbyRequest) return;
    this.duplicates.innerHTML = nearbyHtml(reports);
    this.duplicates.hidden = !reports.length;
    this.duplicates.dataset.klar = String(reports.length);
  }

  fieldError(id, message) {
    const field = this.form.querySelector(`#${id}`);
    const note = this.form.querySelector(`#${id}-fel`);
    note.textContent = message;
    note.hidden = !message;
    if (message) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  }

  showError(message) {
    this.errorBox.textContent = message;
    this.errorBox.hidden = !message;
  }

  // Checks in the browser, in Swedish, before anything is sent; the first wrong field gets focus.
  validate() {
    const value = (id) => this.form.querySelector(`#${id}`).value.trim();
    const checks = [
      ["fa-kategori", !value("fa-kategori") && "Välj vad som är fel."],
      ["fa-beskrivning", !value("fa-beskrivning") && "Beskriv felet med några ord."],
      ["fa-epost", value("fa-epost") && !EMAIL.test(value("fa-epost")) && "Skriv en e-postadress som namn@exempel.se, eller lämna fältet tomt."],
      ["fa-telefon", value("fa-telefon") && !PHONE.test(value("fa-telefon")) && "Skriv ett telefonnummer med siffror, t.ex. 08-535 300 00, eller lämna fältet tomt."],
    ];
    let first = null;
    for (const [id, message] of checks) {
      this.fieldError(id, message || "");
      if (message && !first) first = id;
    }
    if (first) this.form.querySelector(`#${first}`).focus();
    return !first;
  }

  body() {
    const data = new FormData();
    data.append("lon", this.latlng.lng.toFixed(7));
    data.append("lat", this.latlng.lat.toFixed(7));
    for (const name of ["kategori", "beskrivning", ...CONTACT_FIELDS]) {
      const value = this.form.elements[name].value.trim();
      if (value) data.append(name, value);
    }
    for (const { file } of this.photos.files) data.append("foto", file, file.name);
    return data;
  }

  async send() {
    this.showError("");
    if (!this.validate()) return;
    this.submit.disabled = true;
    this.submit.textContent = "Skickar …";
    this.form.setAttribute("aria-busy", "true");
    try {
      const report = await send("POST", "/api/v1/felanmalan", this.body());
      const withEmail = Boolean(this.form.elements.kontakt_epost.value.trim());
      for (const name of CONTACT_FIELDS) lastContact[name] = this.form.elements[name].value.trim();
      this.photos.clear();
      // The lists of open reports (the spot's, the layer) take the new one in.
      document.dispatchEvent(new CustomEvent(REPORT_SENT, { detail: report }));
      this.slot.innerHTML = receiptHtml(report, withEmail);
      this.slot.querySelector(".report-again").addEventListener("click", () => this.open());
      showAndFocus(this.slot.querySelector(".report-receipt .report-heading"));
    } catch (error) {
      // The form stays as it was filled in; the service's own words say what to change.
      this.form.removeAttribute("aria-busy");
      this.submit.disabled = false;
      this.submit.textContent = "Skicka felanmälan";
      this.showError(`Felanmälan kunde inte skickas. ${error.message}`);
      this.errorBox.focus();
    }
  }
}

export function openReportForm(slot, answer, latlng, onClose) {
  const form = new ReportForm(slot, answer, latlng, onClose);
  form.open();
  return form;
}
