"""The production server (gunicorn worker processes) as deployed: logs, SIGTERM, limits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from directory.cli import gunicorn_argv

ROOT = Path(__file__).resolve().parents[1]
MARKER = "zzmarker5512"
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 30) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until_up(base: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            if get(base + "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not answer /healthz in time")


@pytest.fixture()
def server(tmp_path):
    """gunicorn with two workers on a free port, serving the real app plus a /slow route."""
    port = free_port()
    log = tmp_path / "server.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("DIRECTORY_")}
    env.update(
        SLOW_STARTED_FILE=str(tmp_path / "slow-started"),
        SLOW_SECONDS="2",
        DIRECTORY_INDEX_DIR=str(tmp_path / "index"),
        PYTHONPATH=str(ROOT),
    )
    argv = gunicorn_argv(
        "127.0.0.1", port, 2, "slow_app:make()", "--pythonpath", str(ROOT / "tests" / "apps")
    )
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base, process, log, tmp_path / "slow-started"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_sigterm_lets_in_flight_requests_finish_and_logs_hold_no_query(server):
    base, process, log, started = server
    assert get(f"{base}/?near=15213+{MARKER}&q={MARKER}&need=housing")[0] == 200
    assert get(f"{base}/api/v1/agencies/hsao?near={MARKER}")[0] == 200
    result: dict = {}
    request = threading.Thread(
        target=lambda: result.update(zip(("status", "body"), get(base + "/slow")))
    )
    request.start()
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), "the slow request never started"
    process.send_signal(signal.SIGTERM)
    request.join(timeout=40)
    assert result == {"status": 200, "body": "finished"}
    assert process.wait(timeout=40) == 0
    text = log.read_text(errors="replace")
    assert '"GET /slow"' in text and '"GET /"' in text
    assert MARKER not in text


def start_server(data: Path, index: Path, log: Path) -> tuple[str, subprocess.Popen]:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("DIRECTORY_")}
    env.update(
        DIRECTORY_DATA=str(data),
        DIRECTORY_INDEX_DIR=str(index),
        PYTHONPATH=str(ROOT),
        DIRECTORY_RELOAD_SECONDS="0.2",
        DIRECTORY_RATE_LIMIT_PER_MINUTE="0",
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            gunicorn_argv("127.0.0.1", port, 1),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base, process)
    return base, process


def test_two_servers_share_one_index_while_it_is_rebuilt(data_copy, tmp_path):
    import json
    import sys

    index = tmp_path / "index"
    env = {key: value for key, value in os.environ.items() if not key.startswith("DIRECTORY_")}
    env["PYTHONPATH"] = str(ROOT)
    build = [
        sys.executable,
        "-m",
        "directory",
        "build-index",
        "--data",
        str(data_copy),
        "--out",
        str(index),
    ]
    subprocess.run(build, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    servers = [start_server(data_copy, index, tmp_path / f"server{n}.log") for n in (1, 2)]
    try:
        # A new data version: the rebuild runs while both servers keep answering searches.
        path = data_copy / "agencies.csv"
        path.write_text(
            path.read_text(encoding="utf-8").replace("Pressley Ridge", "Pressley Ridge Renamed"),
            encoding="utf-8",
        )
        rebuild = subprocess.Popen(
            build, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        answers = []
        deadline = time.monotonic() + 120
        while (rebuild.poll() is None or len(answers) < 20) and time.monotonic() < deadline:
            for base, _ in servers:
                status, body = get(f"{base}/api/v1/search?q=psychiatrist")
                answers.append((status, json.loads(body)["total"] if status == 200 else body))
        assert rebuild.wait(timeout=120) == 0
        assert answers and all(status == 200 and total > 0 for status, total in answers), answers[
            :5
        ]
        # Both servers move to the new version on their own, with no restart.
        for base, _ in servers:
            found = []
            deadline = time.monotonic() + 60
            while not found and time.monotonic() < deadline:
                status, body = get(f"{base}/api/v1/search?q=renamed")
                found = [
                    hit for hit in json.loads(body).get("agencies", []) if "Renamed" in str(hit)
                ]
            assert found, f"{base} never served the new data"
    finally:
        for _, process in servers:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def test_each_worker_puts_what_it_loaded_out_of_the_collectors_sight():
    """gunicorn runs directory.web.gunicorn_hooks after a worker loads the app: the loaded
    directory is frozen, so full collections stop walking it."""
    import gc

    from directory.web import gunicorn_hooks

    assert "python:directory.web.gunicorn_hooks" in gunicorn_argv("127.0.0.1", 8000, 1)
    gc.unfreeze()
    try:
        gunicorn_hooks.post_worker_init(None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
