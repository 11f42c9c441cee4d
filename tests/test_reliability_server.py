"""The production server keeps the last good directory across restarts, and slow or hostile
clients can't stall it or put words in its log (issue 12)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from test_server import free_port, get

from directory.cli import gunicorn_argv

ROOT = Path(__file__).resolve().parents[1]
MARKER = "zzlogmarker7731"
pytestmark = pytest.mark.slow


def health(base: str) -> dict:
    status, body = get(base + "/healthz", timeout=10)
    assert status == 200
    return json.loads(body)


def wait_for(check, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


@pytest.fixture()
def serve(tmp_path):
    """Start `directory serve`'s gunicorn on a copy of the data, index and snapshots in tmp."""
    started = []

    def start(data: Path, workers: int = 2):
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DIRECTORY_")}
        env.update(
            DIRECTORY_DATA=str(data),
            DIRECTORY_INDEX_DIR=str(tmp_path / "index"),
            DIRECTORY_RELOAD_SECONDS="0.2",
            DIRECTORY_STABLE_SECONDS="0.2",
            DIRECTORY_RATE_LIMIT_PER_MINUTE="0",
            PYTHONPATH=str(ROOT),
        )
        log = tmp_path / f"server{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                gunicorn_argv("127.0.0.1", port, workers),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: get(base + "/healthz", timeout=2)[0] == 200 or process.poll())
        assert process.poll() is None, log.read_text(errors="replace")
        return base, process, log

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True)
    return [int(pid) for pid in out.stdout.split()]


def break_a_row(data: Path) -> None:
    path = data / "agencies.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].split(",")
    fields = lines[1].split(",")
    fields[header.index("kind")] = "nope"
    lines[1] = ",".join(fields)
    path.write_text("".join(lines), encoding="utf-8")


def test_bad_row_survives_sighup_and_a_killed_worker(data_copy, serve):
    base, process, _ = serve(data_copy)
    before = health(base)
    total = before["agencies"] + before["informal_supports"]
    break_a_row(data_copy)
    wait_for(lambda: health(base)["rejected_reload"])
    process.send_signal(signal.SIGHUP)  # the README's roll-out step: new workers boot
    time.sleep(1)
    wait_for(lambda: get(base + "/healthz", timeout=2)[0] == 200)
    for _ in range(10):  # requests land on both workers
        after = health(base)
        assert after["agencies"] + after["informal_supports"] == total
        assert after["data_version"] == before["data_version"]
        assert after["serving"] == "snapshot"
    os.kill(worker_pids(process.pid)[0], signal.SIGKILL)  # the master boots a replacement
    time.sleep(1)
    for _ in range(10):
        status, body = get(base + "/healthz", timeout=10)
        assert json.loads(body)["data_version"] == before["data_version"]


def test_broken_outline_restart_keeps_the_server_up_on_the_same_version(data_copy, serve):
    base, process, _ = serve(data_copy)
    version = health(base)["data_version"]
    (data_copy / "county_outline.geojson").write_text(
        '{"type":"FeatureCollection","features":[', encoding="utf-8"
    )
    time.sleep(1)
    process.send_signal(signal.SIGHUP)
    time.sleep(2)
    assert process.poll() is None
    wait_for(lambda: get(base + "/healthz", timeout=2)[0] == 200)
    for _ in range(6):
        assert health(base)["data_version"] == version


def test_eight_slow_sockets_leave_healthz_answering(data_copy, serve):
    base, _, _ = serve(data_copy, workers=2)
    port = int(base.rsplit(":", 1)[1])
    slow = []
    for _ in range(8):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finish
        slow.append(sock)
    try:
        time.sleep(0.5)
        for _ in range(4):
            # A generous bound as a timeout (not a benchmark): sync workers waited 30 s.
            assert get(base + "/healthz", timeout=5)[0] == 200
    finally:
        for sock in slow:
            sock.close()


def raw(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(payload)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except OSError:
            pass
    return b"".join(chunks)


def test_gunicorn_log_holds_no_words_from_bad_requests(data_copy, serve):
    base, process, log = serve(data_copy)
    port = int(base.rsplit(":", 1)[1])
    raw(port, f"GET /?near=15213&q={MARKER} HTTP/1.1 extra\r\n\r\n".encode())
    raw(port, f"GET /?near=Mt Lebanon&q={MARKER} eating HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    answer = raw(
        port,
        f"GET /?near=15213&q={MARKER} HTTP/1.1\r\nHost: {'a' * 300}\r\n"
        "Connection: close\r\n\r\n".encode(),
    )
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"Content-Security-Policy" in answer
    evil = raw(port, b"GET /list HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert evil.startswith(b"HTTP/1.1 400") and b"evil.example" not in evil
    assert get(base + "/healthz")[0] == 200
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=40)
    text = log.read_text(errors="replace")
    assert MARKER not in text
    assert "Traceback" not in text


def test_header_only_and_cut_files_are_refused_by_a_running_server(data_copy, serve):
    base, process, log = serve(data_copy)
    before = health(base)
    path = data_copy / "agencies.csv"
    whole = path.read_bytes()
    # Cut to its header line (a save that stopped early): refused, counts unchanged.
    path.write_bytes(whole.split(b"\n", 1)[0] + b"\n")
    refused = wait_for(lambda: (h := health(base)).get("refused_because") and h)
    assert refused["refused_because"] == "1 file(s) unusable"
    assert "header but no rows" in refused["rejected_reload"][0]["reason"]
    # Cut at 60% of its bytes, mid-row: refused too.
    cut = whole[: int(len(whole) * 0.6)].rstrip(b"\n")
    path.write_bytes(cut)
    wait_for(lambda: "ends in the middle" in str(health(base).get("rejected_reload")))
    for _ in range(6):  # every worker still serves the last good version
        now = health(base)
        assert now["data_version"] == before["data_version"]
        assert (now["agencies"], now["informal_supports"]) == (
            before["agencies"],
            before["informal_supports"],
        )
    # A restart under the cut file boots from the snapshot, not from the file.
    process.send_signal(signal.SIGHUP)
    time.sleep(2)
    wait_for(lambda: get(base + "/healthz", timeout=2)[0] == 200)
    for _ in range(6):
        now = health(base)
        assert now["data_version"] == before["data_version"] and now["serving"] == "snapshot"
    # The whole file again: accepted, and the log says so with counts, never row values.
    path.write_bytes(whole)
    wait_for(lambda: "refused_because" not in health(base))
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=40)
    text = log.read_text(errors="replace")
    assert "data version accepted" in text and before["data_version"] in text
    assert "data version refused (1 file(s) unusable)" in text
    assert "Allegheny Children" not in text  # no row values in the log
