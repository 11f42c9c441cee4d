"""The region commands' command-line side: `directory new-region` and import-hsds's --county.

Kept beside directory/cli.py (which registers them) so the CLI module stays small; the work is
in directory/region_import.py and geo/region.py.
"""

from __future__ import annotations

from typing import Any

import click

from .region_import import describe_region

__all__ = [
    "county_option",
    "describe_region",
    "new_region_command",
    "region_inputs",
    "region_options",
]


def _county_codes(ctx: click.Context, param: click.Parameter, values: tuple) -> tuple:
    """--county values checked against the vendored county file (a usage error names why)."""
    from geo.counties import CountyFile, UnknownCounty

    if not values:
        return ()
    counties = CountyFile.default()
    try:
        return tuple(counties.check(value) for value in values)
    except UnknownCounty as error:
        raise click.BadParameter(str(error), ctx=ctx, param=param) from None


def county_option(required: bool = False, **kwargs: Any):
    """The repeatable --county FIPS option, checked while the command line is parsed."""
    return click.option(
        "--county", "counties", multiple=True, required=required, callback=_county_codes, **kwargs
    )


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta[f"directory.region.{param.name}"] = value
    return value


def region_options(command: Any) -> Any:
    """import-hsds's --county, --boundaries and --regions; read them with region_inputs()."""
    files: dict[str, Any] = {"type": click.Path(exists=True, dir_okay=False), "expose_value": False}
    command = click.option(
        "--regions",
        "region_shapes",
        callback=_remember,
        help='Shapes of the feed\'s areas (GeoJSON features with an "id" property).',
        **files,
    )(command)
    command = click.option(
        "--boundaries",
        callback=_remember,
        help="Municipality or neighbourhood polygons (GeoJSON) to locate points and names by.",
        **files,
    )(command)
    return click.option(
        "--county",
        "counties",
        multiple=True,
        expose_value=False,
        callback=lambda ctx, param, value: _remember(ctx, param, _county_codes(ctx, param, value)),
        help="County FIPS code of the region (repeatable); default: from the feed's addresses.",
    )(command)


def region_inputs() -> dict[str, Any]:
    """The region options of the running command, as import_hsds's keyword arguments."""
    meta = click.get_current_context().meta
    names = ("counties", "boundaries", "region_shapes")
    return {name: meta.get(f"directory.region.{name}") or None for name in names} | {
        "counties": meta.get("directory.region.counties") or ()
    }


@click.command("new-region")
@county_option(required=True, help="County FIPS code, e.g. 06081 (repeat for several counties).")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Data folder to write (new or empty).",
)
@click.option("--name", default="", help='Region name (default: the counties\', "X County, ST").')
@click.option(
    "--boundaries",
    type=click.Path(exists=True, dir_okay=False),
    help="Municipality or neighbourhood polygons (GeoJSON) to locate points and names by.",
)
@click.option(
    "--regions",
    type=click.Path(exists=True, dir_okay=False),
    help='Real shapes of the region\'s areas (GeoJSON features with an "id" property).',
)
def new_region_command(counties, out_dir, name, boundaries, regions) -> None:
    """Write a data folder for one or more US counties, offline: outline, ZIP codes, towns,
    areas, the bundled need vocabulary and an agencies.csv with the national lines (988, 211)."""
    from .region_import import RegionError, new_region

    try:
        region = new_region(counties, out_dir, name=name, boundaries=boundaries, regions=regions)
    except RegionError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {out_dir}: {region.summary()}.")
    click.echo(f"Next: add agencies.csv rows, then: directory check-data --data {out_dir}")
