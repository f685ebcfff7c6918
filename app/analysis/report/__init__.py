"""The coordination analysis as a report: one gathering, written as XLSX and PDF."""
