// Short notices over the map ("Bakgrundskartan kan inte nås …"): closable, gone after a few
// seconds, and placed beside or above the answer panel, never over it.

const SHOWN_MS = 8000;
const GAP_PX = 8;

export class Notices {
  // element: the notice box with .notice-text and .notice-close; panel: the answer panel;
  // area: the element both are positioned in.
  constructor(element, panel, area) {
    this.element = element;
    this.text = element.querySelector(".notice-text");
    this.panel = panel;
    this.area = area;
    this.timer = null;
    element.querySelector(".notice-close").addEventListener("click", () => this.hide());
    // Someone reading it with the pointer on it, or with focus on its button, keeps it.
    element.addEventListener("pointerenter", () => clearTimeout(this.timer));
    element.addEventListener("pointerleave", () => this.restartTimer());
    element.addEventListener("focusin", () => clearTimeout(this.timer));
    element.addEventListener("focusout", () => this.restartTimer());
    // The panel opens, closes and grows with its answer: the notice moves with it.
    new ResizeObserver(() => this.place()).observe(panel);
    window.addEventListener("resize", () => this.place());
  }

  show(text) {
    this.element.hidden = false;
    this.text.textContent = text;
    this.place();
    this.restartTimer();
  }

  hide() {
    clearTimeout(this.timer);
    this.element.hidden = true;
  }

  restartTimer() {
    clearTimeout(this.timer);
    if (!this.element.hidden) this.timer = setTimeout(() => this.hide(), SHOWN_MS);
  }

  // Beside the panel on a wide screen, above the bottom sheet on a phone.
  place() {
    const style = this.element.style;
    style.left = "";
    style.bottom = "";
    style.maxWidth = "";
    if (this.element.hidden || this.panel.hidden) return;
    const area = this.area.getBoundingClientRect();
    const panel = this.panel.getBoundingClientRect();
    if (window.matchMedia("(min-width: 800px)").matches) {
      const left = panel.right - area.left + GAP_PX;
      const width = Math.max(area.width - left - GAP_PX, 0);
      style.left = `${left + width / 2}px`;
      style.maxWidth = `${width}px`;
    } else {
      style.bottom = `${area.bottom - panel.top + GAP_PX}px`;
    }
  }
}
