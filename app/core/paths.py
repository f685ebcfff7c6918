"""Where the project's reviewed data lives, and the built map."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DATA_DIR = REPO_ROOT / "data"
CATALOGUE_CSV = DATA_DIR / "skotselprodukter.csv"
QUALITY_LEVELS_CSV = DATA_DIR / "kvalitetsnivaer.csv"
MUNICIPALITIES_GEOJSON = DATA_DIR / "scb_kommuner_stockholms_lan_3006.geojson"
DEMO_DATA_DIR = DATA_DIR / "demo"
# ANSVAR_FRONTEND_DIST lets a second build (another checkout, a test run) be served instead.
FRONTEND_DIST = Path(os.environ.get("ANSVAR_FRONTEND_DIST") or REPO_ROOT / "frontend" / "dist")
