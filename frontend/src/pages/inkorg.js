// The Inkorg page (being built).
import "../app.css";
