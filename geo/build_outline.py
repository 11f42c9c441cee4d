"""Write a county outline (one or more counties) as GeoJSON, from the vendored us-atlas file.

`directory new-region` writes the outline this way; this module is the same step on its own,
and rebuilds the bundled data/county_outline.geojson byte for byte:

    python -m geo.build_outline 42003 data/county_outline.geojson

42003 is the FIPS code of Allegheny County, Pennsylvania; another region passes its own
(several codes for a multi-county region). `--topojson` reads another copy of us-atlas's
counties-10m.json instead of geo/data's (see geo/data/SOURCE.md).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shapely.geometry import mapping

from .counties import ATLAS_SOURCE, COUNTIES_FILE, CountyFile

OUTLINE_NOTE = (
    "Generalised at 1:10,000,000; edges are accurate to a few hundred "
    "metres, so points right on the county line may fall either side."
)


def outline_collection(
    counties: CountyFile, codes: Sequence[str], source: str = ATLAS_SOURCE
) -> dict[str, Any]:
    """A FeatureCollection with one feature per county, each with its FIPS code, name and source."""
    features = [
        {
            "type": "Feature",
            "properties": {
                "fips": code,
                "name": counties.names[counties.check(code)],
                "source": source,
                "note": OUTLINE_NOTE,
            },
            "geometry": mapping(counties.shape(code)),
        }
        for code in codes
    ]
    return {"type": "FeatureCollection", "features": features}


def write_outline(path: Path, collection: dict[str, Any]) -> None:
    path.write_text(json.dumps(collection, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Write the outline of the given counties."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fips", nargs="+", help="5-digit county FIPS code(s), e.g. 42003")
    parser.add_argument("output", type=Path)
    parser.add_argument("--topojson", type=Path, default=COUNTIES_FILE)
    parser.add_argument("--source", default=ATLAS_SOURCE)
    args = parser.parse_args(argv)
    counties = CountyFile(args.topojson)
    collection = outline_collection(counties, args.fips, args.source)
    write_outline(args.output, collection)
    names = ", ".join(counties.label(code) for code in args.fips)
    print(f"Wrote {args.output}: {names}.")


if __name__ == "__main__":
    main()
