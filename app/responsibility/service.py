"""Resolving responsibility for points: one query, then the rules, then the explained answer.

Answers are built as plain dicts shaped exactly like schemas.Answer (the tests hold them to
it): this is the hot path of the service, and skipping model validation per answer is a
measurable share of each request (docs/benchmarks.md).
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection as PsycopgAsyncConnection
from psycopg.rows import dict_row
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql

from app.core.geo import Point
from app.core.problems import AppError, InvalidInput, NotFound
from app.core.settings import Settings
from app.responsibility.queries import (
    CANDIDATES_SQL,
    WITHIN_PERFORMED_AREAS_SQL,
    candidate_params,
)
from app.responsibility.rules import (
    DEFAULT_CLICK_M,
    RULE_NAMES,
    Candidate,
    Decision,
    Neighbour,
    Parcel,
    Tolerances,
    decide,
    metres,
    plain_name,
)

LOCAL_TIME = ZoneInfo("Europe/Stockholm")
MAX_BATCH = 10_000
# The same statement in psycopg's own parameter style, for the pooled async path.
CANDIDATES_PSYCOPG = str(CANDIDATES_SQL.compile(dialect=postgresql.psycopg.dialect()))  # type: ignore[no-untyped-call]

Json = dict[str, Any]


class OutsideMunicipality(NotFound):
    """The point lies outside the municipality: no guess is made."""

    type = "utanfor-kommunen"
    title = "Punkten ligger utanför kommunen"


class UnknownProduct(InvalidInput):
    """The preferred product is not in the catalogue."""

    type = "okand-produkt"
    title = "Okänd skötselprodukt"


@dataclass(frozen=True)
class ResolveOptions:
    """What to resolve against: the moment, the preferred product or fault category, and the
    tolerances (the click's own among them)."""

    at: datetime
    day: date
    preferred: str | None
    municipality: str
    tolerances: Tolerances
    category: str | None = None


def click_tolerance(settings: Settings, accuracy_m: float | None) -> float:
    """The click's tolerance in metres: as given (default 3 m), at most the snap distance.

    A phone's GPS may report an accuracy of kilometres; that must not let a point object far
    away win over the area the person stands in.
    """
    given = DEFAULT_CLICK_M if accuracy_m is None else accuracy_m
    return min(max(given, 0.0), settings.snap_point_m)


def resolve_options(
    settings: Settings,
    day: date | None,
    preferred: str | None,
    *,
    category: str | None = None,
    accuracy_m: float | None = None,
) -> ResolveOptions:
    """Options for 'now' or for the end of a given day (local time).

    preferred names a product, category a fault category (its products are preferred);
    accuracy_m is the click's tolerance (the map's symbol radius, a phone's GPS accuracy).
    """
    if day is None:
        at = datetime.now(LOCAL_TIME)
        day = at.date()
    else:
        # "As it was on that day": the state at the end of the day.
        # time.max, not the next midnight less a microsecond: 9999-12-31 has no next day.
        at = datetime.combine(day, time.max, LOCAL_TIME)
    return ResolveOptions(
        at=at,
        day=day,
        preferred=preferred.strip().upper() if preferred else None,
        municipality=settings.municipality_code,
        tolerances=Tolerances(
            point_m=settings.snap_point_m,
            line_m=settings.snap_line_m,
            area_gap_m=settings.area_gap_m,
            ambiguity_m=settings.ambiguity_m,
            click_m=click_tolerance(settings, accuracy_m),
        ),
        category=category.strip() if category else None,
    )


# Never met: every organisation a candidate or parcel names comes with the same query.
_UNKNOWN_ORGANISATION: Json = {
    "slug": "okand",
    "namn": "okänd organisation",
    "kortnamn": None,
    "typ": "okand",
    "vagledning": None,
    "kontakter": [],
}


@dataclass
class _Shared:
    organisations: dict[int, Json]
    product_exists: bool
    category_products: list[str] | None
    municipality_name: str | None

    def organisation(self, org_id: int | None) -> Json | None:
        return self.organisations.get(org_id) if org_id is not None else None

    def reference(self, org_id: int) -> Json:
        return self.organisations.get(org_id, _UNKNOWN_ORGANISATION)

    def name(self, org_id: int) -> Json:
        org = self.reference(org_id)
        return {"slug": org["slug"], "namn": org["namn"]}


def _object_ref(candidate: Candidate) -> Json:
    return {
        "id": candidate.object_id,
        "extern_id": candidate.extern_id,
        "kod": candidate.code,
        "namn": candidate.name,
        "geometrityp": candidate.kind,
    }


def _performer(shared: _Shared, accountable_id: int | None, areas: list[Json]) -> Json | None:
    area = next((a for a in areas if a["bestallare_id"] == accountable_id), None)
    organisation = shared.organisation(area["utforare_id"]) if area else None
    if area is None or organisation is None:
        return None
    return {
        "organisation": organisation,
        "driftomrade": {"id": area["id"], "namn": area["namn"]},
        "avtal_fran": area["avtal_fran"],
        "avtal_till": area["avtal_till"],
        "egen_regi": area["utforare_id"] == area["bestallare_id"],
    }


def _landowner(shared: _Shared, parcel: Parcel | None) -> Json | None:
    if parcel is None:
        return None
    owners = [o for o in map(shared.organisation, parcel.owner_ids) if o is not None]
    return {"fastighetsbeteckning": parcel.designation, "agare": owners, "agare_okand": not owners}


def _called(organisation: Json) -> str:
    return str(organisation["kortnamn"] or organisation["namn"])


def _who(accountable: Json | None, performer: Json | None) -> str:
    if accountable is None:
        return ""
    if performer is None:
        return f", som {_called(accountable)} sköter"
    if performer["egen_regi"]:
        return f", som {_called(accountable)} sköter i egen regi"
    return f", som {_called(performer['organisation'])} sköter på uppdrag av {_called(accountable)}"


def _explanation(
    decision: Decision, accountable: Json | None, performer: Json | None, landowner: Json | None
) -> str:
    """The answer in plain Swedish, for someone who does not know the rules or the codes."""
    who = _who(accountable, performer)
    deciding = decision.deciding
    if deciding is not None:
        what = plain_name(deciding.name)
        if decision.rule in (1, 2):
            where = "vid" if deciding.distance < 0.05 else f"{metres(deciding.distance)} från"
            return f"Punkten ligger {where} ett objekt av typen {what}{who}."
        if decision.rule == 3:
            return f"Punkten ligger på en yta av typen {what}{who}."
        return (
            f"Ingen skötselyta täcker punkten. Närmast, {metres(deciding.distance)} bort,"
            f" ligger en yta av typen {what}{who}."
        )
    if landowner is not None:
        where = (
            "Inget skötselobjekt finns vid punkten. Den ligger på fastigheten"
            f" {landowner['fastighetsbeteckning']}"
        )
        if landowner["agare_okand"]:
            return f"{where}, vars ägare är okänd."
        owners = " och ".join(_called(o) for o in landowner["agare"])
        return f"{where}, som ägs av {owners}; ägaren ansvarar därför."
    return "Inget skötselobjekt och ingen fastighet finns vid punkten, så ingen ansvarig kan anges."


def _neighbour_json(shared: _Shared, neighbour: Neighbour) -> Json:
    return {
        "organisation": shared.reference(neighbour.organisation_id),
        "avstand_m": round(neighbour.distance, 2),
        "vad": neighbour.what,
        "objekt": _object_ref(neighbour.candidate) if neighbour.candidate else None,
        "fastighetsbeteckning": neighbour.parcel.designation if neighbour.parcel else None,
    }


def _neighbour_text(shared: _Shared, neighbour: Neighbour) -> str:
    what = (
        f"fastigheten {neighbour.what}"
        if neighbour.parcel is not None
        else plain_name(neighbour.what)
    )
    where = "på gränsen" if neighbour.distance == 0 else f"{metres(neighbour.distance)} bort"
    return f"{_called(shared.reference(neighbour.organisation_id))} ({what}, {where})"


def _ambiguity(shared: _Shared, decision: Decision) -> tuple[bool, str | None, list[Json]]:
    neighbours = decision.ambiguous_with
    if not neighbours:
        return False, None, []
    opening = (
        "Punkten ligger på gränsen mot en annan organisations ansvar: "
        if any(n.distance == 0 for n in neighbours)
        else "En annan organisation ansvarar för något alldeles intill: "
    )
    listing = "; ".join(_neighbour_text(shared, n) for n in neighbours)
    return True, f"{opening}{listing}.", [_neighbour_json(shared, n) for n in neighbours]


def build_answer(
    point: Point,
    options: ResolveOptions,
    row: Mapping[str, Any],
    shared: _Shared,
    preferred: Collection[str] = (),
) -> Json:
    """The explained answer (shaped like schemas.Answer) for one point from its query row."""
    decision = decide(
        [Candidate.from_row(c) for c in row["kandidater"]],
        [Parcel.from_row(p) for p in row["fastigheter"]],
        preferred=preferred,
        tolerances=options.tolerances,
    )
    deciding = decision.deciding
    landowner = _landowner(shared, decision.parcel)
    if deciding is not None:
        accountable_id: int | None = deciding.accountable_id
    elif decision.parcel is not None and decision.parcel.owner_ids:
        accountable_id = decision.parcel.owner_ids[0]
    else:
        accountable_id = None
    accountable = shared.organisation(accountable_id)
    performer = _performer(shared, accountable_id, row["driftomraden"])
    ambiguous, reason, others = _ambiguity(shared, decision)
    lon, lat = point.lonlat()
    return {
        "punkt": {
            "lon": round(lon, 7),
            "lat": round(lat, 7),
            "x": round(point.x, 2),
            "y": round(point.y, 2),
        },
        "datum": options.day.isoformat(),
        "regel": decision.rule_name,
        "avstand_m": round(deciding.distance, 2) if deciding else None,
        "noggrannhet_m": options.tolerances.click_m,
        "forklaring": _explanation(decision, accountable, performer, landowner),
        "huvudman": accountable,
        "utforare": performer,
        "markagare": landowner,
        "objekt": _object_ref(deciding) if deciding else None,
        "kandidater": [
            {
                "regel": RULE_NAMES[c.rule],
                "avstand_m": round(c.distance, 2),
                "objekt": _object_ref(c),
                "huvudman": shared.name(c.accountable_id),
            }
            for c in decision.runners_up
        ],
        "tvetydig": ambiguous,
        "tvetydig_orsak": reason,
        "tvetydig_med": others,
    }


def _split_rows(rows: Sequence[Mapping[str, Any]]) -> tuple[dict[int, Mapping[str, Any]], _Shared]:
    by_index: dict[int, Mapping[str, Any]] = {}
    shared_json: Json = {}
    for row in rows:
        if row["n"] is None:
            shared_json = row["gemensamt"]
        else:
            by_index[int(row["n"])] = row
    organisations = {int(k): v for k, v in (shared_json.get("organisationer") or {}).items()}
    return by_index, _Shared(
        organisations=organisations,
        product_exists=bool(shared_json.get("produkt_finns")),
        category_products=shared_json.get("kategori_produkter"),
        municipality_name=shared_json.get("kommun"),
    )


def _preferred_products(options: ResolveOptions, shared: _Shared) -> frozenset[str]:
    """The products whose objects snap from farther: the one named and the category's."""
    if options.preferred is not None and not shared.product_exists:
        raise UnknownProduct(f"Skötselprodukten '{options.preferred}' finns inte i katalogen.")
    if options.category is not None and shared.category_products is None:
        # Imported here: the reports import this module, and the category is theirs.
        from app.reports.service import UnknownCategory

        raise UnknownCategory(
            f"Kategorin '{options.category}' finns inte; se /api/v1/felkategorier för de som finns."
        )
    named = {options.preferred} if options.preferred is not None else set()
    return frozenset(named | set(shared.category_products or ()))


def _outside(point: Point, shared: _Shared, swapped_inside: bool) -> OutsideMunicipality:
    where = shared.municipality_name or "kommunen"
    lon, lat = point.lonlat()
    hint = (
        " Med koordinaterna i omvänd ordning hamnar punkten i kommunen – har de bytt plats?"
        if swapped_inside
        else ""
    )
    return OutsideMunicipality(
        f"Punkten (lon {lon:.5f}, lat {lat:.5f}) ligger utanför {where}; "
        f"Ansvarskartan svarar bara för platser inom kommunen.{hint}"
    )


def answers_from_rows(
    points: Sequence[Point],
    rows: Sequence[Mapping[str, Any]],
    options: ResolveOptions,
    *,
    with_swaps: bool,
) -> list[Json | AppError]:
    """Answers (or per-point errors) in the order of points, from the candidate query's rows."""
    by_index, shared = _split_rows(rows)
    preferred = _preferred_products(options, shared)
    count = len(points) // 2 if with_swaps else len(points)
    results: list[Json | AppError] = []
    for i in range(count):
        row = by_index[i + 1]
        if not row["inom_kommunen"]:
            swapped_inside = with_swaps and bool(by_index[count + i + 1]["inom_kommunen"])
            results.append(_outside(points[i], shared, swapped_inside))
        else:
            results.append(build_answer(points[i], options, row, shared, preferred))
    return results


def _query_points(points: Sequence[Point], with_swaps: bool) -> list[Point]:
    if not with_swaps:
        return list(points)
    # The swapped reading of each point, asked in the same round trip, powers the hint.
    return list(points) + [p.swapped() or p for p in points]


def _params(points: Sequence[Point], options: ResolveOptions) -> dict[str, Any]:
    return candidate_params(
        [p.x for p in points],
        [p.y for p in points],
        preferred=options.preferred,
        category=options.category,
        at=options.at,
        day=options.day,
        municipality=options.municipality,
        tolerances=options.tolerances,
    )


async def resolve_async(
    conn: PsycopgAsyncConnection[Any],
    points: Sequence[Point],
    options: ResolveOptions,
    *,
    with_swaps: bool,
) -> list[Json | AppError]:
    """Resolve points on a pooled psycopg connection (the web service's hot path)."""
    asked = _query_points(points, with_swaps)
    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(CANDIDATES_PSYCOPG, _params(asked, options))
        rows = await cursor.fetchall()
    return answers_from_rows(asked, rows, options, with_swaps=with_swaps)


def resolve_sync(
    conn: Connection, points: Sequence[Point], options: ResolveOptions, *, with_swaps: bool
) -> list[Json | AppError]:
    """Resolve points on a synchronous connection (command line, tests)."""
    asked = _query_points(points, with_swaps)
    rows = [dict(r._mapping) for r in conn.execute(CANDIDATES_SQL, _params(asked, options))]
    return answers_from_rows(asked, rows, options, with_swaps=with_swaps)


async def outside_performed_areas(
    conn: PsycopgAsyncConnection[Any], organisation: int, points: Sequence[Point]
) -> set[int]:
    """Indexes of the points outside every operations area the organisation performs."""
    cursor = await conn.execute(
        WITHIN_PERFORMED_AREAS_SQL,
        {"xs": [p.x for p in points], "ys": [p.y for p in points], "org": organisation},
    )
    row = await cursor.fetchone()
    inside = {int(n) - 1 for n in (row[0] if row else [])}
    return set(range(len(points))) - inside
