// The Trygghetsvandring page (being built).
import "../app.css";
