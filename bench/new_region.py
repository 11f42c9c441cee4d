"""new-region time and size: the whole command in one process, per county.

    python bench/new_region.py               # Los Angeles (06037), San Mateo (06081), Loving (48301)
    python bench/new_region.py 17031 55025   # any FIPS codes

Prints the one-off loads (the zipcodes table, the vendored county file) and, per county, the
seconds to plan and write the folder (checked by loading it back, as new-region does), its
ZIPs, places and size on disk. The folders are written to a temporary folder and removed.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would hide the package.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from directory.region_import import new_region  # noqa: E402
from geo.build_zip_points import package_records  # noqa: E402
from geo.counties import CountyFile  # noqa: E402

DEFAULT = ("06037", "06081", "48301")


def main(codes: list[str]) -> None:
    start = time.perf_counter()
    package_records()
    loaded = time.perf_counter()
    CountyFile.default()
    ready = time.perf_counter()
    print(f"zipcodes table {loaded - start:.2f} s; county file {ready - loaded:.2f} s (once)")
    work = Path(tempfile.mkdtemp(prefix="bench-new-region-"))
    try:
        for code in codes:
            out = work / code
            began = time.perf_counter()
            region = new_region([code], out)
            took = time.perf_counter() - began
            size = sum(p.stat().st_size for p in out.iterdir())
            print(
                f"{code} {region.name}: {took:.2f} s, {len(region.all_zips)} ZIPs, "
                f"{len(region.place_rows)} places, {size / 1024:.0f} kB"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:] or list(DEFAULT))
