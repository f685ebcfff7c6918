// The legend: every product with exactly its map symbol, grouped by category, each category a toggle.
import { swatchSvg } from "./symbols.js";

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

export function buildLegend(container, products, onToggle) {
  const categories = new Map();
  for (const product of products) {
    if (!categories.has(product.kategori)) categories.set(product.kategori, []);
    categories.get(product.kategori).push(product);
  }
  let n = 0;
  for (const [category, members] of categories) {
    n += 1;
    const checkbox = element("input", { type: "checkbox", id: `kategori-${n}`, checked: "" });
    checkbox.addEventListener("change", () => onToggle(category, checkbox.checked));
    const label = element("label", { for: `kategori-${n}` }, [category]);
    const list = element("ul", { class: "legend-items", id: `kategori-${n}-lista` });
    for (const product of members) {
      const swatch = element("span", { class: "swatch" });
      swatch.innerHTML = swatchSvg(product);
      list.append(
        element("li", { "data-kod": product.kod, title: product.beskrivning }, [
          swatch,
          element("span", { class: "code" }, [product.kod]),
          element("span", {}, [product.namn]),
        ]),
      );
    }
    // A checkbox may not sit inside a <summary> (nested controls), so the fold is a button.
    const fold = element(
      "button",
      { type: "button", class: "legend-fold", "aria-expanded": "true", "aria-controls": list.id, "aria-label": `Visa symbolerna för ${category}` },
      [],
    );
    fold.addEventListener("click", () => {
      list.hidden = !list.hidden;
      fold.setAttribute("aria-expanded", String(!list.hidden));
    });
    const details = element("div", { class: "legend-group" }, [element("div", { class: "legend-group-head" }, [checkbox, label, fold]), list]);
    container.append(details);
  }
}
