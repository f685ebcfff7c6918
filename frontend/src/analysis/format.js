// Numbers in Swedish: thousands with a space, a decimal comma.

export function number(value, digits = 0) {
  if (value === null || value === undefined) return "–";
  return Number(value).toLocaleString("sv-SE", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function kronor(value) {
  return value === null || value === undefined ? "–" : `${number(Math.round(value))} kr`;
}

export function percent(share, digits = 0) {
  return `${number(share * 100, digits)} %`;
}

// A quantity with its unit, as few decimals as the unit needs.
export function quantity(value, unit) {
  return `${number(value, unit === "st" ? 0 : 1)} ${unit}`;
}
