"""HSDS records -> rows of agencies.csv, regions.csv and needs.csv: links, taxonomies, areas."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...config import DEFAULT_DATA_DIR
from ...loading import OPEN_ELIGIBILITY, SLUG
from ...records import Need
from ..schema import LINKS, PACKAGE_TABLES, Tables, empty_tables
from ..tables import NO_AREA_NOTES
from ..taxonomy import AREA, CATEGORY_PREFIX, NEED, RECORD, TAXONOMY_BY_URI
from .agencies import AgencyRows, unique_slug
from .keeping import kept_tables
from .report import Fatal, Problems, Rec
from .vocabulary import vocabulary_needs


@dataclass
class Converted:
    agencies: list[dict[str, str]]
    areas: list[dict[str, str]]
    needs: list[dict[str, str]]
    skipped: int
    kept_in_notes: dict[str, int]
    extents: dict[str, dict]
    # The feed's own records, ids included, as HSDS 3.0 rows (written to DATA/hsds/), and
    # agency id -> the feed ids of the service it came from (written to hsds_ids.csv).
    kept: Tables = field(default_factory=empty_tables)
    feed_ids: list[dict[str, str]] = field(default_factory=list)
    crosswalk_file: Path | None = None  # a county's own crosswalk, copied into the folder


class Converter(AgencyRows):
    """HSDS records -> rows of agencies.csv, regions.csv and needs.csv."""

    def __init__(
        self,
        tables: dict[str, list[Rec]],
        problems: Problems,
        src: Path,
        region_name: str,
        vocabulary: str | Path | None,
        crosswalk: Path | None = None,
    ):
        self.tables = {table: tables.get(table, []) for table in PACKAGE_TABLES}
        self.by_id = {t: {rec.id: rec for rec in recs} for t, recs in self.tables.items()}
        self.problems = problems
        self.src = src
        self.region_name = region_name.strip() or "All areas"
        self.vocabulary = Path(vocabulary) if vocabulary else DEFAULT_DATA_DIR
        self.crosswalk_folder = crosswalk  # None: the bundled taxonomy_crosswalk.csv
        self.kept: dict[str, int] = defaultdict(int)
        self.attributes: dict[str, list[tuple[str, str, str, Rec]]] = defaultdict(list)
        self.our_terms: dict[str, tuple[str, str]] = {}  # term id -> (taxonomy key, code)
        self._by_column: dict[tuple[str, str], dict[str, list[Rec]]] = {}
        self.service_of_agency: dict[str, str] = {}

    def convert(self) -> Converted:
        self._check_links()
        self._index()
        needs = self._needs()
        areas, area_zips = self._areas()
        agencies, skipped = self._agencies(needs, areas)
        if not agencies:
            raise Fatal.about(self.src, "no usable service")
        area_rows = [self._area_row(area, area_zips) for area in areas.values()]
        extents = {a["id"]: self.extents[a["id"]] for a in area_rows if a["id"] in self.extents}
        return Converted(
            agencies,
            area_rows,
            [self._need_row(n) for n in needs.values()],
            skipped,
            dict(self.kept),
            extents,
            kept_tables(self.tables, self.problems),
            self._feed_ids(),
            self.crosswalk.path if self.crosswalk_folder is not None else None,
        )

    # the feed's ids of each agency

    def _feed_ids(self) -> list[dict[str, str]]:
        """agency id -> the feed's service, organization and first location ids."""
        rows = []
        for agency_id, service_id in self.service_of_agency.items():
            service = self.by_id["service"][service_id]
            organization = self.by_id["organization"].get(service.text("organization_id"))
            location = next(
                (
                    sal.text("location_id")
                    for sal in self._rows("service_at_location", "service_id", service_id)
                    if sal.text("location_id")
                ),
                "",
            )
            rows.append(
                {
                    "agency_id": agency_id,
                    "service_id": service_id,
                    "organization_id": organization.id if organization else "",
                    "organization_name": organization.text("name") if organization else "",
                    "location_id": location,
                }
            )
        return rows

    # links and indexes

    def _category_terms(self) -> dict[str, str]:
        """Term id -> code of the Open Eligibility category terms of our need taxonomy, found
        from their ids (uuid5 of the code) when the feed uses our need taxonomy but leaves the
        category terms out, as a nested harvest of services does (HSDS nests a service's
        terms, not their parents): a need's parent is then looked up, not lost."""
        ours = {
            rec.id
            for rec in self.tables["taxonomy"]
            if TAXONOMY_BY_URI.get(rec.text("uri")) is NEED
        } | {NEED.id}
        if not any(t.text("taxonomy_id") in ours for t in self.tables["taxonomy_term"]):
            return {}
        codes = (CATEGORY_PREFIX + category for category in OPEN_ELIGIBILITY)
        return {NEED.term_id(code): code for code in codes}

    def _check_links(self) -> None:
        every_id = {rec_id for ids in self.by_id.values() for rec_id in ids}
        self.category_terms = self._category_terms()
        for table, recs in self.tables.items():
            for rec in recs:
                for column, target in LINKS.items():
                    value = rec.text(column)
                    if column == "parent_id":
                        continue
                    if value and value not in self.by_id[target]:
                        self.problems.add(
                            rec, column, value, f"matches no {target} record", "link ignored"
                        )
                        rec.values[column] = None
                parent = rec.text("parent_id")
                if (
                    table == "taxonomy_term"
                    and parent
                    and parent not in self.by_id["taxonomy_term"]
                    and parent not in self.category_terms
                ):
                    self.problems.add(
                        rec, "parent_id", parent, "matches no taxonomy_term record", "link ignored"
                    )
                    rec.values["parent_id"] = None
                link = rec.text("link_id") if table == "attribute" else rec.text("resource_id")
                if table in ("attribute", "metadata") and link and link not in every_id:
                    column = "link_id" if table == "attribute" else "resource_id"
                    self.problems.add(
                        rec, column, link, "matches no record in the dataset", "record ignored"
                    )
                    rec.values[column] = None

    def _index(self) -> None:
        ours = {
            rec.id: TAXONOMY_BY_URI[rec.text("uri")].key
            for rec in self.tables["taxonomy"]
            if rec.text("uri") in TAXONOMY_BY_URI
        }
        for term_id, code in self.category_terms.items():  # unless the feed gives them
            self.our_terms[term_id] = (NEED.key, code)
        for term in self.tables["taxonomy_term"]:
            key = ours.get(term.text("taxonomy_id"))
            if key and term.text("code"):
                self.our_terms[term.id] = (key, term.text("code"))
        for attribute in self.tables["attribute"]:
            term_id, link = attribute.text("taxonomy_term_id"), attribute.text("link_id")
            if not link:
                continue
            if not term_id:
                self.problems.add(
                    attribute, "taxonomy_term_id", "", "required value is missing", "record ignored"
                )
                continue
            key, code = self.our_terms.get(term_id, ("", term_id))
            self.attributes[link].append((key, code, attribute.text("value"), attribute))

    def _rows(self, table: str, column: str, value: str) -> list[Rec]:
        """Records of a table whose column holds value, from an index built on first use."""
        key = (table, column)
        if key not in self._by_column:
            index: dict[str, list[Rec]] = defaultdict(list)
            for rec in self.tables[table]:
                if rec.text(column):
                    index[rec.text(column)].append(rec)
            self._by_column[key] = index
        return self._by_column[key].get(value, [])

    def _values(self, link_id: str, taxonomy_key: str, code: str | None = None) -> list[str]:
        """Codes (or values, when `code` is given) of our attributes on one record."""
        found = []
        for key, term_code, value, _ in self.attributes.get(link_id, []):
            if key != taxonomy_key:
                continue
            if code is None:
                found.append(term_code)
            elif term_code == code:
                found.append(value)
        return found

    # needs

    def _needs(self) -> dict[str, Need]:
        terms = [
            t
            for t in self.tables["taxonomy_term"]
            if self.our_terms.get(t.id, ("",))[0] == NEED.key
        ]
        if not terms:
            return {need.code: need for need in vocabulary_needs(self.vocabulary)}
        needs: dict[str, Need] = {}
        for term in terms:
            code = term.text("code")
            if code.startswith(CATEGORY_PREFIX):
                continue
            if not SLUG.match(code):
                self.problems.add(term, "code", code, "not a valid need code", "need skipped")
                continue
            parent = self.our_terms.get(term.text("parent_id"), ("", ""))[1]
            category = parent[len(CATEGORY_PREFIX) :] if parent.startswith(CATEGORY_PREFIX) else ""
            if category and category not in OPEN_ELIGIBILITY:
                self.problems.add(
                    term,
                    "parent_id",
                    category,
                    "unknown Open Eligibility category",
                    "category dropped",
                )
                category = ""
            label = term.text("name") or code
            needs[code] = Need(
                code=code,
                label=label,
                description=term.text("description") or label,
                synonyms=tuple(self._values(term.id, RECORD.key, "synonym")),
                open_eligibility=category,
            )
        return needs

    def _need_row(self, need: Need) -> dict[str, str]:
        return {
            "code": need.code,
            "label": need.label,
            "description": need.description,
            "synonyms": ";".join(need.synonyms),
            "open_eligibility": need.open_eligibility,
        }

    # areas

    def _areas(self) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
        """Our area tree when the dataset carries it, plus one area per other service area."""
        areas: dict[str, dict[str, str]] = {}
        for term in self.tables["taxonomy_term"]:
            key, code = self.our_terms.get(term.id, ("", ""))
            if key != AREA.key:
                continue
            if not SLUG.match(code):
                self.problems.add(term, "code", code, "not a valid area id", "area skipped")
                continue
            parent = self.our_terms.get(term.text("parent_id"), ("", ""))
            areas[code] = {
                "id": code,
                "name": term.text("name") or code,
                "parent": parent[1] if parent[0] == AREA.key else "",
                "notes": _unless(term.text("description"), NO_AREA_NOTES),
                "source": "",
            }
        zips: dict[str, dict[str, str]] = defaultdict(dict)
        self.area_of: dict[str, str] = {}  # service_area id -> area id
        self.extents: dict[str, dict] = {}  # area id -> GeoJSON geometry, for regions.geojson
        self.root = next((a["id"] for a in areas.values() if not a["parent"]), None)
        for sa in self.tables["service_area"]:
            codes = self._values(sa.id, AREA.key)
            if codes and codes[0] in areas:
                area_id = codes[0]
                for column, code in (
                    ("zips", "zip-codes"),
                    ("straddling_zips", "straddling-zip-codes"),
                    ("source", "source"),
                ):
                    for value in self._values(sa.id, RECORD.key, code):
                        zips[area_id].setdefault(column, value)
                self.area_of[sa.id] = area_id
                self._extent(sa, area_id)
                continue
            name = sa.text("name") or sa.text("description")
            if not name:
                self.problems.add(
                    sa,
                    "name",
                    "",
                    "service area has no name or description",
                    "service area not used",
                )
                continue
            root = self._root(areas)
            area_id = unique_slug(name, areas, key=lambda a: a["name"] == name)
            if area_id not in areas:
                notes = [sa.text("description")] if sa.text("description") != name else []
                if sa.text("uri"):
                    notes.append(f"HSDS uri: {sa.text('uri')}")
                areas[area_id] = {
                    "id": area_id,
                    "name": name[:200],
                    "parent": root,
                    "notes": " ".join(n for n in notes if n),
                    "source": f"HSDS import of {self.src.name}: service_area {sa.id}",
                }
            self._extent(sa, area_id)
            self.area_of[sa.id] = area_id
        self._root(areas)
        return areas, zips

    def _extent(self, sa: Rec, area_id: str) -> None:
        """Keep a GeoJSON extent as the area's real shape (the atlas reads regions.geojson)."""
        text = sa.text("extent")
        if not text or area_id in self.extents:
            return
        kind = sa.text("extent_type").lower() or "geojson"
        geometry = None
        if kind == "geojson":
            try:
                geometry = _geometry(json.loads(text))
            except ValueError:
                geometry = None
        if geometry is None:
            self.problems.add(
                sa,
                "extent",
                text,
                f"not a GeoJSON geometry (extent_type {kind})",
                "extent not used; the area's shape comes from its ZIP codes",
            )
            return
        self.extents[area_id] = geometry

    def _root(self, areas: dict[str, dict[str, str]]) -> str:
        if self.root is None:
            root_id = unique_slug(self.region_name, areas)
            areas[root_id] = {
                "id": root_id,
                "name": self.region_name,
                "parent": "",
                "notes": "The whole area this imported dataset covers; made by the "
                "importer because the dataset has no area tree.",
                "source": f"HSDS import of {self.src.name}",
            }
            self.root = root_id
        return self.root

    def _area_row(self, area: dict[str, str], zips: dict[str, dict[str, str]]) -> dict[str, str]:
        extra = zips.get(area["id"], {})
        return {
            "id": area["id"],
            "name": area["name"],
            "parent": area["parent"],
            "zips": extra.get("zips", ""),
            "straddling_zips": extra.get("straddling_zips", ""),
            "source": extra.get("source") or area["source"],
            "notes": area["notes"],
        }


GEOMETRY_TYPES = {"Polygon", "MultiPolygon"}


def _unless(text: str, placeholder: str) -> str:
    """The text, or "" when it is the placeholder our own export writes for "none"."""
    return "" if text == placeholder else text


def _geometry(value: Any) -> dict | None:
    """A polygon geometry from a GeoJSON geometry, Feature or one-feature collection."""
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        features = value.get("features") or []
        value = features[0] if len(features) == 1 else None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if isinstance(value, dict) and value.get("type") in GEOMETRY_TYPES and value.get("coordinates"):
        try:
            from shapely.geometry import shape

            if shape(value).is_empty:
                return None
        except (ValueError, TypeError, AttributeError, IndexError):
            return None
        return value
    return None
