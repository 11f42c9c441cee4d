"""Load benchmark: the production server on 127.0.0.1 over a synthetic 10,000-agency directory.

Starts `directory serve` (gunicorn worker processes) on a free loopback port, drives a
realistic mix of requests from separate client processes, bounded in time and count, and
prints throughput, p50/p95/p99 latency and errors next to the same server's /healthz
throughput (the ceiling: routing, headers and the network stack, no domain work).

    python bench/load.py [--agencies 10000] [--workers 2] [--clients 8] [--seconds 20]
                         [--max-requests 20000] [--route mix|find-help|match|search|coverage]
                         [--reload] [--backend whoosh|tantivy] [--json]

`--reload` saves a new version of agencies.csv (same size, other descriptions) 3 s into the
measured run: the numbers are then latencies while every worker loads and indexes it in the
background, with the seconds until all workers serve it.

`--route find-help` drives only the find-help page (varied places, age groups, needs and
words), so its throughput can be read against /healthz on its own.

Only loopback addresses are ever contacted; every loop stops by itself.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from directory.cli import gunicorn_argv  # noqa: E402
from directory.config import DEFAULT_DATA_DIR  # noqa: E402

HOST = "127.0.0.1"
PLACES = [
    "15213",
    "15136",
    "Mt. Lebanon",
    "Lawrenceville",
    "Homestead",
    "Bridgeville",
    "15104",
    "Oakland",
    "40.44,-79.95",
    "5000 Forbes Ave, Pittsburgh PA 15213",
    "Penn Hills",
    "McKeesport",
    "Northside",
    "Wexford",
    "15001",
]
WORDS = [
    "psychiatrist",
    "rent help",
    "SSI appeal",
    "school",
    "bus pass",
    "job",
    "crisis",
    "housing",
    "counseling for my son",
    "peer support",
    "food",
    "doctor",
    "GED",
]
NEEDS = [
    "mental-health",
    "housing",
    "benefits",
    "employment",
    "education",
    "crisis",
    "transportation",
    "family-support",
    "substance-use",
]


def write_synthetic_data(folder: Path, count: int, seed: int = 7) -> list[str]:
    """The bundled region (areas, places, needs) with `count` synthetic agencies, marked sample."""
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    return write_synthetic_agencies(folder / "agencies.csv", count, seed)


def write_synthetic_agencies(path: Path, count: int, seed: int) -> list[str]:
    """`count` synthetic agencies (ids stable, the rest varied by `seed`) written to `path`."""
    rng = random.Random(seed)
    with (DEFAULT_DATA_DIR / "regions.csv").open(encoding="utf-8") as handle:
        areas = [row["id"] for row in csv.DictReader(handle)]
    with (DEFAULT_DATA_DIR / "agencies.csv").open(encoding="utf-8") as handle:
        columns = csv.DictReader(handle).fieldnames or []
    ids = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for n in range(count):
            agency_id = f"synthetic-agency-{n:06d}"
            ids.append(agency_id)
            formal = rng.random() < 0.7
            writer.writerow(
                {
                    "id": agency_id,
                    "name": f"Synthetic {rng.choice(['Family', 'Community', 'Valley', 'Recovery', 'Youth'])} "
                    f"{rng.choice(['Services', 'Center', 'Network', 'Partners'])} {n}",
                    "kind": "formal" if formal else "informal",
                    "levels": ";".join(rng.sample(["blended", "administrative"], rng.randint(1, 2)))
                    if formal
                    else "",
                    "age_groups": ";".join(rng.sample(["adult", "child"], rng.randint(1, 2))),
                    "areas": ";".join(rng.sample(areas, rng.randint(1, 3))),
                    "needs": ";".join(rng.sample(NEEDS, rng.randint(1, 4))),
                    "phones": f"412-555-{rng.randint(0, 9999):04d}",
                    "description": f"Synthetic sample record {n} for load testing; not a real agency. "
                    + " ".join(rng.sample(WORDS, 3)),
                    "source": "bench/load.py synthetic sample (not real)",
                    "verified_on": "2025-01-01",
                }
            )
    return ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


ROUTES = ("mix", "find-help", "match", "search", "coverage")


def one_route(rng: random.Random, route: str) -> str:
    """One path of a single route, varied like real searches (some with words, some without)."""
    person = {"near": rng.choice(PLACES), "age": rng.choice(["adult", "child"])}
    if rng.random() < 0.7:
        person["need"] = rng.choice(NEEDS)
    if rng.random() < 0.4:
        person["q"] = rng.choice(WORDS)
    if route == "find-help":
        return "/?" + urlencode(person)
    if route == "match":
        return "/api/v1/match?" + urlencode(person)
    if route == "coverage":  # the planners' page and its downloads, with the filters they use
        path = rng.choice(["/coverage", "/coverage.csv", "/api/v1/coverage"])
        filters = {"level": rng.choice(["", "blended", "administrative"]), "age": person["age"]}
        if rng.random() < 0.3:
            filters["need"] = person.get("need", "")
        return path + "?" + urlencode({k: v for k, v in filters.items() if v})
    return "/api/v1/search?" + urlencode({"q": rng.choice(WORDS), "age": person["age"]})


def request_mix(rng: random.Random, agency_ids: list[str], route: str = "mix") -> str:
    """One path from a realistic mix of what families, coordinators and planners ask."""
    if route != "mix":
        return one_route(rng, route)
    roll = rng.random()
    place = rng.choice(PLACES)
    person = {"near": place, "age": rng.choice(["adult", "child"]), "need": rng.choice(NEEDS)}
    if roll < 0.30:
        return "/?" + urlencode(person)
    if roll < 0.50:
        return "/api/v1/match?" + urlencode(person)
    if roll < 0.68:
        return "/api/v1/search?" + urlencode({"q": rng.choice(WORDS), "age": person["age"]})
    if roll < 0.73:
        return "/coverage?" + urlencode(
            {"level": rng.choice(["blended", "administrative"]), "age": person["age"]}
        )
    if roll < 0.78:
        return "/api/v1/coverage?" + urlencode({"need": person["need"]})
    if roll < 0.90:
        return "/agencies/" + rng.choice(agency_ids)
    return rng.choice(["/static/site.css", "/static/print.css"])


def client(
    port: int,
    paths: str | None,
    agency_ids: list[str],
    seed: int,
    stop_at: float,
    max_requests: int,
    results: multiprocessing.Queue,
    route: str = "mix",
) -> None:
    """One client process: sequential requests until the time or count budget runs out."""
    rng = random.Random(seed)
    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    for _ in range(max_requests):
        if time.monotonic() >= stop_at:
            break
        path = paths or request_mix(rng, agency_ids, route)
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = connection.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException):
            status = 0
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        if status == 0 or status >= 500:
            errors += 1
    results.put((latencies, errors, statuses))


def drive(
    port: int,
    clients: int,
    seconds: float,
    max_requests: int,
    agency_ids: list[str],
    path: str | None = None,
    route: str = "mix",
) -> dict:
    results: multiprocessing.Queue = multiprocessing.Queue()
    stop_at = time.monotonic() + seconds
    per_client = max(1, max_requests // clients)
    processes = [
        multiprocessing.Process(
            target=client,
            args=(port, path, agency_ids, seed, stop_at, per_client, results, route),
        )
        for seed in range(clients)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    gathered = [results.get(timeout=seconds + 120) for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join(timeout=10)
    latencies = sorted(ms for part in gathered for ms in part[0])
    statuses: dict = {}
    for part in gathered:
        for status, n in part[2].items():
            statuses[str(status)] = statuses.get(str(status), 0) + n

    def pct(p: float) -> float:
        return (
            round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 2)
            if latencies
            else 0.0
        )

    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "errors": sum(part[1] for part in gathered),
        "statuses": statuses,
    }


def reload_during(port: int, data: Path, count: int, after: float, seconds: float, out: dict):
    """Save a new version of agencies.csv (same ids, other descriptions) atomically `after`
    seconds into the run, then watch /healthz until every answer names the new version."""
    time.sleep(after)
    before = healthz(port).get("data_version")
    scratch = data / ".agencies.csv.saving"
    write_synthetic_agencies(scratch, count, seed=8)
    os.replace(scratch, data / "agencies.csv")
    saved = time.monotonic()
    out.update(saved_at_s=round(after, 1), old_version=before)
    deadline = saved + seconds
    streak = 0
    while time.monotonic() < deadline:
        version = healthz(port).get("data_version")
        if version and version != before:
            out.setdefault("first_worker_swapped_after_s", round(time.monotonic() - saved, 1))
            streak += 1
            if streak >= 12:  # a dozen answers in a row, from every worker
                out["all_workers_swapped_after_s"] = round(time.monotonic() - saved, 1)
                out["new_version"] = version
                return
        else:
            streak = 0
        time.sleep(0.5)
    out["all_workers_swapped_after_s"] = None  # not within the run


def healthz(port: int) -> dict:
    try:
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        connection.request("GET", "/healthz", headers={"Connection": "close"})
        return json.loads(connection.getresponse().read())
    except (OSError, ValueError, http.client.HTTPException):
        return {}


def wait_until_up(port: int, process: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--route", choices=ROUTES, default="mix", help="one route, or the mix")
    parser.add_argument("--backend", choices=("whoosh", "tantivy"), default="whoosh")
    parser.add_argument(
        "--reload",
        action="store_true",
        help="save a new version of agencies.csv a few seconds into the measured run and "
        "report latency while the workers load it in the background (and when they swap)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="directory-load-") as tmp:
        data = Path(tmp) / "data"
        agency_ids = write_synthetic_data(data, args.agencies)
        index = Path(tmp) / "index"
        env = {k: v for k, v in os.environ.items() if not k.startswith("DIRECTORY_")}
        env.update(
            DIRECTORY_DATA=str(data),
            DIRECTORY_INDEX_DIR=str(index),
            DIRECTORY_RATE_LIMIT_PER_MINUTE="0",
            DIRECTORY_SEARCH_BACKEND=args.backend,
            PYTHONPATH=str(ROOT),
        )
        # Build the index once up front, as a deployment would, so workers only open it.
        subprocess.run(
            [sys.executable, "-m", "directory", "build-index", "--out", str(index)],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                gunicorn_argv(HOST, port, args.workers),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_up(port, server)
            drive(port, args.clients, 3, 500, agency_ids)  # warm caches in every worker
            ceiling = drive(
                port, args.clients, args.seconds / 2, args.max_requests, agency_ids, path="/healthz"
            )
            reload: dict = {}
            watcher = None
            if args.reload:
                import threading

                watcher = threading.Thread(
                    target=reload_during,
                    args=(port, data, args.agencies, 3.0, args.seconds + 120, reload),
                    daemon=True,
                )
                watcher.start()
            mix = drive(
                port, args.clients, args.seconds, args.max_requests, agency_ids, route=args.route
            )
            if watcher is not None:
                watcher.join(timeout=args.seconds + 120)
                reload["swapped_within_run"] = (
                    reload.get("all_workers_swapped_after_s") is not None
                    and reload["all_workers_swapped_after_s"] + 3.0 <= mix["seconds"]
                )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    report = {
        "agencies": args.agencies,
        "workers": args.workers,
        "clients": args.clients,
        "route": args.route,
        "backend": args.backend,
        "mix": mix,
        "healthz_ceiling": ceiling,
        "ratio_to_ceiling": round(mix["throughput_rps"] / ceiling["throughput_rps"], 3),
    }
    if args.reload:
        report["reload"] = reload
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{args.agencies} agencies, {args.workers} workers, {args.clients} client processes, "
        f"route {args.route}"
    )
    for name in ("mix", "healthz_ceiling"):
        r = report[name]
        print(
            f"{name:16s} {r['throughput_rps']:8.1f} req/s  p50 {r['p50_ms']:.1f} ms  "
            f"p95 {r['p95_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms  errors {r['errors']}  "
            f"({r['requests']} requests, statuses {r['statuses']})"
        )
    print(f"ratio to ceiling: {report['ratio_to_ceiling']}")
    if args.reload:
        print(f"reload: {json.dumps(report['reload'])}")


if __name__ == "__main__":
    main()
