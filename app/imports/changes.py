"""What one import did, object by object: new, changed (which fields), retired, repaired, rejected.

New versions are read from the rows the import wrote (its id and moment, served by the
import_id index); the rest from importhandelse and importavvisning. The same lists serve the
command line, the upload answer and GET /api/v1/importer/{id}, also inside a dry run's
transaction before it is rolled back.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from app.imports.objects import OBJECTS
from app.imports.ownership import OWNERSHIP
from app.imports.parcel_stage import PARCELS
from app.imports.record import stored_record
from app.imports.versions import VersionedTable

KINDS = ("nya", "andrade", "avslutade", "reparerade", "avvisade")
_VERSIONED: dict[str, VersionedTable] = {
    "fastigheter": PARCELS,
    "agare": OWNERSHIP,
    "skotselobjekt": OBJECTS,
}
_EVENT_OF_KIND = {
    "nya": "ny",
    "andrade": "andrad",
    "avslutade": "avslutad",
    "reparerade": "reparerad",
}


@dataclass(frozen=True)
class ObjectChange:
    """One object in an import's lists: its reference, what it is, and what happened."""

    ref: str
    description: str | None = None
    fields: tuple[str, ...] = ()
    kept: bool = False

    def as_json(self) -> dict[str, Any]:
        """As the API shows it (Swedish keys, empty parts left out)."""
        shown: dict[str, Any] = {"objekt": self.ref}
        if self.description is not None:
            shown["beskrivning"] = self.description
        if self.fields:
            shown["falt"] = list(self.fields)
        if self.kept:
            shown["behalls"] = True
        return shown


@dataclass
class ImportChanges:
    """Per kind the first objects (all with no limit), and how many there are in all."""

    lists: dict[str, list[ObjectChange]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Per kind its list, as the API shows it."""
        return {kind: [c.as_json() for c in self.lists.get(kind, [])] for kind in KINDS}


def _new_versions_sql(spec: VersionedTable) -> str:
    return (
        f"SELECT {spec.named(spec.ref, 'n')}, {spec.named(spec.description, 'n')} "
        f"FROM {spec.table} n JOIN importkorning k ON k.id = n.import_id "
        "WHERE n.import_id = :id AND n.valid_from = k.giltig_fran "
        "AND NOT EXISTS (SELECT 1 FROM importhandelse e WHERE e.import_id = :id "
        f"AND e.slag = 'andrad' AND e.objekt_ref = {spec.named(spec.ref, 'n')}) "
        "ORDER BY n.id LIMIT :limit"
    )


def list_changes(conn: Connection, import_id: int, limit: int | None = None) -> ImportChanges:
    """The import's objects per kind (the first `limit` of each; all when None)."""
    record = conn.execute(
        text(
            "SELECT typ, antal_nya, antal_andrade, antal_avslutade, antal_avvisade, "
            "(SELECT count(*) FROM importhandelse e WHERE e.import_id = k.id "
            "AND e.slag = 'reparerad') FROM importkorning k WHERE k.id = :id"
        ),
        {"id": import_id},
    ).one_or_none()
    changes = ImportChanges()
    if record is None:
        return changes
    kind, new, changed, retired, rejected, repaired = record
    changes.totals = {
        "nya": new,
        "andrade": changed,
        "avslutade": retired,
        "reparerade": repaired,
        "avvisade": rejected,
    }
    params = {"id": import_id, "limit": limit}
    spec = _VERSIONED.get(kind)
    for name, event in _EVENT_OF_KIND.items():
        if name == "nya" and spec is not None:
            rows = conn.execute(text(_new_versions_sql(spec)), params).all()
            changes.lists[name] = [ObjectChange(ref, description) for ref, description in rows]
            continue
        rows = conn.execute(
            text(
                "SELECT objekt_ref, beskrivning, coalesce(falt, '{}') FROM importhandelse "
                "WHERE import_id = :id AND slag = :event ORDER BY id LIMIT :limit"
            ),
            params | {"event": event},
        ).all()
        changes.lists[name] = [ObjectChange(r, d, tuple(f)) for r, d, f in rows]
    rows = conn.execute(
        text(
            "SELECT objekt_ref, orsak, behalls FROM importavvisning WHERE import_id = :id "
            "ORDER BY id LIMIT :limit"
        ),
        params,
    ).all()
    changes.lists["avvisade"] = [ObjectChange(r, d, kept=k) for r, d, k in rows]
    return changes


def _imported_for(conn: Connection, import_id: int, organisation: int) -> bool:
    """Whether the import was of this organisation's data."""
    found = conn.execute(
        text("SELECT 1 FROM importkorning WHERE id = :id AND organisation_id = :organisation"),
        {"id": import_id, "organisation": organisation},
    ).first()
    return found is not None


def import_report(
    conn: Connection, import_id: int, limit: int, organisation: int | None = None
) -> dict[str, Any] | None:
    """The stored record of an import with its objects per kind; None when there is none.

    organisation: a bound token's, which sees only the imports of that organisation.
    """
    if organisation is not None and not _imported_for(conn, import_id, organisation):
        return None
    record = stored_record(conn, import_id)
    if record is None:
        return None
    changes = list_changes(conn, import_id, limit)
    record["reparerade"] = changes.totals.get("reparerade", 0)
    record["objekt"] = changes.as_json()
    return record
