// The place of an answer in words, for mail to an organisation and for the "Dela" link.

function decimal(value, digits) {
  return value.toFixed(digits).replace(".", ",");
}

// The place of an answer: where it is, on which parcel, at which object, and a link to it.
export function describePlace(answer, link) {
  const p = answer.punkt;
  const lines = [
    `Plats: ${decimal(p.lat, 6)} N, ${decimal(p.lon, 6)} E (SWEREF 99 TM: N ${Math.round(p.y)}, E ${Math.round(p.x)})`,
  ];
  if (answer.markagare) lines.push(`Fastighet: ${answer.markagare.fastighetsbeteckning}`);
  if (answer.objekt) lines.push(`Skötselobjekt: ${answer.objekt.namn} (${answer.objekt.kod})`);
  lines.push(`Karta: ${link}`);
  return lines;
}

function subject(answer) {
  const where = answer.markagare
    ? answer.markagare.fastighetsbeteckning
    : `${decimal(answer.punkt.lat, 5)} N, ${decimal(answer.punkt.lon, 5)} E`;
  return answer.objekt ? `${answer.objekt.namn} vid ${where}` : `Platsen ${where}`;
}

// mailto: with a subject and a body that say which place the mail is about.
export function mailLink(address, answer, link) {
  const body = ["Hej!", "", "Jag hör av mig om den här platsen:", "", ...describePlace(answer, link), "", ""].join("\r\n");
  return `mailto:${address}?subject=${encodeURIComponent(subject(answer))}&body=${encodeURIComponent(body)}`;
}

// Copies the link, or shows it to be copied by hand where the browser cannot (no clipboard
// outside a secure context, or permission refused).
export async function shareLink(link, status) {
  try {
    if (!navigator.clipboard) throw new Error("no clipboard");
    await navigator.clipboard.writeText(link);
    status.textContent = "Länken är kopierad.";
  } catch {
    status.textContent = "";
    const label = document.createElement("label");
    label.textContent = "Kopiera länken: ";
    const field = document.createElement("input");
    field.type = "text";
    field.readOnly = true;
    field.value = link;
    field.className = "share-field";
    label.append(field);
    status.append(label);
    field.focus();
    field.select();
  }
}
