"""Legacy-code mappings: an organisation's own codes → the shared catalogue."""

import csv
from pathlib import Path

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert

from app.core.problems import InvalidInput
from app.models import Kodmappning, Skotselprodukt


def read_mapping(path: Path) -> dict[str, tuple[str, str | None]]:
    """legacy code → (shared code, description) from a CSV with kod,benamning,skotselprodukt."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        present = [name.strip() for name in reader.fieldnames or []]
        missing = [c for c in ("kod", "skotselprodukt") if c not in present]
        if missing:
            raise InvalidInput(
                f"{path.name} saknar kolumnen {' och '.join(missing)} (kolumnerna kod och "
                f"skotselprodukt krävs, benamning får finnas). Filen har: "
                f"{', '.join(present) or 'inga kolumner'}."
            )
        mapping: dict[str, tuple[str, str | None]] = {}
        for row in reader:
            code = (row["kod"] or "").strip()
            if not code:
                continue
            if code in mapping:
                raise InvalidInput(f"{path.name}: koden {code} mappas flera gånger")
            mapping[code] = ((row["skotselprodukt"] or "").strip(), (row.get("benamning") or None))
    return mapping


def store_mapping(
    conn: Connection, organisation_id: int, mapping: dict[str, tuple[str, str | None]]
) -> None:
    """Replace an organisation's mapping; every target must be a product of the catalogue."""
    products = set(conn.scalars(select(Skotselprodukt.kod)).all())
    unknown = sorted({target for target, _ in mapping.values() if target not in products})
    if unknown:
        raise InvalidInput(
            "Mappningen pekar på produkter som inte finns i katalogen: " + ", ".join(unknown)
        )
    conn.execute(delete(Kodmappning).where(Kodmappning.organisation_id == organisation_id))
    if mapping:
        conn.execute(
            insert(Kodmappning),
            [
                {
                    "organisation_id": organisation_id,
                    "kod": code,
                    "benamning": name,
                    "skotselprodukt_kod": target,
                }
                for code, (target, name) in mapping.items()
            ],
        )


def stored_mapping(conn: Connection, organisation_id: int) -> dict[str, str]:
    """legacy code → shared code for an organisation, as stored."""
    return dict(
        conn.execute(
            select(Kodmappning.kod, Kodmappning.skotselprodukt_kod).where(
                Kodmappning.organisation_id == organisation_id
            )
        ).all()
    )
