// The report categories and each one's symbol: the catalogue symbol of its first product.
import { getJson } from "../api.js";
import { swatchSvg } from "../symbols.js";
import { escape, statusClass, statusText } from "./common.js";

// A category without products (Övrigt): an exclamation mark.
const GENERIC_SYMBOL =
  '<svg xmlns="http://www.w3.org/2000/svg" width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">' +
  '<circle cx="9" cy="9" r="8" fill="#14213d"/><path d="M8 4h2v6H8zM8 12h2v2H8z" fill="#fff"/></svg>';

let categories = null;
let symbols = null;

export function loadCategories() {
  categories ??= getJson("/api/v1/felkategorier").catch((error) => {
    categories = null;
    throw error;
  });
  return categories;
}

async function loadSymbols() {
  symbols ??= Promise.all([loadCategories(), getJson("/api/v1/skotselprodukter/stil.json")]).then(
    ([all, styles]) => {
      const products = new Map(styles.produkter.map((p) => [p.kod, p]));
      // Categories can share products (a bench can be broken or sprayed): each takes its first
      // product that no earlier category took, so their markers differ where the catalogue allows.
      const symbolOf = new Map();
      const taken = new Set();
      for (const category of all) {
        const own = category.produkter.filter((kod) => products.has(kod));
        const kod = own.find((k) => !taken.has(k)) ?? own[0];
        if (kod) taken.add(kod);
        symbolOf.set(category.kod, kod ? swatchSvg(products.get(kod)) : GENERIC_SYMBOL);
      }
      return symbolOf;
    },
  );
  symbols.catch(() => {
    symbols = null;
  });
  return symbols;
}

// The category's symbol as SVG markup; the generic one when the catalogue cannot be read.
export async function categorySymbol(kod) {
  try {
    return (await loadSymbols()).get(kod) ?? GENERIC_SYMBOL;
  } catch {
    return GENERIC_SYMBOL;
  }
}

// The first category that concerns the product (categories come in their order), or null.
export function categoryOfProduct(all, productCode) {
  if (!productCode) return null;
  return all.find((category) => category.produkter.includes(productCode)) ?? null;
}

// A report's marker: the category's symbol framed in its status colour, named in words;
// with a count when it stands for several reports.
export function reportPinHtml(symbol, status, count = 1) {
  const several = count > 1 ? `<span class="report-pin-count">${count}</span>` : "";
  return (
    `<span class="report-pin ${statusClass(status)}">` +
    `<span class="report-pin-symbol">${symbol}</span>${several}` +
    `<span class="visually-hidden">${escape(statusText(status))}</span></span>`
  );
}
