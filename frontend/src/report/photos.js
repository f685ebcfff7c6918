// The report form's photos: taken with the camera or chosen, previewed, removable, up to the limit.
import { escape } from "./common.js";

// The service's limits (app/reports/photos.py): three photos of at most 10 MB each.
export const MAX_PHOTOS = 3;
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

export class PhotoPicker {
  constructor(fieldset) {
    this.files = [];
    this.input = fieldset.querySelector("input[type=file]");
    this.chooser = fieldset.querySelector(".photo-choose");
    this.list = fieldset.querySelector(".photo-previews");
    this.status = fieldset.querySelector(".photo-status");
    this.input.addEventListener("change", () => this.add([...this.input.files]));
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-foto]");
      if (button) this.remove(Number(button.dataset.foto));
    });
  }

  add(chosen) {
    const refused = [];
    for (const file of chosen) {
      if (this.files.length === MAX_PHOTOS) {
        refused.push(`Högst ${MAX_PHOTOS} foton kan skickas; ${file.name} togs inte med.`);
      } else if (!file.type.startsWith("image/")) {
        refused.push(`${file.name} är ingen bild.`);
      } else if (file.size > MAX_PHOTO_BYTES) {
        refused.push(`${file.name} är större än ${MAX_PHOTO_BYTES / 2 ** 20} MB.`);
      } else {
        this.files.push({ file, url: URL.createObjectURL(file) });
      }
    }
    // The same file can be chosen again after it was removed.
    this.input.value = "";
    this.render(refused.join(" "));
  }

  remove(index) {
    const [gone] = this.files.splice(index, 1);
    if (gone) URL.revokeObjectURL(gone.url);
    this.render(`Foto ${index + 1} är borttaget.`);
    (this.list.querySelector("button") || this.input).focus();
  }

  render(message = "") {
    this.list.innerHTML = this.files
      .map(
        ({ url, file }, i) =>
          `<li><img src="${url}" alt="Foto ${i + 1}: ${escape(file.name)}" />` +
          `<button type="button" class="report-button secondary" data-foto="${i}">Ta bort foto ${i + 1}</button></li>`,
      )
      .join("");
    const full = this.files.length >= MAX_PHOTOS;
    this.input.disabled = full;
    this.chooser.classList.toggle("disabled", full);
    const count = this.files.length ? `${this.files.length} av ${MAX_PHOTOS} foton valda.` : "";
    this.status.textContent = [message, count].filter(Boolean).join(" ");
  }

  clear() {
    for (const { url } of this.files) URL.revokeObjectURL(url);
    this.files = [];
    this.render();
  }
}
