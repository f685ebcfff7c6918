"""Where the project's reviewed data lives."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DATA_DIR = REPO_ROOT / "data"
CATALOGUE_CSV = DATA_DIR / "skotselprodukter.csv"
MUNICIPALITIES_GEOJSON = DATA_DIR / "scb_kommuner_stockholms_lan_3006.geojson"
DEMO_DATA_DIR = DATA_DIR / "demo"
FRONTEND_DIST = REPO_ROOT / "frontend" / "dist"
