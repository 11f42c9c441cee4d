"""Which service areas hold all of a person's place, and which only part of it (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from geo.places import normalise_name
from geo.zips import normalise_zip, zips_in_text

from ..catalog import Directory
from ..records import Agency


@dataclass(frozen=True, slots=True)
class PlaceParts:
    """Which service areas hold the whole of a person's place, and which only part of it."""

    whole: tuple[str, ...]  # broadest first: agencies serving one of these serve the person
    parts: tuple[str, ...] = ()  # only for imprecise places (a ZIP or town straddling areas)


# Precisions that name one neighbourhood, municipality or point: never "part of" anything else.
PRECISE = frozenset({"point", "address", "neighbourhood"})


def place_parts(directory: Directory, location) -> PlaceParts:
    """Split the location's areas into those holding all of it and those holding only part.

    A ZIP code an area lists as straddling is only partly inside it ("15201" is partly
    Lawrenceville), unless the area is the ZIP's own postal town ("15120" is Homestead's). A named town or city whose ZIP codes make up smaller areas ("Pittsburgh"
    holds Oakland) is partly inside each. A neighbourhood, a municipality inside one area, a
    point or an address is wholly where it is: it never gets parts.
    """
    areas = tuple(location.areas)
    if not areas or location.precision in PRECISE:
        return PlaceParts(areas)
    if location.precision == "zip":
        code = normalise_zip(location.query) or (zips_in_text(location.query) or [""])[-1]
        partly_in = _zips_partly_in(directory)
        straddling = [a for a in areas if code in partly_in[a]]
        if not straddling:
            return PlaceParts(areas)
        links = directory.filters.links
        whole = [a for a in areas if a not in straddling]
        held = {up for a in whole for up in links.ancestors(a)}  # a whole child: its parents too
        whole = [a for a in areas if a in held or a in whole]
        return PlaceParts(tuple(whole), tuple(a for a in areas if a not in held))
    place = _places_by_label(directory).get(location.label)
    if place is None or place.kind == "neighbourhood":
        return PlaceParts(areas)
    zips = set(place.zips)
    below = _areas_below(directory).get(areas[-1], ())
    wholly_in = _zips_wholly_in(directory)
    parts = tuple(a for a in below if not wholly_in[a].isdisjoint(zips))
    return PlaceParts(areas, parts)


def _zips_partly_in(directory: Directory) -> dict[str, frozenset[str]]:
    """Area -> the ZIP codes only partly inside it, once per data version: those it lists as
    straddling, except the one whose postal town it is. A brochure town area ("Homestead") is
    the town its post office names: that ZIP ("15120 Homestead") is wholly inside it."""

    def make() -> dict[str, frozenset[str]]:
        atlas = directory.atlas
        points = atlas.geometry.zip_points

        def town(code: str) -> str:
            return normalise_name(getattr(points.get(code), "city", "") or "")

        return {
            area_id: frozenset(
                code for code in area.straddling_zips if normalise_name(area.name) != town(code)
            )
            for area_id, area in atlas.areas.items()
        }

    return directory.memo(("zips-partly-in",), make)


def _zips_wholly_in(directory: Directory) -> dict[str, frozenset[str]]:
    """Area -> its ZIP codes but those it lists as straddling, once per data version."""

    def make() -> dict[str, frozenset[str]]:
        return {
            area_id: frozenset(area.zips) - frozenset(area.straddling_zips)
            for area_id, area in directory.atlas.areas.items()
        }

    return directory.memo(("zips-wholly-in",), make)


def _places_by_label(directory: Directory) -> dict:
    return directory.memo(
        ("places-by-label",), lambda: {p.label: p for p in directory.atlas.places}
    )


def _areas_below(directory: Directory) -> dict[str, tuple[str, ...]]:
    def make() -> dict[str, tuple[str, ...]]:
        links = directory.filters.links
        order = {a: n for n, a in enumerate(links.order)}
        return {
            area: tuple(sorted(below, key=order.__getitem__))
            for area, below in links.descendants().items()
        }

    return directory.memo(("areas-below",), make)


def parts_served(directory: Directory, agency: Agency, parts: Sequence[str]) -> tuple[str, ...]:
    """Which of the place's parts this agency serves (it lists the part or an area above it)."""
    links = directory.filters.links
    listed = set(agency.area_ids)
    return tuple(p for p in parts if listed.intersection(links.ancestors(p)))
