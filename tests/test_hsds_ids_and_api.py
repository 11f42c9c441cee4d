"""HSDS: feed ids kept beside a data folder, ASCII-only whole numbers, CORS on /hsds."""

from __future__ import annotations

import csv
import shutil
import uuid

import pytest

from directory import create_app
from directory.catalog import Directory
from directory.config import DEFAULT_DATA_DIR
from directory.hsds import export_hsds, hsds_id
from directory.hsds.ids import IDS_FILE, IDS_HEADER

SETTINGS = {"GEOCODER": "offline", "INDEX_DIR": ":memory:"}


@pytest.fixture()
def data_with_feed_ids(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    agencies = list(
        csv.DictReader((folder / "agencies.csv").read_text(encoding="utf-8").splitlines())
    )
    first, second = agencies[0]["id"], agencies[1]["id"]
    ids = {
        first: (str(uuid.uuid4()), "org-shared", "Shared Organisation", str(uuid.uuid4())),
        second: (str(uuid.uuid4()), "org-shared", "Shared Organisation", ""),
    }
    with (folder / IDS_FILE).open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(IDS_HEADER)
        for agency_id, row in ids.items():
            writer.writerow([agency_id, *row])
    return folder, ids


def test_feed_ids_survive_export_and_answer_in_the_api(data_with_feed_ids, tmp_path):
    folder, ids = data_with_feed_ids
    directory = Directory.load(folder, SETTINGS, search_index=False)
    out = export_hsds(directory, tmp_path / "out", "csv")
    services = {
        row["id"]: row
        for row in csv.DictReader((out / "services.csv").read_text(encoding="utf-8").splitlines())
    }
    organizations = list(
        csv.DictReader((out / "organizations.csv").read_text(encoding="utf-8").splitlines())
    )
    for service_id, org_id, _, _ in ids.values():
        assert services[service_id]["organization_id"] == org_id
    shared = [row for row in organizations if row["id"] == "org-shared"]
    assert [row["name"] for row in shared] == ["Shared Organisation"]  # one, not one per service
    # Our own records keep uuid5 ids of the agency id column, as before.
    others = [a for a in directory.agencies if a.id not in ids]
    assert hsds_id("service", others[0].id) in services

    client = create_app({**SETTINGS, "DATA": str(folder)}).test_client()
    feed_id = next(iter(ids.values()))[0]
    response = client.get(f"/hsds/services/{feed_id}")
    assert response.status_code == 200 and response.get_json()["id"] == feed_id


@pytest.fixture(scope="module")
def client():
    return create_app({**SETTINGS, "DATA": str(DEFAULT_DATA_DIR)}).test_client()


@pytest.mark.parametrize("path", ["/hsds/services", "/hsds/service_at_locations"])
@pytest.mark.parametrize("name", ["page", "per_page"])
@pytest.mark.parametrize("value", ["²", "١٢", "1_0"])
def test_non_ascii_digits_are_a_400(client, path, name, value):
    response = client.get(path, query_string={name: value})
    assert response.status_code == 400
    assert f'"{name}" must be a whole number' in response.get_json()["error"]["message"]


@pytest.mark.parametrize("path", ["/hsds/", "/hsds/services", "/hsds/services?page=²"])
def test_hsds_responses_are_open_to_any_origin(client, path):
    response = client.get(path)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
