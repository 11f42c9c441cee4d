"""The house rules that keep the code navigable: layers run one way, modules stay small, and
every setting and enum value is documented where outside readers look for it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from directory.config import DEFAULTS

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("directory", "geo")
MAX_MODULE_LINES = 500
# Modules still to split (name -> lines): each may not grow past its size when listed.
NOT_YET_SPLIT: dict[str, int] = {}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Project modules this module imports, at top level or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets.add(stem)
            targets.update(f"{stem}.{alias.name}" for alias in node.names)
    resolved = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name and not name.startswith(target + "."):
            resolved.add(target)
    return resolved


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def test_geo_imports_nothing_from_directory():
    offenders = {
        name: sorted(t for t in targets if t.startswith("directory"))
        for name, targets in _graph().items()
        if name.startswith("geo")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_import_cycles_among_project_modules():
    graph = _graph()
    # A package's __init__ re-exporting its own modules is not a cycle between concerns.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not t.startswith(name + ".")}
    cycles, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                cycles.append(trail[trail.index(target) :] + [target])
            elif target not in state:
                visit(target, trail + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(_modules()))
def test_no_module_is_over_the_size_limit(name):
    lines = _modules()[name].read_text(encoding="utf-8").count("\n")
    limit = NOT_YET_SPLIT.get(name, MAX_MODULE_LINES)
    assert lines <= limit, f"{name} has {lines} lines: split it by concern"


def test_every_setting_is_in_the_readme_configuration_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`DIRECTORY_([A-Z0-9_]+)`", table))
    assert sorted(set(DEFAULTS) - documented) == []


def test_every_enum_value_is_in_the_openapi_document(client):
    from directory.records import AgeGroup, Kind, Level

    document = client.get("/api/v1/openapi.json").get_json()
    enums: list[set[str]] = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("enum"), list):
                enums.append({str(v) for v in node["enum"]})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    for enum in (Level, AgeGroup, Kind):
        values = {member.value for member in enum}
        assert any(values <= found for found in enums), f"{enum.__name__} values missing"


def test_openapi_enums_and_limits_follow_the_code_and_the_settings():
    from directory.config import Settings
    from directory.coverage import By, Scope
    from directory.openapi import openapi_document
    from directory.search_engine import SORTS

    settings = Settings(max_page_size=50, page_size=10, max_query_chars=300)
    document = openapi_document("Test region", settings=settings)

    def parameter(path: str, name: str) -> dict:
        found = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name]
        assert len(found) == 1, (path, name)
        return found[0]

    for path in ("/match", "/search"):
        assert parameter(path, "page_size")["schema"]["maximum"] == 50
        assert "default 10, at most 50" in parameter(path, "page_size")["description"]
        assert parameter(path, "q")["schema"]["maxLength"] == 300
    assert parameter("/search", "sort")["schema"]["enum"] == list(SORTS)
    assert parameter("/coverage", "scope")["schema"]["enum"] == [s.value for s in Scope]
    assert parameter("/coverage", "by")["schema"]["enum"] == [b.value for b in By]
