"""Places and shapes for the directory: locate a person, which service areas hold them, distances.

Imports nothing from directory/ and nothing from Flask, so it runs in a REPL, a benchmark or a test.
"""

from __future__ import annotations

from .areas import Area, read_regions
from .atlas import Atlas, Location
from .boundaries import PlaceShape
from .distance import geodesic_km, haversine_km
from .places import PlaceNotFound
from .zips import normalise_zip

__all__ = [
    "Area",
    "Atlas",
    "Location",
    "PlaceNotFound",
    "PlaceShape",
    "geodesic_km",
    "haversine_km",
    "normalise_zip",
    "read_regions",
]
