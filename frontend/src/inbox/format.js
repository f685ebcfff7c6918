// Dates and durations in Swedish, in Swedish time.

const DATE_TIME = new Intl.DateTimeFormat("sv-SE", {
  timeZone: "Europe/Stockholm",
  dateStyle: "short",
  timeStyle: "short",
});
const DATE = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Stockholm", dateStyle: "long" });

export function dateTime(value) {
  return value ? DATE_TIME.format(new Date(value)) : "";
}

export function longDate(value) {
  return value ? DATE.format(new Date(value)) : "";
}

// How long ago: "i dag", "1 dag", "12 dagar" (hours while it is under a day).
export function age(value, now = Date.now()) {
  const hours = Math.max(0, (now - new Date(value).getTime()) / 3_600_000);
  if (hours < 1) return "under en timme";
  if (hours < 24) return `${Math.floor(hours)} ${Math.floor(hours) === 1 ? "timme" : "timmar"}`;
  const days = Math.floor(hours / 24);
  return `${days} ${days === 1 ? "dag" : "dagar"}`;
}

export function decimal(value, digits = 1) {
  return value.toLocaleString("sv-SE", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

// A median in hours, in the unit that reads best for the whole set: hours or days.
export function durationUnit(hoursList) {
  const longest = Math.max(0, ...hoursList);
  return longest >= 48 ? { name: "dagar", factor: 1 / 24 } : { name: "timmar", factor: 1 };
}
