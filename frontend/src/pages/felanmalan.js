// The Felanmälan page (being built).
import "../app.css";
