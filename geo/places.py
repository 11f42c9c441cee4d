"""Offline place names: the gazetteer (municipalities, neighbourhoods, postal towns) and name matching."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .files import read_csv_rows
from .states import STATES
from .zips import STANDARD, ZipPoint, lookup_record, normalise_zip, package_zips

# Words people abbreviate; both sides of a lookup are rewritten to the long form.
ABBREVIATIONS = {
    "mt": "mount",
    "mnt": "mount",
    "st": "saint",
    "ste": "saint",
    "twp": "township",
    "twsp": "township",
    "tp": "township",
    "boro": "borough",
    "bor": "borough",
    "hts": "heights",
    "hgts": "heights",
    "pk": "park",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "no": "north",
    "so": "south",
    "ctr": "center",
    "centre": "center",
    "neighborhood": "neighbourhood",
}
KIND_WORDS = ("township", "borough", "city", "neighbourhood", "municipality")
STREET_WORDS = {
    "street",
    "avenue",
    "ave",
    "av",
    "road",
    "rd",
    "boulevard",
    "blvd",
    "drive",
    "dr",
    "lane",
    "ln",
    "way",
    "place",
    "pl",
    "court",
    "ct",
    "pike",
    "highway",
    "hwy",
    "route",
    "rt",
    "terrace",
    "ter",
    "alley",
    "circle",
    "cir",
    "parkway",
    "pkwy",
    "square",
    "sq",
    "apt",
    "suite",
    "unit",
    "floor",
}
MAX_QUERY_CHARS = 200


class PlaceNotFound(ValueError):
    """A typed place we can't use, with a message for the person and what they might have meant."""

    def __init__(self, message: str, suggestions: Sequence[str] = (), choices: Sequence[str] = ()):
        super().__init__(message)
        self.message = message
        self.suggestions = tuple(suggestions)
        self.choices = tuple(choices)


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer row: a named place, the areas it belongs to, its ZIPs and a representative point."""

    name: str
    kind: (
        str  # city, borough, township, neighbourhood, district (group of neighbourhoods), community
    )
    municipality: str
    area_ids: tuple[str, ...]  # as listed (most specific); Atlas adds the ancestors
    zips: tuple[str, ...]
    lat: float
    lon: float
    aliases: tuple[str, ...]
    point_source: str
    notes: str = ""

    @property
    def label(self) -> str:
        """A name that tells same-named places apart: "Elizabeth Borough", "Mount Oliver, Pittsburgh"."""
        if self.kind in ("neighbourhood", "district") and self.municipality:
            return f"{self.name}, {self.municipality}"
        if self.kind == "community" and self.municipality:
            return f"{self.name} ({self.municipality})"
        if self.kind in ("borough", "township") and self.kind not in self.name.lower():
            return f"{self.name} {self.kind.title()}"
        return self.name


def normalise_name(text: str) -> str:
    """Lower-case words with accents, punctuation and abbreviations folded: "Mt. Lebanon" -> "mount lebanon"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    words = [ABBREVIATIONS.get(word, word) for word in words]
    joined: list[str] = []
    for word in words:  # "mc keesport" and "mckeesport" are the same town
        if joined and joined[-1] == "mc":
            joined[-1] = "mc" + word
        else:
            joined.append(word)
    return " ".join(joined)


# Words after a place that name the country or a state ("Madison, WI", "Pittsburgh, Penn.",
# "Trenton, New Jersey"). One-word state names are left out, as places end in them too
# ("Mount Washington", "Indiana Township"): "Madison Wisconsin" is found by its words anyway.
# MT is left out: normalising reads it as "mount".
COUNTRY_WORDS = {"usa", "us", "united states", "united states of america"}
STATE_NAMES = (
    {"penn", "pennsylvania"}
    | {abbreviation.lower() for abbreviation, _ in STATES.values() if abbreviation != "MT"}
    | {normalise_name(name) for _, name in STATES.values() if " " in name}
)
STATE_WORDS = COUNTRY_WORDS | STATE_NAMES


def strip_state(key: str) -> str:
    """A normalised place without what follows it: ZIPs, the country and one state, keeping at
    least one word: "oakland pittsburgh pa 15213" -> "oakland pittsburgh", "mount washington
    pa" -> "mount washington", "indiana" -> "indiana"."""
    words = key.split()
    while len(words) > 1 and words[-1].isdigit():
        words.pop()
    for names, repeat in ((COUNTRY_WORDS, True), (STATE_NAMES, False)):
        found = True
        while found:
            found = False
            for size in (4, 3, 2, 1):
                if len(words) > size and " ".join(words[-size:]) in names:
                    del words[-size:]
                    found = repeat
                    break
        while len(words) > 1 and words[-1].isdigit():
            words.pop()
    return " ".join(words)


# Any word or words naming a state -> its USPS abbreviation ("pennsylvania", "pa", "new york").
STATE_BY_WORD = {"penn": "PA"} | {
    word: abbreviation
    for abbreviation, name in STATES.values()
    for word in (abbreviation.lower(), normalise_name(name))
    if abbreviation != "MT" or word != "mt"
}


@dataclass(frozen=True, slots=True)
class TownElsewhere:
    """A US town outside the region, from the zipcodes package: in one state (with its first
    standard ZIP's point) or, named without a state, in several (no point: we can't tell which).
    `city`, `county`, `state`, `lat` and `lon` read like a ZipPoint's."""

    city: str  # as the package spells it ("SACRAMENTO")
    states: tuple[str, ...]  # USPS abbreviations, sorted
    point: ZipPoint | None  # the town's first standard ZIP, when there is one state

    @classmethod
    def at(cls, point: ZipPoint) -> TownElsewhere:
        return cls(point.city, (point.state,) if point.state else (), point)

    @property
    def name(self) -> str:
        return self.city.title()

    @property
    def county(self) -> str:
        return self.point.county if self.point else ""

    @property
    def state(self) -> str:
        return ", ".join(self.states)

    @property
    def lat(self) -> float | None:
        return self.point.lat if self.point else None

    @property
    def lon(self) -> float | None:
        return self.point.lon if self.point else None

    @property
    def label(self) -> str:
        """ "Sacramento, Sacramento County, CA"; "Springfield (AR, CO, ... or WV)"."""
        if len(self.states) > 1:
            return f"{self.name} ({_listed(self.states, 'or')})"
        return ", ".join(part for part in (self.name, self.county, self.state) if part)

    def message(self, region_name: str) -> str:
        """What to tell the person: outside the region, and in which states if several."""
        if len(self.states) > 1:
            return (
                f"{self.name} is a town in {len(self.states)} states "
                f"({_listed(self.states, 'and')}), all outside {region_name}. Add the state "
                f'("{self.name}, {self.states[0]}") or try a ZIP code or a town in {region_name}.'
            )
        return f"{self.name} is outside {region_name}."


def _listed(states: Sequence[str], conjunction: str) -> str:
    return states[0] if len(states) == 1 else f"{', '.join(states[:-1])} {conjunction} {states[-1]}"


def town_elsewhere(
    query: str, gazetteer: Gazetteer | None = None, home_zips: Container[str] = ()
) -> TownElsewhere | None:
    """A US town outside the region, from the zipcodes package, or None.

    Named with its state ("Pittsburgh, PA", "Springfield Illinois 62701"): that town, at its
    first standard ZIP's point (callers look the region's own places up first). Named without
    a state ("Sacramento", "12 Main St, Sacramento"): the last comma part, whole, when it is a
    town somewhere in the US; in several states it lists them and has no point. Never a town
    that is a postal name of one of the region's own ZIPs (`home_zips`: "Carson" is a USPS
    name for a Pittsburgh ZIP, so it is not "outside" Allegheny County). Given the region's
    `gazetteer`, a name with no state spelled like one of the region's places is left to "did
    you mean" (None): "Pittsburg" typed in Allegheny County means Pittsburgh, not Pittsburg, KS."""
    words = normalise_name(query).split()
    while words and (words[-1].isdigit() or words[-1] in COUNTRY_WORDS):
        words.pop()
    if words[-2:] == ["united", "states"]:
        del words[-2:]
    if not words:
        return None
    for size in (4, 3, 2, 1):
        state = STATE_BY_WORD.get(" ".join(words[-size:])) if len(words) > size else None
        if state is not None:
            town = words[:-size]
            break
    else:
        return _town_without_state(query, gazetteer, home_zips)
    towns = _package_towns()
    for start in range(len(town)):  # "12 main street pittsburgh" -> "pittsburgh" last
        found = towns.get((state, " ".join(town[start:])))
        if found is not None:
            if any(code in home_zips for code in found.zips):
                return None
            return TownElsewhere(found.name, (state,), found.point)
    return None


def _town_without_state(
    query: str, gazetteer: Gazetteer | None, home_zips: Container[str]
) -> TownElsewhere | None:
    key = ""
    for part in reversed(query.split(",")):  # the last part that is not just "USA" or a ZIP
        key = strip_state(normalise_name(part))
        if key and key not in COUNTRY_WORDS and not key.isdigit():
            break
    words = key.split()
    if not key or any(word.isdigit() for word in words):
        return None
    by_state = _package_towns_by_name().get(key)
    if not by_state:
        return None
    if any(code in home_zips for town in by_state.values() for code in town.zips):
        return None
    if gazetteer is not None and (gazetteer.lookup(key) or gazetteer.suggest(key)):
        return None
    first = next(iter(by_state.values()))
    if len(by_state) == 1:
        return TownElsewhere(first.name, tuple(by_state), first.point)
    return TownElsewhere(first.name, tuple(sorted(by_state)), None)


@dataclass(frozen=True, slots=True)
class _PackageTown:
    name: str  # the package's spelling of this name ("CARSON", an acceptable name)
    point: ZipPoint  # the first standard ZIP with the name (its city may be another name)
    zips: frozenset[str]  # every ZIP with the name in this state


@cache
def _package_towns_by_name() -> dict[str, dict[str, _PackageTown]]:
    """normalised town -> state -> the town (built once, from the whole package table; keyed
    by the package's names, never by what someone typed)."""
    by_name: dict[str, dict[str, _PackageTown]] = {}
    for (state, name), town in _package_towns().items():
        by_name.setdefault(name, {})[state] = town
    return by_name


@cache
def _package_towns() -> dict[tuple[str, str], _PackageTown]:
    """(state, normalised town) -> the town, from the zipcodes package (read once per process,
    on the first town typed that the region doesn't know)."""
    first: dict[tuple[str, str], tuple[str, ZipPoint]] = {}
    zips: dict[tuple[str, str], set[str]] = {}
    for record in sorted(
        package_zips(), key=lambda r: (r.get("zip_code_type") != STANDARD, r["zip_code"])
    ):
        point = lookup_record(record)
        for name in (record.get("city") or "", *(record.get("acceptable_cities") or [])):
            if name:
                key = (point.state, normalise_name(name))
                zips.setdefault(key, set()).add(record["zip_code"])
                if point.lat is not None and point.lon is not None:
                    first.setdefault(key, (name, point))
    return {
        key: _PackageTown(name, point, frozenset(zips[key])) for key, (name, point) in first.items()
    }


def strip_kind(key: str) -> str:
    """A name without its trailing kind word, so "ross township" is also found as "ross"."""
    words = key.split()
    while len(words) > 1 and words[-1] in KIND_WORDS:
        words.pop()
    if len(words) > 2 and words[0] == "city" and words[1] == "of":
        words = words[2:]
    return " ".join(words)


def read_places(path: Path, known_area_ids: Iterable[str], problems: list[str]) -> list[Place]:
    """Gazetteer rows from places.csv; a row with unknown areas or no point is reported and skipped."""
    known = set(known_area_ids)
    places: list[Place] = []
    rows = read_csv_rows(path, problems, ("name", "areas", "lat", "lon"))
    for line, row in enumerate(rows or [], start=2):
        name = (row.get("name") or "").strip()
        areas = tuple(a.strip() for a in (row.get("areas") or "").split(";") if a.strip())
        unknown = [a for a in areas if a not in known]
        try:
            lat, lon = float(row.get("lat") or ""), float(row.get("lon") or "")
        except ValueError:
            lat = lon = float("nan")
        if not name or unknown or not areas or lat != lat or not -90 <= lat <= 90:
            reason = (
                f'unknown area "{";".join(unknown)}"'
                if unknown
                else "no name"
                if not name
                else "no areas"
                if not areas
                else "no valid lat/lon"
            )
            problems.append(f'{path.name}:{line}: place "{name}": {reason}; row skipped')
            continue
        zips = tuple(z for z in (normalise_zip(p) for p in (row.get("zips") or "").split(";")) if z)
        aliases = tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip())
        places.append(
            Place(
                name,
                (row.get("kind") or "").strip().lower(),
                (row.get("municipality") or "").strip(),
                areas,
                zips,
                lat,
                lon,
                aliases,
                (row.get("point_source") or "").strip(),
                (row.get("notes") or "").strip(),
            )
        )
    return places


class Gazetteer:
    """Name -> places index; exact keys are dict lookups, near misses go through difflib."""

    def __init__(self, places: Sequence[Place], extra: Mapping[str, Place] | None = None):
        self.places = tuple(places)
        self.keys: dict[str, list[Place]] = {}
        for place in self.places:
            for key in self._keys_for(place):
                bucket = self.keys.setdefault(key, [])
                if place not in bucket:
                    bucket.append(place)
        # Extra names (service areas such as "North Hills") only where no place has the name.
        for name, place in (extra or {}).items():
            for key in {normalise_name(name), strip_kind(normalise_name(name))}:
                self.keys.setdefault(key, [place])
        self._spellings = sorted(self.keys)
        # Every run of words in every name, so "homestead" finds "west homestead" without a scan.
        self._by_word_run: dict[str, list[Place]] = {}
        for place in self.places:
            words = strip_kind(normalise_name(place.name)).split()
            runs = {
                " ".join(words[i:j])
                for i in range(len(words))
                for j in range(i + 1, len(words) + 1)
            }
            for run in runs:
                self._by_word_run.setdefault(run, []).append(place)
        self.max_words = max((len(k.split()) for k in self.keys), default=1)

    @staticmethod
    def _keys_for(place: Place) -> set[str]:
        names = [place.name, place.label, *place.aliases]
        if place.municipality:
            names += [f"{place.name} {place.municipality}"]
            names += [f"{alias} {place.municipality}" for alias in place.aliases]
        if place.kind in ("borough", "township", "city"):
            names += [f"{place.name} {place.kind}"]
        keys = {normalise_name(n) for n in names}
        return {k for k in keys | {strip_kind(k) for k in keys} if k}

    def lookup(self, key: str) -> list[Place]:
        """Places whose normalised name, label or alias is exactly `key`."""
        return self.keys.get(key, [])

    def suggest(self, key: str, limit: int = 5) -> list[str]:
        """Labels of places spelled like `key` ("lawrencevile" -> "Lawrenceville, Pittsburgh")."""
        key = key[:60]
        close = difflib.get_close_matches(key, self._spellings, n=limit * 3, cutoff=0.78)
        if not close:  # "springfeild township" -> try without the kind word too
            close = difflib.get_close_matches(
                strip_kind(key), self._spellings, n=limit * 3, cutoff=0.78
            )
        labels: list[str] = []
        for spelling in close:
            for place in self.keys[spelling]:
                if place.label not in labels:
                    labels.append(place.label)
        return labels[:limit]

    def related(self, place: Place, limit: int = 5) -> list[str]:
        """Other places whose name contains this one's ("Homestead" -> "West Homestead")."""
        base = strip_kind(normalise_name(place.name))
        found = {p.label for p in self._by_word_run.get(base, ()) if p.name != place.name}
        return sorted(found)[:limit]
