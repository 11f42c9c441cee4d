"""Geo speed: median and p95 microseconds for locate on ZIPs, points and names, and on 2,000 areas.

    python bench/geo.py

Measures the warm path (Atlas built); the builds are printed separately. Points are placed
by the municipality and neighbourhood polygons of data/places.geojson where they hold them.
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would hide the package.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from geo import Atlas, PlaceNotFound, haversine_km, read_regions  # noqa: E402
from geo.areas import Area  # noqa: E402
from geo.distance import geodesic_km  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"


def timed(
    label: str, inputs: Sequence[str], call: Callable[[str], object], rounds: int = 5
) -> None:
    """Print median and p95 microseconds of one call per input, over a few rounds."""
    samples = []
    for _ in range(rounds):
        for text in inputs:
            start = time.perf_counter_ns()
            try:
                call(text)
            except PlaceNotFound:
                pass
            samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(
        f"{label:<44} n={len(samples):>6}  median {statistics.median(samples):8.1f} us"
        f"  p95 {p95:8.1f} us"
    )


def synthetic_folder(count: int) -> tuple[list[Area], Path]:
    """A state-sized grid of `count` square areas under one root, as a regions.geojson folder."""
    folder = Path(tempfile.mkdtemp(prefix="geo-bench-"))
    side = int(count**0.5) + 1
    features, areas = [], [Area("state", "Synthetic State", None, ())]
    for n in range(count):
        x0, y0 = -80.5 + (n % side) * 0.07, 39.7 + (n // side) * 0.05
        ring = [[x0, y0], [x0 + 0.07, y0], [x0 + 0.07, y0 + 0.05], [x0, y0 + 0.05], [x0, y0]]
        features.append(
            {
                "type": "Feature",
                "properties": {"id": f"a{n}", "source": "synthetic"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
        areas.append(Area(f"a{n}", f"Area {n}", "state", ()))
    (folder / "regions.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    return areas, folder


def main() -> None:
    """Run every measurement and print one line each."""
    rng = random.Random(1)
    areas = read_regions(DATA / "regions.csv")
    start = time.perf_counter()
    atlas = Atlas.build(areas, DATA)
    print(f"{'Atlas.build, county, first':<44} {1000 * (time.perf_counter() - start):8.1f} ms")
    start = time.perf_counter()
    Atlas.build(areas, DATA)
    # No module-level cache: each data version builds its own Atlas, and a reload frees it.
    print(f"{'Atlas.build, county, again':<44} {1000 * (time.perf_counter() - start):8.1f} ms")

    zips = sorted({z for a in areas for z in a.zips})
    west, south, east, north = atlas.shape(atlas.root_id).bounds
    points = [f"{rng.uniform(south, north):.5f},{rng.uniform(west, east):.5f}" for _ in range(500)]
    names = [p.name for p in atlas.places if p.kind != "neighbourhood"][:100] + [
        "Mt. Lebanon",
        "Lawrenceville",
        "Ross Twp",
        "Squirrel Hill, Pittsburgh",
    ]
    misses = ["Sprngfield", "Lawrencevile", "Monroevile", "Nowhere Special"]
    addresses = [
        "5000 Forbes Ave, Pittsburgh PA 15213",
        "100 Station St, Bridgeville, PA",
        "4800 Liberty Ave, Pittsburgh",
    ]

    timed(f"locate ZIP ({len(zips)} county ZIPs)", zips, atlas.locate)
    timed("locate lat,lon (500 random in bbox)", points, atlas.locate)
    timed(f"locate name ({len(names)} exact names)", names, atlas.locate)
    timed("locate address (ZIP or town inside)", addresses, atlas.locate)
    timed("locate near miss (fuzzy suggestions)", misses, atlas.locate)
    timed("locate outside ZIP (shipped neighbours)", ["15001", "15301", "16066"], atlas.locate)

    synthetic, folder = synthetic_folder(2000)
    try:
        start = time.perf_counter()
        big = Atlas.build(synthetic, folder)
        print(
            f"{'Atlas.build, 2,000 synthetic areas':<44} {1000 * (time.perf_counter() - start):8.1f} ms"
        )
        w, s, e, n = big.shape("state").bounds
        spots = [f"{rng.uniform(s, n):.5f},{rng.uniform(w, e):.5f}" for _ in range(500)]
        timed("locate lat,lon, 2,000 synthetic areas", spots, big.locate)
    finally:
        shutil.rmtree(folder)

    lats = [rng.uniform(40.2, 40.7) for _ in range(10_000)]
    lons = [rng.uniform(-80.4, -79.7) for _ in range(10_000)]
    start = time.perf_counter()
    haversine_km(40.44, -79.99, lats, lons)
    print(f"{'haversine_km, 10,000 distances':<44} {1000 * (time.perf_counter() - start):8.2f} ms")
    start = time.perf_counter()
    for lat, lon in zip(lats[:1000], lons[:1000]):
        geodesic_km(40.44, -79.99, lat, lon)
    print(
        f"{'geodesic_km, 1,000 distances one by one':<44} {1000 * (time.perf_counter() - start):8.2f} ms"
    )


if __name__ == "__main__":
    main()
