// The Logga in page (being built).
import "../app.css";
