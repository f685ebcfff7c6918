"""The collections served under /ogc: one table (or one geometry kind of it) each.

Every SQL fragment here is a constant of this module; request values only ever reach the
database as bind parameters.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Collection:
    """One OGC API collection and the SQL that serves it."""

    id: str
    title: str
    description: str
    geometry_type: str
    source: str  # FROM clause; the feature table is aliased t
    key: str  # integer column for keyset paging, unique per row
    feature_id: str  # SQL expression of the public feature id
    feature_id_type: str  # "uuid", "int" or "text": how a featureId in a URL is parsed
    properties: str  # SQL json_build_object(...) of the properties
    base_filter: str = "true"
    temporal: bool = False
    filters: dict[str, str] = field(default_factory=dict)  # query parameter -> SQL condition
    tile_properties: str = "t.id"  # columns carried into vector tiles
    geometry: str = "ST_Multi(t.geom)"  # one geometry type per collection
    # What a contractor's token may see: features in the operations areas it performs.
    contractor_scope: str | None = (
        "EXISTS (SELECT 1 FROM driftomrade scope WHERE scope.utforare_id = %(scope_org)s"
        " AND scope.geom && t.geom AND ST_Intersects(scope.geom, t.geom))"
    )


_OBJECT_SOURCE = (
    "skotselobjekt t JOIN skotselprodukt p ON p.kod = t.skotselprodukt_kod"
    " JOIN organisation h ON h.id = t.huvudman_id"
)
_OBJECT_FILTERS = {
    "huvudman": "h.slug = %(huvudman)s",
    "produkt": "t.skotselprodukt_kod = %(produkt)s",
    "driftomrade": (
        "EXISTS (SELECT 1 FROM driftomrade d WHERE d.id = %(driftomrade)s"
        " AND d.geom && t.geom AND ST_Intersects(d.geom, t.geom))"
    ),
}
_OBJECT_TILE_PROPERTIES = (
    "t.objekt_id::text AS id, t.skotselprodukt_kod AS produkt, p.namn AS produktnamn,"
    " h.slug AS huvudman, h.namn AS huvudman_namn"
)


def _object_properties(quantity: str) -> str:
    return (
        "json_build_object('produkt', t.skotselprodukt_kod, 'produktnamn', p.namn,"
        " 'kategori', p.kategori, 'enhet', p.enhet, 'mangd', " + quantity + ","
        " 'kvalitetsniva', t.kvalitetsniva, 'huvudman', h.slug, 'huvudman_namn', h.namn,"
        " 'extern_id', t.extern_id, 'giltig_fran', t.valid_from, 'giltig_till', t.valid_to)"
    )


def _objects(
    kind: str, collection_id: str, title: str, geometry_type: str, quantity: str
) -> Collection:
    return Collection(
        id=collection_id,
        title=title,
        description=(
            f"Skötselobjekt av geometritypen {kind} med skötselprodukt och huvudman "
            "enligt den gemensamma katalogen."
        ),
        geometry_type=geometry_type,
        source=_OBJECT_SOURCE,
        key="t.id",
        feature_id="t.objekt_id",
        feature_id_type="uuid",
        properties=_object_properties(quantity),
        base_filter=f"t.geometrityp = '{kind}'",
        temporal=True,
        filters=_OBJECT_FILTERS,
        tile_properties=_OBJECT_TILE_PROPERTIES,
        geometry="t.geom" if geometry_type == "Point" else "ST_Multi(t.geom)",
    )


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            id="fastigheter",
            title="Fastigheter",
            description=(
                "Fastighetsindelning (registerenhetsområden) med beteckning och känd ägare."
            ),
            geometry_type="MultiPolygon",
            source="fastighet t",
            key="t.id",
            feature_id="t.objektidentitet",
            feature_id_type="uuid",
            properties=(
                "json_build_object('beteckning', t.beteckning, 'trakt', t.trakt,"
                " 'block', t.block, 'enhet', t.enhet, 'omradesnummer', t.omradesnummer,"
                " 'registerenhetsreferens', t.registerenhetsreferens,"
                " 'agare', (SELECT string_agg(o.namn, ', ' ORDER BY o.namn)"
                "   FROM fastighetsagare a JOIN organisation o ON o.id = a.organisation_id"
                "   WHERE a.registerenhetsreferens = t.registerenhetsreferens"
                "   AND a.valid_to IS NULL),"
                " 'giltig_fran', t.valid_from, 'giltig_till', t.valid_to)"
            ),
            temporal=True,
            tile_properties="t.objektidentitet::text AS id, t.beteckning",
        ),
        _objects(
            "yta",
            "skotselytor",
            "Skötselytor",
            "MultiPolygon",
            "round(ST_Area(t.geom)::numeric, 1)",
        ),
        _objects(
            "linje",
            "skotsellinjer",
            "Skötsellinjer",
            "MultiLineString",
            "round(ST_Length(t.geom)::numeric, 1)",
        ),
        _objects("punkt", "skotselpunkter", "Skötselpunkter", "Point", "1"),
        Collection(
            id="driftomraden",
            title="Driftområden",
            description="Drift- och upphandlingsområden med beställare, utförare och avtalstid.",
            geometry_type="MultiPolygon",
            source=(
                "driftomrade t JOIN organisation b ON b.id = t.bestallare_id"
                " JOIN organisation u ON u.id = t.utforare_id"
            ),
            key="t.id",
            feature_id="t.id",
            feature_id_type="int",
            properties=(
                "json_build_object('namn', t.namn, 'bestallare', b.slug,"
                " 'bestallare_namn', b.namn, 'utforare', u.slug, 'utforare_namn', u.namn,"
                " 'avtal_fran', t.avtal_fran, 'avtal_till', t.avtal_till)"
            ),
            filters={"huvudman": "b.slug = %(huvudman)s"},
            contractor_scope="t.utforare_id = %(scope_org)s",
            tile_properties="t.id, t.namn, b.slug AS bestallare, u.slug AS utforare",
        ),
        Collection(
            id="kommungrans",
            title="Kommungräns",
            description="Kommunens gräns (SCB Digitala gränser, generaliserad).",
            geometry_type="MultiPolygon",
            source="kommungrans t",
            key="t.kommunkod::int",
            feature_id="t.kommunkod",
            feature_id_type="text",
            properties=(
                "json_build_object('kommunkod', t.kommunkod, 'namn', t.namn, 'kalla', t.kalla)"
            ),
            tile_properties="t.kommunkod AS id, t.namn",
            contractor_scope=None,
        ),
    )
}
