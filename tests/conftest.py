"""Fixtures compose: data folder -> directory -> app -> client."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from directory import create_app
from directory.catalog import Directory
from directory.config import DEFAULT_DATA_DIR


def pytest_configure(config):
    """Tests never write into the checkout's instance/: every index and snapshot goes to one
    temporary folder (DIRECTORY_INDEX_DIR and DIRECTORY_SNAPSHOT_DIR, read by the app, the
    CLI and Directory.load through Settings), removed when the run ends. Tests that start
    servers or commands with their own environment give them their own tmp_path folders."""
    folder = tempfile.mkdtemp(prefix="directory-test-")
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    os.environ.setdefault("DIRECTORY_INDEX_DIR", os.path.join(folder, "index"))
    os.environ.setdefault("DIRECTORY_SNAPSHOT_DIR", os.path.join(folder, "snapshots"))


SHARED = Path(__file__).resolve().parents[2] / "shared"
BROCHURE = next((SHARED / "seeds").glob("002_*.txt"), None) if SHARED.exists() else None


@pytest.fixture(scope="session")
def brochure_text() -> str:
    """The county brochure's text from ../shared/seeds (the source of the bundled agencies)."""
    if BROCHURE is None:
        pytest.skip("needs ../shared/seeds beside the checkout")
    return BROCHURE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bundled_directory() -> Directory:
    """The bundled county data, loaded once (read-only) for domain tests."""
    return Directory.load(DEFAULT_DATA_DIR, {"GEOCODER": "offline"})


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled data folder, for tests that break or edit files."""
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    return folder


@pytest.fixture(scope="session")
def app():
    # Many tests share this app from one address: rate limits have their own tests.
    settings = {"TESTING": True, "DATA": str(DEFAULT_DATA_DIR), "RELOAD_SECONDS": 0}
    return create_app({**settings, "RATE_LIMIT_PER_MINUTE": 0})


@pytest.fixture()
def client(app):
    return app.test_client()
