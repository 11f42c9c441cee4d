"""Locating what a person typed: ZIP, "lat,lon", place name or address, offline first.

A point is placed by the municipality and city-neighbourhood polygons that hold it (when the
data folder has them, places.geojson), else by the service areas' shapes. The Location says
what it resolved to and whether that place lies wholly inside its areas.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .distance import haversine_km
from .places import (
    MAX_QUERY_CHARS,
    STREET_WORDS,
    Place,
    PlaceNotFound,
    TownElsewhere,
    normalise_name,
    strip_state,
    town_elsewhere,
)
from .zips import ZipPoint, lookup_package_zip, normalise_zip, zips_in_text

if TYPE_CHECKING:
    from .building import Geometry

log = logging.getLogger(__name__)  # events and counts only: never what a person typed

PLACE_KINDS = {
    "city": "municipality",
    "borough": "municipality",
    "township": "municipality",
    "neighbourhood": "neighbourhood",
    "district": "district",
    "community": "town",
    "service area": "service area",
}

PRECISIONS = ("zip", "place", "point", "address")
LAT_LON = re.compile(
    r"^\(?\s*([-+]?[0-9]{1,3}(?:\.[0-9]+)?)\s*[,;\s]\s*([-+]?[0-9]{1,3}(?:\.[0-9]+)?)\s*\)?$"
)
# Line breaks and tabs become spaces; other control and invisible characters are dropped.
SPACING = re.compile(r"[\t\n\r\v\f\u2028\u2029]")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\ufeff]")
# A geocoded point this far from the typed ZIP's centroid is more likely the geocoder's mistake.
GEOCODER_ZIP_TOLERANCE_KM = 25.0


@dataclass(frozen=True, slots=True)
class Location:
    """Where a person is, as far as we can tell, and which service areas hold them."""

    query: str
    label: str
    lat: float
    lon: float
    precision: str  # zip | place | point | address
    areas: tuple[str, ...]  # area ids, broadest first
    in_area: bool
    suggestions: tuple[str, ...] = ()
    note: str = ""
    # What the location resolved to, for "serves this place" versus "serves part of it":
    place: str = ""  # the municipality, neighbourhood, district, town or ZIP it resolved to
    place_kind: str = ""  # neighbourhood | municipality | district | town | zip | service area
    # | point (a point in no polygon) | "" outside
    partly_in: tuple[str, ...] = ()  # areas among `areas` (or under the last) holding only part

    def place_json(self) -> dict[str, Any]:
        """What the location resolved to, for JSON answers that add it to `to_json()`."""
        return {
            "place": self.place,
            "place_kind": self.place_kind,
            "partly_in": list(self.partly_in),
            "is_precise": self.is_precise,
        }

    @property
    def is_precise(self) -> bool:
        """True when every area in `areas` holds all of the place and no sub-area of the last
        holds part of it: a point, a neighbourhood, a municipality inside one area. A ZIP or
        town that straddles areas, or the whole city with its brochure areas, is not."""
        return not self.partly_in

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of `directory locate --json` and the API."""
        return {
            "query": self.query,
            "label": self.label,
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "precision": self.precision,
            "areas": list(self.areas),
            "in_area": self.in_area,
            "suggestions": list(self.suggestions),
            "note": self.note,
        }


class Locating:
    """The locate() half of the Atlas (geo.atlas.Atlas mixes it in)."""

    geometry: Geometry
    region_name: str
    geocoder: Any

    root_id: Any
    areas_for_zip: Any
    areas_containing: Any
    area_point: Any
    place_areas: Any

    def locate(self, text: str) -> Location:
        """Where a ZIP, ZIP+4, "lat,lon", place name or address is; raises PlaceNotFound with help."""
        query = _clean(text)
        if not query:
            raise PlaceNotFound(f"Enter a ZIP code, town or address in {self.region_name}.")
        if len(query) > MAX_QUERY_CHARS:
            raise PlaceNotFound(
                f"That is too long to be a place. Enter a ZIP code, town or "
                f"address in {self.region_name}."
            )
        code = normalise_zip(query)
        if code is not None:
            return self._locate_zip(query, code)
        match = LAT_LON.match(query)
        if match:
            return self._locate_point(query, float(match.group(1)), float(match.group(2)))
        return self._locate_words(query)

    def _locate_zip(
        self, query: str, code: str, precision: str = "zip", note: str = ""
    ) -> Location:
        areas = self.areas_for_zip(code)
        point = self._zip_point(code)
        if areas:
            lat_lon = (
                (point.lat, point.lon)
                if point and point.lat is not None and point.lon is not None
                else (self.area_point(areas[-1]))
            )
            if lat_lon is None:
                raise PlaceNotFound(f"ZIP code {code} has no location in our data.")
            label = point.label if point and point.city else code
            return Location(
                query,
                _short_zip_label(label),
                lat_lon[0],
                lat_lon[1],
                precision,
                areas,
                True,
                (),
                note,
                place=code,
                place_kind="zip",
                partly_in=self.geometry.zip_partly.get(code, ()),
            )
        if point is None or point.lat is None or point.lon is None:
            raise PlaceNotFound(
                f"We couldn't find ZIP code {code}. Check the number, or try a "
                f"town in {self.region_name}."
            )
        return Location(
            query,
            point.label,
            point.lat,
            point.lon,
            precision,
            (),
            False,
            (),
            _join(note, f"ZIP code {code} is outside {self.region_name}."),
        )

    def _zip_point(self, code: str) -> ZipPoint | None:
        point = self.geometry.zip_points.get(code)
        return point if point is not None else lookup_package_zip(code)

    def _locate_point(
        self,
        query: str,
        lat: float,
        lon: float,
        precision: str = "point",
        label: str = "",
        note: str = "",
    ) -> Location:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise PlaceNotFound(
                "That latitude/longitude is not on the map: latitude goes from "
                "-90 to 90 and longitude from -180 to 180."
            )
        # The polygons decide when they hold the point: the municipality (and, in the city,
        # the neighbourhood) and the areas those belong to. Else the areas' own shapes.
        index = self.geometry.place_index
        holders = index.holding(lon, lat)
        place, kind, inside = "", "", True
        if not holders:
            areas = tuple(self.areas_containing(lat, lon))
            root = self.root_id
            inside = bool(areas) if root is None else root in areas
            kind = "point" if inside else ""
            if inside and index:  # a sliver between simplified lines: the nearest polygon
                holders = index.holding(lon, lat, slivers=True)
        if holders:
            areas = self.geometry.tree.broadest_first(a for h in holders for a in h.area_ids)
            place, kind = holders[-1].name, holders[-1].precision
        if not inside:
            note = _join(note, f"This point is outside {self.region_name}.")
        return Location(
            query,
            label or f"{lat:.5f}, {lon:.5f}",
            lat,
            lon,
            precision,
            areas,
            inside,
            (),
            note,
            place=place,
            place_kind=kind,
        )

    def _locate_place(self, query: str, place: Place, note: str = "") -> Location:
        # Similar names ("Homestead" -> "West Homestead") help only when a name alone was typed.
        related = () if note else tuple(self.geometry.gazetteer.related(place))
        return Location(
            query,
            place.label,
            place.lat,
            place.lon,
            "place",
            self.place_areas(place),
            True,
            related,
            note,
            place=place.name,
            place_kind=PLACE_KINDS.get(place.kind, place.kind),
            partly_in=self.geometry.place_partly.get(id(place), ()),
        )

    def _locate_words(self, query: str) -> Location:
        gazetteer = self.geometry.gazetteer
        key = _strip_state(normalise_name(query))
        zip_codes = [z for z in zips_in_text(query) if self._zip_point(z) is not None]
        places = gazetteer.lookup(key) if key else []
        looks_like_address = bool(zip_codes) or bool(re.search(r"\d", query)) or "," in query
        if self.geocoder is not None and looks_like_address and not places:
            return self._locate_online(query, zip_codes)
        if zip_codes:
            return self._locate_zip(
                query, zip_codes[-1], note="Located by the ZIP code in the address."
            )
        if not places:
            places = self._places_in_address(query)
        if len(places) > 1:
            choices = [p.label for p in places]
            raise PlaceNotFound(
                f'"{_shown(query)}" could be more than one place: {", ".join(choices)}. Which one?',
                choices=choices,
            )
        if places:
            note = "Located by the place name in the address." if looks_like_address else ""
            return self._locate_place(query, places[0], note)
        outside = self._outside_town(query)
        if outside is not None:
            return Location(
                query,
                outside.label,
                outside.lat or 0.0,
                outside.lon or 0.0,
                "place",
                (),
                False,
                (),
                outside.message(self.region_name),
            )
        suggestions = gazetteer.suggest(key) if key else []
        hint = f" Did you mean {_or_list(suggestions[:3])}?" if suggestions else ""
        raise PlaceNotFound(
            f'We couldn\'t find "{_shown(query)}".{hint} Try a ZIP code or a '
            f"town in {self.region_name}.",
            suggestions=suggestions,
        )

    def _places_in_address(self, query: str) -> list[Place]:
        """Places named inside an address: the last comma part first, longest word run first."""
        gazetteer = self.geometry.gazetteer
        parts = [_strip_state(normalise_name(p)) for p in query.split(",")]
        for part in reversed([p for p in parts if p]):
            words = part.split()
            for size in range(min(len(words), gazetteer.max_words), 0, -1):
                for start in range(len(words) - size, -1, -1):
                    run = words[start : start + size]
                    after = words[start + size : start + size + 1]
                    if run[0].isdigit() or (after and after[0] in STREET_WORDS):
                        continue  # "Liberty Ave" is a street, not Liberty borough
                    found = gazetteer.lookup(" ".join(run))
                    if found:
                        return found
        return []

    def _outside_town(self, query: str) -> TownElsewhere | None:
        """A neighbouring postal town named in the text ("Aliquippa, PA"), reported as outside;
        else a farther US town, with or without its state (geo.places.town_elsewhere)."""
        names = self.geometry.outside_names
        for part in reversed([_strip_state(normalise_name(p)) for p in query.split(",")]):
            words = part.split()
            for size in range(min(len(words), 4), 0, -1):
                found = names.get(" ".join(words[-size:]))
                if found is not None:
                    return TownElsewhere.at(found)
        return town_elsewhere(query, self.geometry.gazetteer, self.geometry.tree.areas_by_zip)

    def _locate_online(self, query: str, zip_codes: list[str]) -> Location:
        """Geocode the full address; on any failure, fall back to the offline answer and say so."""
        fallback = (
            "The online address lookup did not answer, so this is the offline answer "
            "from the ZIP code or place name."
        )
        try:
            result = self.geocoder(query)
        except Exception as error:  # noqa: BLE001 - any geocoder failure means: answer offline
            log.warning("geocoder failed (%s); answered offline", type(error).__name__)
            return self._offline_with_note(query, zip_codes, fallback)
        if result is None:
            log.info("geocoder found nothing; answered offline")
            return self._offline_with_note(
                query,
                zip_codes,
                "The online address lookup did not recognise this address, "
                "so this is the offline answer from the ZIP code or place name.",
            )
        lat, lon = float(result.latitude), float(result.longitude)
        if zip_codes:
            by_zip = self._locate_zip(query, zip_codes[-1])
            if haversine_km(lat, lon, [by_zip.lat], [by_zip.lon])[0] > GEOCODER_ZIP_TOLERANCE_KM:
                return _with_note(
                    by_zip,
                    "The online address lookup placed this address far "
                    "from its ZIP code, so the ZIP code's location is used.",
                )
            # The typed ZIP decides the areas; the geocoder only sharpens the point.
            return replace(by_zip, label=query, lat=lat, lon=lon, precision="address", note="")
        return self._locate_point(query, lat, lon, "address", label=query)

    def _offline_with_note(self, query: str, zip_codes: list[str], note: str) -> Location:
        if zip_codes:
            return _with_note(self._locate_zip(query, zip_codes[-1]), note)
        places = self._places_in_address(query)
        if len(places) == 1:
            return self._locate_place(query, places[0], note)
        raise PlaceNotFound(
            f'We couldn\'t find "{_shown(query)}" without the online address '
            f"lookup. Try a ZIP code or a town in {self.region_name}.",
            choices=[p.label for p in places],
        )


def _clean(text: object) -> str:
    """Text with control and invisible characters removed and spaces collapsed."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = unicodedata.normalize("NFKC", SPACING.sub(" ", text[: MAX_QUERY_CHARS * 50]))
    return " ".join(CONTROL.sub("", text).split())


def _strip_state(key: str) -> str:
    """Drop a trailing state or country and ZIP: "oakland pittsburgh pa 15213" -> "oakland pittsburgh"."""
    return strip_state(key)  # geo.places: one state at most, so "Mount Washington PA" stays


def _shown(query: str) -> str:
    return query if len(query) <= 60 else query[:57] + "..."


def _or_list(items: Sequence[str]) -> str:
    quoted = [f'"{item}"' for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _join(*notes: str) -> str:
    return " ".join(n for n in notes if n)


def _with_note(location: Location, note: str) -> Location:
    return replace(location, note=_join(location.note, note))


def _short_zip_label(label: str) -> str:
    """ "15213 (Pittsburgh, Allegheny County, PA)" -> "15213 (Pittsburgh)" inside the region."""
    head, _, rest = label.partition(" (")
    return f"{head} ({rest.split(',')[0].rstrip(')')})" if rest else head
