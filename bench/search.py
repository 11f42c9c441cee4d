"""Search benchmark on a synthetic directory: build time, index size, query latency, as JSON.

    python bench/search.py --n 10000                       # Whoosh, the default
    python bench/search.py --n 100000 --backend tantivy --profile

The directory is generated from a fixed seed: N agencies over a few hundred areas in a
three-level tree (region, districts, neighbourhoods), the bundled need vocabulary, and
names and descriptions drawn from a small lexicon, so runs are comparable. Queries are a
deterministic mix of what people type (need synonyms, name words, typos, long sentences)
and what coordinators filter on. Latency is per `SearchEngine.search` call, facets included.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory.config import DEFAULT_DATA_DIR  # noqa: E402
from directory.loading import load_data  # noqa: E402
from directory.records import AgeGroup, Agency, Area, DataSet, Kind, Level  # noqa: E402
from directory.search_engine import SearchEngine, SearchQuery  # noqa: E402

SYLLABLES = (
    "al",
    "ber",
    "cas",
    "den",
    "el",
    "fair",
    "glen",
    "har",
    "iv",
    "jun",
    "kel",
    "lin",
    "mar",
    "nor",
    "oak",
    "pen",
    "quin",
    "ros",
    "sil",
    "tor",
    "ul",
    "ver",
    "wil",
    "york",
)
KINDS_OF_PLACE = (
    "Family",
    "Community",
    "Behavioral Health",
    "Youth",
    "Recovery",
    "Counseling",
    "Housing",
    "Neighborhood",
    "Care",
    "Wellness",
    "Senior",
    "Legal Aid",
)
SUFFIXES = (
    "Center",
    "Services",
    "Network",
    "Alliance",
    "Partners",
    "Clinic",
    "Project",
    "Association",
    "House",
    "Collaborative",
)
FILLER = (
    "offers",
    "provides",
    "support",
    "for",
    "people",
    "families",
    "in",
    "the",
    "area",
    "with",
    "help",
    "getting",
    "appointments",
    "walk-in",
    "hours",
    "weekday",
    "evening",
    "bilingual",
    "staff",
    "peer",
    "groups",
    "referrals",
    "accepted",
    "from",
    "schools",
    "doctors",
    "courts",
    "free",
    "sliding",
    "scale",
    "fees",
    "confidential",
    "phone",
    "intake",
    "same-day",
    "home",
    "visits",
    "transportation",
    "available",
    "on",
    "request",
    "spanish",
    "arabic",
    "nepali",
    "sign",
    "language",
)


def synthetic_data(n: int, seed: int = 7, districts: int = 12, per_district: int = 24) -> DataSet:
    """N agencies over 1 + districts + districts * per_district areas (default 301)."""
    rng = random.Random(seed)
    needs = load_data(DEFAULT_DATA_DIR).needs  # the vocabulary only; nothing regional
    words = sorted({a + b for a in SYLLABLES for b in SYLLABLES})
    areas = [Area(id="region", name="Region", parent=None, zips=())]
    small: list[str] = []
    for d in range(districts):
        district = f"district-{d}"
        areas.append(
            Area(id=district, name=f"{words[d * 7].title()} District", parent="region", zips=())
        )
        for k in range(per_district):
            area_id = f"{district}-place-{k}"
            word = words[(d * per_district + k) * 3 % len(words)]
            areas.append(Area(id=area_id, name=f"{word.title()} {k}", parent=district, zips=()))
            small.append(area_id)
    district_ids = [a.id for a in areas if a.parent == "region"]
    centres = {
        area_id: (40.2 + rng.random() * 0.6, -80.3 + rng.random() * 0.6) for area_id in small
    }
    agencies = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.05:
            area_ids: tuple[str, ...] = ("region",)
        elif roll < 0.3:
            area_ids = (rng.choice(district_ids),)
        else:
            area_ids = tuple(dict.fromkeys(rng.choice(small) for _ in range(rng.randint(1, 3))))
        formal = rng.random() < 0.6
        served = rng.sample(needs, rng.randint(1, 6))
        lat_lon = centres[area_ids[0]] if area_ids[0] in centres else None
        name = f"{rng.choice(words).title()} {rng.choice(KINDS_OF_PLACE)} {rng.choice(SUFFIXES)}"
        description = " ".join(
            [rng.choice(served).label.lower()]
            + rng.choices(FILLER, k=rng.randint(8, 24))
            + rng.choices(words, k=3)
        )
        agencies.append(
            Agency(
                id=f"agency-{i}",
                name=name,
                kind=Kind.FORMAL if formal else Kind.INFORMAL,
                levels=frozenset(rng.sample(list(Level), rng.randint(1, 2)))
                if formal
                else frozenset(),
                age_groups=frozenset(rng.sample(list(AgeGroup), rng.randint(1, 2))),
                area_ids=area_ids,
                needs=frozenset(need.code for need in served),
                phones=(f"412-555-{i % 10000:04d}",),
                source="synthetic benchmark data",
                verified_on=None,
                description=description,
                eligibility=rng.choice(
                    ("", "Anyone may call.", "Ages 18 and over.", "Children and their families.")
                ),
                latitude=None if lat_lon is None or rng.random() < 0.5 else lat_lon[0],
                longitude=None if lat_lon is None or rng.random() < 0.5 else lat_lon[1],
            )
        )
    # Coordinates go together: drop half-set pairs made by the two rolls above.
    agencies = [
        a
        if (a.latitude is None) == (a.longitude is None)
        else Agency(
            **{**{f: getattr(a, f) for f in a.__slots__}, "latitude": None, "longitude": None}
        )
        for a in agencies
    ]
    return DataSet(
        folder=Path("synthetic"),
        agencies=tuple(agencies),
        areas=tuple(areas),
        needs=tuple(needs),
        fingerprint=f"synthetic-{n}-{seed}",
    )


def queries(data: DataSet, count: int, seed: int = 11) -> dict[str, list[SearchQuery]]:
    """A deterministic mix: text only, text with filters, filters only."""
    rng = random.Random(seed)
    synonyms = [s for need in data.needs for s in need.synonyms]
    sample = rng.sample(data.agencies, min(200, len(data.agencies)))
    name_words = [agency.name.split()[0] for agency in sample]
    sentences = [
        "psychiatrist for my daughter",
        "rent help",
        "ssi appeal",
        "my son needs help with school and a psychiatrist",
        "bus pass for appointments",
        "someone to talk to about drinking",
        "food bank near me",
        "job training ged",
    ]

    def typo(word: str) -> str:
        if len(word) < 5:
            return word
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]

    def text() -> str:
        roll = rng.random()
        if roll < 0.35:
            return rng.choice(synonyms)
        if roll < 0.55:
            return rng.choice(name_words)
        if roll < 0.7:
            return typo(rng.choice(synonyms + name_words))
        if roll < 0.9:
            return rng.choice(sentences)
        return " ".join(rng.choices(FILLER, k=3))

    area_ids = [a.id for a in data.areas]
    need_codes = [n.code for n in data.needs]

    def filters() -> dict:
        chosen: dict = {}
        if rng.random() < 0.6:
            chosen["areas"] = (rng.choice(area_ids),)
        if rng.random() < 0.5:
            chosen["age_groups"] = (rng.choice(["adult", "child"]),)
        if rng.random() < 0.4:
            chosen["levels"] = (rng.choice(["blended", "administrative"]),)
        if rng.random() < 0.4 or not chosen:
            chosen["needs"] = (rng.choice(need_codes),)
        return chosen

    return {
        "text": [SearchQuery(q=text()) for _ in range(count)],
        "filtered": [SearchQuery(q=text(), **filters()) for _ in range(count)],
        "filters_only": [SearchQuery(**filters()) for _ in range(count)],
    }


def timed(engine: SearchEngine, batch: list[SearchQuery], **options) -> dict[str, float]:
    times = []
    for query in batch:
        started = time.perf_counter()
        engine.search(query, **options)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 3),
        "max_ms": round(times[-1], 3),
    }


def match_and_coverage(data: DataSet, count: int, seed: int) -> dict:
    """Median/p95 ms of match() for people at random small places, and coverage() of all areas."""
    from directory.catalog import Directory
    from directory.coverage import compute_coverage
    from directory.matching import match
    from geo.atlas import Location

    directory = Directory.from_data(data, {"GEOCODER": "offline"}, search_index=False)
    rng = random.Random(seed)
    places = [a for a in data.areas if a.parent and a.parent != "region"]
    codes = [need.code for need in data.needs]
    times = []
    for _ in range(count):
        place = rng.choice(places)
        location = Location(
            "bench",
            place.name,
            40.5,
            -80.0,
            "place",
            ("region", place.parent, place.id),
            True,
            (),
            "",
        )
        started = time.perf_counter()
        match(
            directory,
            location,
            rng.choice([None, *AgeGroup]),
            rng.sample(codes, rng.randint(0, 3)),
            rng.choice([None, *Level]),
        )
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    coverage_ms = []
    for level, group, need in [
        (None, None, None),
        (Level.BLENDED, AgeGroup.CHILD, None),
        (None, None, codes[0]),
    ]:
        started = time.perf_counter()
        compute_coverage(directory, level, group, need)  # uncached: the real cost
        coverage_ms.append(round((time.perf_counter() - started) * 1000, 1))
    return {
        "match": {
            "median_ms": round(statistics.median(times), 3),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 3),
        },
        "coverage_all_areas_ms": coverage_ms,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="agencies to generate")
    parser.add_argument("--backend", choices=["whoosh", "tantivy"], default="whoosh")
    parser.add_argument("--queries", type=int, default=300, help="queries per kind")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--profile", action="store_true", help="print the top functions of the query loop to stderr"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    data = synthetic_data(args.n, args.seed)
    generate_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="bench-index-") as root:
        started = time.perf_counter()
        engine = SearchEngine.build(data, {"SEARCH_BACKEND": args.backend, "INDEX_DIR": root})
        build_s = time.perf_counter() - started
        folder = engine.index.folder
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        manifest = json.loads((folder / "manifest.json").read_text())
        started = time.perf_counter()
        reopened = SearchEngine.build(data, {"SEARCH_BACKEND": args.backend, "INDEX_DIR": root})
        open_s = time.perf_counter() - started
        assert reopened.index.folder == folder
        batches = queries(data, args.queries)
        for batch in batches.values():  # warm caches (stems, spelling) once, as a server would
            for query in batch[:20]:
                engine.search(query)
        profile = cProfile.Profile() if args.profile else None
        if profile:
            profile.enable()
        report = {
            "backend": args.backend,
            "agencies": args.n,
            "areas": len(data.areas),
            "generate_seconds": round(generate_s, 2),
            "build_seconds": round(build_s, 2),
            "index_build_seconds": manifest["build_seconds"],
            "open_seconds": round(open_s, 2),
            "index_bytes": size,
            "queries_per_kind": args.queries,
            "search": {kind: timed(engine, batch) for kind, batch in batches.items()},
            "search_without_facets": {
                kind: timed(engine, batch, with_facets=False) for kind, batch in batches.items()
            },
        }
        report.update(match_and_coverage(data, args.queries, args.seed))
        if profile:
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(18)
            print(out.getvalue(), file=sys.stderr)
        engine.index.close()
        reopened.index.close()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
