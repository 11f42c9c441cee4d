"""import-hsds time for a generated feed: N invented services in one real county, offline.

    python bench/import_hsds.py                 # N = 2000 and 6000 in Los Angeles County, CA
    python bench/import_hsds.py 500 --county 48301
    python bench/import_hsds.py 6000 --profile  # also print the top of a cProfile of the run

Every service, organisation and address is invented ("Bench service 17", "17 Bench Road");
only the ZIP codes, their towns and points come from the installed zipcodes package. A third
of the locations carry coordinates (near their ZIP's centroid), a third only a postal code
(they get the ZIP's centroid), a third both; service areas name ZIP codes, a town, the county
("Countywide") or carry a small GeoJSON extent around a ZIP. Prints the whole import's seconds
and the region placement's (place_region) share; the feed and folder go to a temporary folder
that is removed.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would hide the package.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from directory.hsds.importing import import_hsds  # noqa: E402
from directory.hsds.importing import region as region_module  # noqa: E402
from geo.counties import CountyFile  # noqa: E402
from geo.region import zip_counties  # noqa: E402
from geo.zips import package_zips  # noqa: E402


def _uuid(kind: int, number: int) -> str:
    return f"00000000-0000-4000-8{kind:03d}-{number:012d}"


def county_zips(county: str) -> list[dict]:
    """The standard ZIP records the zipcodes package files under the county, with points."""
    records = [r for r in package_zips() if r.get("zip_code_type") == "STANDARD" and r.get("lat")]
    inside = zip_counties(records, CountyFile.default(), [county])
    return [r for r in records if r["zip_code"] in inside]


def feed(n: int, county: str) -> list[dict]:
    """N nested HSDS services (invented) with addresses in the county's ZIPs."""
    zips = county_zips(county)
    if not zips:
        raise SystemExit(f"no standard ZIP with a point in county {county}")
    services = []
    for i in range(n):
        record = zips[i % len(zips)]
        lat, lon = float(record["lat"]), float(record["long"])
        location: dict = {
            "id": _uuid(2, i),
            "name": f"Bench site {i}",
            "addresses": [
                {
                    "id": _uuid(3, i),
                    "address_1": f"{i} Bench Road",
                    "city": record["city"].title(),
                    "state_province": record["state"],
                    "postal_code": record["zip_code"],
                    "country": "US",
                    "address_type": "physical",
                }
            ],
        }
        if i % 3 != 1:  # a third have only a postal code
            location["latitude"] = round(lat + (i % 7 - 3) * 0.001, 5)
            location["longitude"] = round(lon + (i % 5 - 2) * 0.001, 5)
            if i % 3 == 2:
                location["addresses"][0]["postal_code"] = ""
        kind = i % 4
        if kind == 0:
            area = {"name": f"Bench area {i}", "description": f"ZIP codes {record['zip_code']}"}
        elif kind == 1:
            area = {"name": f"{record['city'].title()} residents {i}", "description": ""}
        elif kind == 2:
            area = {"name": "Countywide", "description": "Everyone in the county."}
        else:
            d = 0.02
            box = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d]]
            area = {
                "name": f"Bench extent {i}",
                "extent": json.dumps({"type": "Polygon", "coordinates": [[*box, box[0]]]}),
                "extent_type": "geojson",
            }
        services.append(
            {
                "id": _uuid(6, i),
                "name": f"Bench service {i}",
                "status": "active",
                "description": "Invented benchmark record; not a real organisation.",
                "organization": {
                    "id": _uuid(1, i),
                    "name": f"Bench organisation {i}",
                    "description": "Invented benchmark record.",
                },
                "service_at_locations": [{"id": _uuid(4, i), "location": location}],
                "service_areas": [{"id": _uuid(5, i), **area}],
            }
        )
    return services


def run(n: int, county: str, profile: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-import-hsds-"))
    placed = [0.0]
    original = region_module.place_region

    def timed(*args, **kwargs):
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            placed[0] += time.perf_counter() - began

    try:
        src = work / "services.json"
        src.write_text(json.dumps(feed(n, county)), encoding="utf-8")
        import directory.hsds.importing as importing

        importing.place_region = timed
        profiler = cProfile.Profile() if profile else None
        began = time.perf_counter()
        if profiler:
            profiler.enable()
        report = import_hsds(src, work / "out")
        if profiler:
            profiler.disable()
        took = time.perf_counter() - began
        importing.place_region = original
        print(
            f"N={n} county {county}: import {took:.2f} s, of which place_region "
            f"{placed[0]:.2f} s; written={report.written}, {report.agencies} agencies, "
            f"{len(report.problems)} problems"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="*", default=[2000, 6000])
    parser.add_argument("--county", default="06037")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    package_zips(), CountyFile.default()  # one-off loads, timed by bench/new_region.py
    for n in args.n:
        run(n, args.county, args.profile)


if __name__ == "__main__":
    main(sys.argv[1:])
