"""The `directory` command: every subcommand lives here, on Flask's CLI."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

from .config import data_folder


def _set_data(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # Runs while the command line is parsed, before any app or directory is built.
    if value:
        os.environ["DIRECTORY_DATA"] = value
    return value


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

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True,
             add_version_option=False, load_dotenv=False)
@data_option
def main() -> None:
    """Resource-mapping and agency directory for service coordination."""


def load_directory():
    """The directory for a command, from the data folder chosen by --data or $DIRECTORY_DATA."""
    from .catalog import Directory
    from .config import DEFAULTS

    settings = dict(DEFAULTS)
    settings.update(
        {key[len("DIRECTORY_"):]: value for key, value in os.environ.items()
         if key.startswith("DIRECTORY_")}
    )
    return Directory.load(data_folder(), settings)


def emit_json(payload: object) -> None:
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False))


@main.command("check-data")
@data_option
def check_data() -> None:
    """Validate the data folder; exit 1 when any row was rejected."""
    from .loading import load_data, summary

    data = load_data(data_folder())
    for problem in data.problems:
        click.echo(str(problem), err=True)
    click.echo(summary(data))
    if data.rejected_rows or data.has_fatal_problem:
        sys.exit(1)


@main.command("serve")
@data_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; 0.0.0.0 only behind a reverse proxy.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=max(2, min(os.cpu_count() or 2, 8)), show_default=True,
              type=int, help="Worker processes (search is CPU-bound: use processes, not threads).")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the site with gunicorn worker processes (not Flask's debug server)."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which(
        "gunicorn"
    )
    if gunicorn is None:
        raise click.ClickException("gunicorn is not installed; run: pip install -e .")
    argv = [
        gunicorn,
        "--workers", str(workers),
        "--bind", f"{host}:{port}",
        "--graceful-timeout", "30",
        "--access-logfile", "-",
        # %(U)s is the path without its query string: a person's place and needs stay out of logs.
        "--access-logformat", '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        "directory:create_app()",
    ]
    click.echo(f"Serving on http://{host}:{port} with {workers} workers", err=True)
    os.execv(gunicorn, argv)


@main.command("locate")
@data_option
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def locate(text: str, as_json: bool) -> None:
    """Find where a ZIP, town, neighbourhood, address or "lat,lon" is."""
    from geo.places import PlaceNotFound

    directory = load_directory()
    try:
        location = directory.atlas.locate(text)
    except PlaceNotFound as error:
        if as_json:
            emit_json({"error": {"code": "bad_place", "message": str(error),
                                 "suggestions": list(error.suggestions)}})
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
