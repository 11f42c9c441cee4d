"""The `directory` command: every subcommand lives here, on Flask's CLI."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import click
from flask.cli import FlaskGroup

from .config import Settings, SettingsError
from .coverage import By, Scope
from .params import enum_values
from .records import AgeGroup, Kind, Level
from .region_cli import new_region_command, region_inputs, region_options
from .search_engine import SORTS
from .web.server import gunicorn_argv


def _set_data(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # Runs while the command line is parsed, before any app or directory is built; kept on
    # the click context (not os.environ) so it can't leak into other commands or processes.
    if value:
        ctx.meta["directory.data"] = value
    return value


def chosen_data_folder() -> Path:
    """--data (on the group or the command), else the DATA setting ($DIRECTORY_DATA, else the
    bundled data)."""
    context = click.get_current_context(silent=True)
    explicit = context.meta.get("directory.data") if context else None
    return Path(explicit) if explicit else Path(command_settings().data)


data_option = click.option(
    "--data",
    "data",
    type=click.Path(file_okay=False, path_type=str),
    callback=_set_data,
    expose_value=False,
    is_eager=True,
    help="Data folder to use instead of $DIRECTORY_DATA or the bundled data.",
)


def _create_app():
    from . import create_app

    try:
        return create_app({"DATA": str(chosen_data_folder())})
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


class DirectoryGroup(FlaskGroup):
    """Flask's group (run, shell, routes build the app), whose own commands don't: each loads
    the directory it needs once, with the settings from DIRECTORY_*, and nothing more."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("with_appcontext", False)
        return super().command(*args, **kwargs)


@click.group(
    cls=DirectoryGroup,
    create_app=_create_app,
    add_default_commands=True,
    add_version_option=False,
    load_dotenv=False,
)
@data_option
def main() -> None:
    """Resource-mapping and agency directory for service coordination."""


def load_directory():
    """The directory for a command, from the data folder chosen by --data or $DIRECTORY_DATA."""
    from .catalog import Directory

    return Directory.load(chosen_data_folder(), command_settings())


def command_settings() -> Settings:
    """The settings from DIRECTORY_* (as the server reads them); a bad value ends the command."""
    try:
        return Settings.build()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


def emit_json(payload: object) -> None:
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False))


def choice_of(allowed: type[Enum] | Sequence[str]) -> click.Choice:
    """An option's choices: an enum's values (as the URL and OpenAPI document spell them)."""
    values = enum_values(allowed) if isinstance(allowed, type) else list(allowed)
    return click.Choice(values, case_sensitive=False)


# Options are named as the URL names its arguments (near, q, age, years, need, level, area,
# kind, sort, page, page_size), so a command hands them as they are to the same reader as the
# page and the API (SearchQuery.read, MatchQuery.read, CoverageQuery.from_args).


@main.command("check-data")
@data_option
@click.option(
    "--confirm-shrink",
    is_flag=True,
    help="A drop in rows beyond MAX_SHRINK is intended (servers want CONFIRM_SHRINK too).",
)
def check_data(confirm_shrink: bool) -> None:
    """Validate the data folder (and its geo files); exit 1 when a server would refuse it: a
    rejected row, an unusable or cut file, a geo problem, or a suspicious shrink; or when the
    urgent vocabulary or the taxonomy crosswalk has a row that can't be used."""
    from .hsds.crosswalk import folder_problems
    from .serving import check_folder
    from .urgent import read_vocabulary

    problems, summary, refused = check_folder(
        chosen_data_folder(), command_settings(), confirm_shrink
    )
    urgent_problems = read_vocabulary(chosen_data_folder()).problems  # a missed word of danger
    crosswalk_problems = folder_problems(chosen_data_folder())  # for the next import-hsds
    for line in (*problems, *urgent_problems, *crosswalk_problems):
        click.echo(line, err=True)
    click.echo(summary)
    if refused or urgent_problems or crosswalk_problems:
        sys.exit(1)


@main.command("serve")
@data_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; 0.0.0.0 only behind a reverse proxy.",
)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    default=max(2, min(os.cpu_count() or 2, 8)),
    show_default=True,
    type=int,
    help="Worker processes (search is CPU-bound: use processes, not threads).",
)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the site with gunicorn worker processes (not Flask's debug server)."""
    argv = gunicorn_argv(host, port, workers)
    click.echo(f"Serving on http://{host}:{port} with {workers} workers", err=True)
    os.environ["DIRECTORY_DATA"] = str(chosen_data_folder())  # for the workers this exec starts
    os.execv(argv[0], argv)


@main.command("locate")
@data_option
@click.argument("q", metavar="PLACE")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def locate(q: str, as_json: bool) -> None:
    """Find where a ZIP, town, neighbourhood, address or "lat,lon" is."""
    from geo.places import PlaceNotFound

    from .words import clean_text

    directory = load_directory()
    try:
        location = directory.atlas.locate(clean_text(q, directory.settings.max_query_chars))
    except PlaceNotFound as error:
        if as_json:
            emit_json(
                {
                    "error": {
                        "code": "bad_place",
                        "message": str(error),
                        "suggestions": list(error.suggestions),
                    }
                }
            )
        else:
            click.echo(str(error), err=True)
        sys.exit(1)
    if as_json:
        emit_json(location.to_json())
        return
    click.echo(f"{location.label} ({location.precision}) at {location.lat:.5f}, {location.lon:.5f}")
    click.echo("Areas: " + (", ".join(directory.area_name(a) for a in location.areas) or "none"))
    if not location.in_area:
        click.echo(f"Outside the area this directory covers ({directory.region_name}).")
    if location.note:
        click.echo(location.note)


@main.command("match")
@data_option
@click.option("--near", default="", help="ZIP, town, neighbourhood, address or lat,lon.")
@click.option("--age", type=choice_of(AgeGroup), default=None, help="Age group.")
@click.option("--years", default=None, metavar="N", help="Exact age in whole years, if known.")
@click.option("--need", multiple=True, help="Need code (repeatable); see data/needs.csv.")
@click.option("--level", type=choice_of(Level), default=None)
@click.option("--q", default="", help='The person\'s own words ("my son needs rent help").')
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the /api/v1/match shape).")
def match_command(as_json: bool, **options: Any) -> None:
    """Agencies serving a place for an age group, needs and level, with the gaps; urgent help first."""
    from geo.places import PlaceNotFound

    from .errors import BadInput
    from .findhelp import find_help
    from .matching import MatchQuery
    from .serialise import find_help_json

    directory = load_directory()
    try:
        query = MatchQuery.read(
            {**options, "page_size": directory.settings.max_page_size}, directory
        )
        answer = find_help(directory, query)
    except (BadInput, PlaceNotFound) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        emit_json(find_help_json(answer, directory))
        return
    location = answer.location
    for line in answer.urgent.urgent:
        click.echo(f"URGENT {line.how}: {line.name}. {line.when}")
    if answer.urgent.first_call:
        first = answer.urgent.first_call
        click.echo(f"First: {first.how}: {first.name}. {answer.urgent.message}")
    click.echo(f"{location.label}: " + ", ".join(directory.area_name(a) for a in location.areas))
    if not location.in_area:
        click.echo(location.note or f"Outside {directory.region_name}.")
        click.echo("Dial 211 to find services where you live; in a crisis call or text 988.")
        return
    if location.note:
        click.echo(location.note)
    for notice in answer.notices:
        click.echo(f"! {notice}")
    result = answer.match
    if result is None:  # outside the region: said above
        return
    for found in result.agencies:
        levels = "/".join(sorted(lvl.label for lvl in found.agency.levels))
        click.echo(f"- {found.agency.name}  {found.agency.phone or ''}  [{levels}]")
    for found in result.partial:
        parts = " or ".join(answer.parts_named.get(found.id, ()))
        click.echo(f"- If you live in {parts}: {found.agency.name}  {found.agency.phone or ''}")
    if result.informal:
        click.echo("Community supports:")
        for found in result.informal:
            click.echo(
                f"- {found.agency.name}  {found.agency.phone or ''}  {found.distance_km:.1f} km"
            )
    for gap in result.gaps:
        click.echo(f"! {gap.message}")


@main.command("coverage")
@data_option
@click.option("--level", type=choice_of(Level), default=None)
@click.option("--age", type=choice_of(AgeGroup), default=None, help="Age group.")
@click.option("--need", default=None, help="Need code; see data/needs.csv.")
@click.option(
    "--scope",
    type=choice_of(Scope),
    default=Scope.ALL.value,
    show_default=True,
    help="local: leave out agencies serving the whole region.",
)
@click.option(
    "--by",
    type=choice_of(By),
    default=By.AREA.value,
    show_default=True,
    help="place: a row per municipality and city neighbourhood.",
)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def coverage_command(as_csv: bool, as_json: bool, **options: Any) -> None:
    """Providers per area (or place), flagged gap / fragile / covered / overlap."""
    from .coverage import CoverageQuery
    from .errors import BadInput

    directory = load_directory()
    try:
        result = CoverageQuery.from_args(options, directory).run(directory)
    except BadInput as error:
        raise click.ClickException(error.message) from None
    if as_csv:
        click.echo(result.to_csv(), nl=False)
    elif as_json:
        emit_json(result.to_json())
    else:
        for area in result.areas:
            click.echo(f"{'  ' * area.depth}{area.name}: {area.count} ({area.flag})")


@main.command("build-index")
@data_option
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Index folder (default: INDEX_DIR, else <instance>/index).",
)
@click.option(
    "--backend",
    type=click.Choice(["whoosh", "tantivy"]),
    default=None,
    help="Search backend (default: SEARCH_BACKEND, else whoosh).",
)
def build_index_command(out: str | None, backend: str | None) -> None:
    """Build the search index beside the live one and swap it in (servers follow on their
    next search); a failed build leaves the live index serving."""
    from pathlib import Path

    from .index import (
        BackendUnavailable,
        backend_named,
        build_index,
        data_key,
        documents_of,
        index_root,
    )
    from .loading import load_data, summary

    settings = command_settings()
    data = load_data(chosen_data_folder())
    for problem in data.problems:
        click.echo(str(problem), err=True)
    try:
        engine = backend_named(backend or settings.search_backend)
    except (BackendUnavailable, ValueError) as error:
        raise click.ClickException(str(error)) from None
    root = Path(out) if out else index_root(settings)
    if root is None:
        raise click.ClickException('INDEX_DIR is ":memory:"; give --out DIR to build on disk.')
    try:
        build = build_index(root, engine, documents_of(data)(), data_key(data, engine.name))
    except OSError as error:
        raise click.ClickException(
            f"could not build the index in {root}: {error.strerror or error}; "
            "the previous index (if any) is still live"
        ) from None
    click.echo(summary(data))
    click.echo(
        f"Built {engine.name} index of {build.manifest['documents']} records in "
        f"{build.manifest['build_seconds']:.2f}s: {build.folder}"
    )


@main.command("search")
@data_option
@click.argument("q", metavar="[WORDS]", required=False, default="")
@click.option("--kind", multiple=True, type=choice_of(Kind))
@click.option("--level", multiple=True, type=choice_of(Level))
@click.option("--age", multiple=True, type=choice_of(AgeGroup))
@click.option("--area", multiple=True, help="Area id (repeatable); see data/regions.csv.")
@click.option("--need", multiple=True, help="Need code (repeatable); see data/needs.csv.")
@click.option("--near", default="", help="Rank by closeness to a ZIP, town or address.")
@click.option("--sort", type=choice_of(SORTS), default=SORTS[0], show_default=True)
@click.option("--page", default="1", metavar="N", show_default=True, help="Page (from 1).")
@click.option("--page-size", default=None, metavar="N", help="Results per page (PAGE_SIZE).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def search_command(as_json: bool, **options: Any) -> None:
    """Search agencies and supports by words and filters; no words lists every match."""
    from geo.places import PlaceNotFound

    from .errors import BadInput
    from .search import SearchQuery, search
    from .serialise import search_json

    directory = load_directory()
    try:
        results = search(directory, SearchQuery.read(options, directory))
    except (BadInput, PlaceNotFound) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        emit_json(search_json(results, directory))
        return
    if results.did_you_mean:
        click.echo(f'Did you mean "{results.did_you_mean}"?')
    if results.location is not None:
        click.echo(f"Near {results.location.label}")
    if not results.total:
        click.echo("No agencies match. Try fewer words or filters.")
        return
    shown = f"{results.total} match{'es' if results.total != 1 else ''}"
    click.echo(f"{shown}; page {results.page} of {results.pages}")
    for number, hit in enumerate(results.hits, (results.page - 1) * results.page_size + 1):
        agency = hit.agency
        areas_text = ", ".join(directory.area_name(a) for a in agency.area_ids)
        distance = "" if hit.distance_km is None else f"  {hit.distance_km:.1f} km"
        click.echo(f"{number:>3}. {agency.name}  {agency.phone or ''}  [{areas_text}]{distance}")


@main.command("export-hsds")
@data_option
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option(
    "--format",
    "format_",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
    help="hsds.json + services.json, or the CSV data package.",
)
def export_hsds_command(out_dir: str, format_: str) -> None:
    """Write the whole directory as Open Referral HSDS 3.0 into OUT_DIR."""
    from .hsds import export_hsds

    directory = load_directory()
    try:
        written = export_hsds(directory, out_dir, format_)
    except (FileExistsError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {len(directory.agencies)} services as HSDS 3.0 {format_} to {written}")


@main.command("import-hsds")
@click.argument("src", type=click.Path())
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Data folder to write (new, empty, or an earlier data folder to replace).",
)
@click.option(
    "--region-name",
    default="All areas",
    show_default=True,
    help="Name of the whole-region area, for feeds without our area tree.",
)
@region_options
@click.option(
    "--max-file-mb",
    default=32,
    show_default=True,
    type=click.IntRange(1, 4096),
    help="Refuse source files larger than this.",
)
@click.option(
    "--vocabulary",
    type=click.Path(exists=True, file_okay=False),
    help="Data folder whose needs.csv (for feeds without our needs) and taxonomy_crosswalk.csv "
    "to use (default: the bundled needs; the crosswalk already in --out, else the bundled one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_hsds_command(
    src: str,
    out_dir: str,
    region_name: str,
    max_file_mb: int,
    vocabulary: str | None,
    as_json: bool,
) -> None:
    """Convert an HSDS dataset (CSV package folder or JSON) into a data folder.

    Exit 0: written whole; 2: written with losses (a record, link, value or file lost:
    see the report's totals by reason); 1: nothing written.
    """
    from .hsds import import_hsds

    report = import_hsds(
        src,
        out_dir,
        region_name=region_name,
        max_file_bytes=max_file_mb << 20,
        vocabulary=vocabulary,
        **region_inputs(),
    )
    if as_json:
        emit_json(report.to_json())
    else:
        click.echo(report.summary() + ("\n" + report.region if report.region else ""))
        if report.problems:
            click.echo(report.totals_text())
        for problem in report.problems:
            click.echo(str(problem), err=True)
    if report.exit_status:
        sys.exit(report.exit_status)  # 1: nothing written; 2: written with losses


main.add_command(new_region_command)
