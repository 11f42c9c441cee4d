"""Checked by others' rules: the OFFICIAL HSDS 3.0 datapackage.json (run by frictionless) on
our CSV export, and the strict JSON schemas (no additional properties) on our JSON export,
for the bundled county and for the invented feed that uses every table.

The spec files are read from ../shared/hsds (CC BY-SA 4.0); the product never reads them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hsds_feed import write_feed_csv

from directory.catalog import Directory
from directory.hsds import JSON_FILE, SERVICES_FILE, export_hsds, import_hsds

HSDS = Path(__file__).resolve().parents[2] / "shared" / "hsds"
SPEC_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
SETTINGS = {"GEOCODER": "offline", "INDEX_DIR": ":memory:"}

pytestmark = pytest.mark.skipif(
    not HSDS.exists(), reason="needs the HSDS 3.0 spec files in ../shared/hsds beside the checkout"
)


@pytest.fixture(scope="module", params=["bundled", "every-table feed"])
def directory(request, bundled_directory, tmp_path_factory) -> Directory:
    if request.param == "bundled":
        return bundled_directory
    root = tmp_path_factory.mktemp("feed")
    report = import_hsds(write_feed_csv(root / "feed"), root / "data")
    assert report.written, [str(p) for p in report.problems]
    return Directory.load(root / "data", SETTINGS)


def official_report(folder: Path):
    """frictionless validate with the spec's own descriptor over the files in folder."""
    frictionless = pytest.importorskip("frictionless")
    descriptor = json.loads((HSDS / "datapackage.json").read_text(encoding="utf-8"))
    package = frictionless.Package(descriptor, basepath=str(folder))
    return package.validate()


def test_csv_export_passes_frictionless_with_the_official_descriptor(directory, tmp_path):
    out = export_hsds(directory, tmp_path / "csv", "csv")
    report = official_report(out)
    errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
    assert report.valid, errors[:10]
    assert sum(task.stats.get("rows", 0) for task in report.tasks) > 0


def test_official_descriptor_catches_what_it_should(directory, tmp_path):
    """The check has teeth: an empty required cell in our export is an error."""
    out = export_hsds(directory, tmp_path / "csv", "csv")
    path = out / "services.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("status")] = "open-ish"
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    report = official_report(out)
    assert not report.valid
    assert any("status" in error.message for task in report.tasks for error in task.errors), (
        "expected the status enum to be checked"
    )


@pytest.fixture(scope="module")
def strict_registry():
    """Every HSDS schema with additionalProperties false added to each object it defines."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    def strict(node):
        if isinstance(node, dict):
            node = {key: strict(value) for key, value in node.items()}
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
        elif isinstance(node, list):
            node = [strict(item) for item in node]
        return node

    resources = []
    for path in sorted((HSDS / "schema").glob("*.json")) + sorted(
        (HSDS / "schema/compiled").glob("*.json")
    ):
        uri = SPEC_BASE + str(path.relative_to(HSDS / "schema"))
        contents = strict(json.loads(path.read_text(encoding="utf-8")))
        resources.append((uri, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def strict_errors(registry, instance, ref: str) -> list[str]:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(
        {"$ref": ref}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_json_export_passes_the_strict_schemas(directory, strict_registry, tmp_path):
    out = export_hsds(directory, tmp_path / "json", "json")
    dataset = json.loads((out / JSON_FILE).read_text(encoding="utf-8"))
    errors = strict_errors(strict_registry, dataset, SPEC_BASE + "compiled/tabular.json")
    for table, rows in dataset.items():
        for row in rows:
            errors += strict_errors(strict_registry, row, SPEC_BASE + f"{table}.json")
    for service in json.loads((out / SERVICES_FILE).read_text(encoding="utf-8")):
        errors += strict_errors(strict_registry, service, SPEC_BASE + "compiled/service.json")
    assert not errors, errors[:10]


def test_strict_schemas_refuse_a_field_the_spec_does_not_have(strict_registry):
    row = {"id": "9f1a4c1e-58b1-4b53-9b39-1f6d0c8a1e55", "name": "x", "status": "active"}
    assert strict_errors(strict_registry, row, SPEC_BASE + "service.json") == []
    assert strict_errors(strict_registry, {**row, "colour": "red"}, SPEC_BASE + "service.json")
