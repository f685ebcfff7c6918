// Reporting a fault from the answer panel (being built): fills the panel's report slot.

// eslint-disable-next-line no-unused-vars
export function showReporting(slot, answer, latlng) {}
