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
    """Tests never write into the checkout's instance/: every index goes to a temporary folder
    (DIRECTORY_INDEX_DIR, read by the app and the CLI), removed when the run ends."""
    if "DIRECTORY_INDEX_DIR" not in os.environ:
        folder = tempfile.mkdtemp(prefix="directory-test-index-")
        os.environ["DIRECTORY_INDEX_DIR"] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


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
