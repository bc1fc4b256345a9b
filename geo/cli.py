"""Command line: parse, call the library, print. Results to stdout; logs, progress and errors to stderr."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from geo.errors import GeoError, LayerError, OutOfDateError, UsageError

if TYPE_CHECKING:
    from rich.text import Text

log = logging.getLogger("geo")

LAYERS_OPT = click.option("--layers", "layers_dir", type=click.Path(path_type=Path), default=Path("layers"), show_default=True,
                          help="Directory of input layers (theatre.toml, sites.csv, claims.csv, ...).")


def events_options(fn):
    """``--events FILE`` (repeatable), ``--events-format`` and ``--skip-invalid`` for build and check."""
    fn = click.option("--skip-invalid", is_flag=True,
                      help="Keep the good rows of an events file; bad rows become warnings on stderr instead of errors.")(fn)
    fn = click.option("--events-format", type=click.Choice(["acled", "ucdp"]), default=None,
                      help="Format of the events files (default: detected from the header).")(fn)
    fn = click.option("--events", "events_files", type=click.Path(path_type=Path), multiple=True,
                      help="ACLED export or UCDP GED CSV (or a Parquet/GeoParquet file with their columns) whose events are added as sites with claims (repeatable).")(fn)
    return fn


ENGINE_OPT = click.option(
    "--engine", type=click.Choice(["memory", "dask"]), default="memory", show_default=True,
    help="Run the side and distance checks in memory or on dask-geopandas partitions (needs the 'scale' extra); same results.")


def _stderr(msg: str) -> None:
    click.echo(msg, err=True)


def handle_errors(fn):
    """Turn our errors into a message on stderr and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except LayerError as exc:
            for p in exc.problems:
                _stderr(f"error: {p}")
            _stderr(f"{len(exc.problems)} problem(s); nothing was written.")
            sys.exit(exc.exit_code)
        except GeoError as exc:
            _stderr(f"error: {exc}")
            sys.exit(exc.exit_code)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.version_option(package_name="geo-border-incidents")
def cli(verbose: int) -> None:
    """Map border incidents from news reports.

    \b
    Example:
      geo build                 # layers/ -> maps/ (map, GeoJSON, GeoPackage, CSV, report)
      geo check --json          # border length and per-site checks as JSON
      geo geocode "Angur Ada" Bajour --json
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")


def _load_options(events_files: tuple[Path, ...] = (), events_format: str | None = None, skip_invalid: bool = False,
                  engine: str = "memory") -> dict:
    return {"events": events_files, "events_format": events_format, "skip_invalid": skip_invalid, "engine": engine}


def _print_warnings(ds) -> None:
    for p in ds.warnings:
        _stderr(f"warning: {p}")


@cli.command()
@LAYERS_OPT
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("maps"), show_default=True, help="Output directory.")
@click.option("--self-contained", is_flag=True, help="Make index.html work with no network (Leaflet inlined, no web tiles). offline.html is always self-contained.")
@click.option("--check", "check_only", is_flag=True, help="Build into a temporary directory and exit 1 listing outputs that would change.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.option("--serial", is_flag=True,
              help="Write the outputs one after another in this process. By default, from 50,000 sites and claims on and "
                   "when 1.5 times the builder's memory is available, independent writers run in forked processes: "
                   "faster, but they need more memory (about 9 GB in all at a million events, against 4.5 GB). "
                   "The files are the same.")
@events_options
@ENGINE_OPT
@handle_errors
def build(layers_dir: Path, out_dir: Path, self_contained: bool, check_only: bool, quiet: bool, serial: bool,
          events_files: tuple[Path, ...], events_format: str | None, skip_invalid: bool, engine: str) -> None:
    """Build the map, exports and report from LAYERS into OUT.

    Every output is first written to a staging directory inside OUT and published all or
    nothing, under a lock: a failed or killed build leaves the previous outputs complete.
    OUT may not be the layers directory or inside it.

    \b
    Example:
      geo build --layers layers --out maps
      geo build --check         # CI: are the committed maps up to date?
      geo build --events acled_export.csv --skip-invalid --out maps-acled
      geo build --events ged_2025.parquet --engine dask --out maps-ged
    """
    import geo

    t0 = time.perf_counter()
    options = _load_options(events_files, events_format, skip_invalid, engine)
    with _progress(quiet) as progress:
        ds = progress("read and check layers", lambda: geo.load(layers_dir, **options))
        _print_warnings(ds)
        try:
            result = progress("write outputs", lambda: geo.build(layers_dir, out_dir, check=check_only, self_contained=self_contained,
                                                                 parallel=False if serial else None, dataset=ds, events=events_files))
        except OutOfDateError as exc:
            for line in exc.changed:
                click.echo(line)
            raise
    if quiet:
        return
    if check_only:
        _stderr(f"{out_dir} is up to date ({len(result.files)} files)")
    else:
        _stderr(f"wrote {len(result.files)} files to {out_dir} in {time.perf_counter() - t0:.1f} s: {', '.join(result.files)}")


@contextlib.contextmanager
def _progress(quiet: bool):
    """A transient progress line on stderr (a terminal only, not with -q); yields ``step(description, fn)``."""
    from rich.console import Console
    from rich.progress import Progress

    show = not quiet and sys.stderr.isatty()
    with Progress(console=Console(stderr=True), transient=True, disable=not show) as bar:
        task = bar.add_task("", total=2)

        def step(description: str, fn):
            bar.update(task, description=description)
            out = fn()
            bar.advance(task)
            return out

        yield step


@cli.command()
@LAYERS_OPT
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("maps"), show_default=True, help="Output directory.")
@click.option("--interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True, help="Seconds between looks at LAYERS.")
@click.option("--max-builds", type=click.IntRange(min=1), default=None, hidden=True, help="Stop after this many rebuilds (for tests).")
@handle_errors
def watch(layers_dir: Path, out_dir: Path, interval: float, max_builds: int | None) -> None:
    """Build, then rebuild whenever a file in LAYERS changes (Ctrl-C to stop).

    A rebuild that fails prints its errors and keeps the previous outputs; watching goes on.

    \b
    Example:
      geo watch --layers layers --out maps
    """
    from geo.watch import watch as watch_loop

    if not layers_dir.is_dir():
        raise UsageError(f"--layers: {layers_dir} is not a directory")

    import geo

    def rebuild(names: list[str]) -> None:
        t0 = time.perf_counter()
        try:
            files = geo.build(layers_dir, out_dir).files
        except LayerError as exc:
            for p in exc.problems:
                _stderr(f"error: {p}")
            _stderr(f"build failed ({len(exc.problems)} problem(s)); {out_dir} keeps the previous outputs. Watching...")
            return
        except GeoError as exc:
            _stderr(f"error: {exc}; {out_dir} keeps the previous outputs. Watching...")
            return
        click.echo(f"{time.strftime('%H:%M:%S')} rebuilt {len(files)} files in {out_dir} ({time.perf_counter() - t0:.1f} s) after changes to {', '.join(names)}")

    rebuild(["(start)"])
    _stderr(f"watching {layers_dir} every {interval:g} s; Ctrl-C to stop")
    try:
        watch_loop(layers_dir, rebuild, interval_s=interval, max_events=max_builds)
    except KeyboardInterrupt:
        _stderr("stopped")


@cli.command()
@LAYERS_OPT
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@events_options
@ENGINE_OPT
@handle_errors
def check(layers_dir: Path, as_json: bool, events_files: tuple[Path, ...], events_format: str | None, skip_invalid: bool,
          engine: str) -> None:
    """Print the border length check and the per-site checks.

    \b
    Example:
      geo check
      geo check --json | jq '.sites[] | {name, side, distance_km}'
      geo check --json --events ged_2025.csv --events-format ucdp
    """
    import geo

    ds = geo.load(layers_dir, **_load_options(events_files, events_format, skip_invalid, engine))
    _print_warnings(ds)
    if as_json:
        out = sys.stdout.buffer  # bytes; CliRunner gives it one too
        ds.write_check_json(out)
        out.flush()
        return
    _print_check_tables(ds.check())


def _terminal_text(value) -> Text:
    """Report text as inert terminal text: no rich markup, no control characters (escape codes)."""
    from rich.text import Text

    return Text(CONTROL_CHARS.sub("\N{REPLACEMENT CHARACTER}", "" if value is None else str(value)))


#: C0 and C1 control characters (ESC starts terminal escape sequences), and DEL.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _print_check_tables(doc: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    t_ = _terminal_text
    con = Console(soft_wrap=False, width=max(120, Console().width))
    b = doc["border"]
    t = Table(title=t_(f"{b['name']} length ({b['source']})"))
    for col in ("figure", "km", "difference", "source"):
        t.add_column(col)
    t.add_row("measured (geodesic, WGS84)", f"{b['length_km']:,.1f}", "", "this geometry")
    for r in b["reported"]:
        t.add_row("reported", f"{r['km']:,.0f}", f"{r['diff_km']:+,.1f} km ({r['diff_pct']:+.1f}%)", t_(f"{r['source']}, {r['published']}"))
    con.print(t)
    con.print(t_(b["verdict"]))
    t = Table(title="Sites")
    for col in ("site", "country", "side", "km to line", "± km", "precision", "flags"):
        t.add_column(col)
    for s in doc["sites"]:
        t.add_row(t_(s["name"]), t_(s["country"] or "-"), t_(s["side"]), f"{s['distance_km']:,.1f}", f"{s['uncertainty_km']:g}",
                  t_(s["precision"]), t_(", ".join(f["code"] for f in s["flags"])))
    con.print(t)


@cli.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--country", help="ISO 3166-1 alpha-2 code the places should be in (e.g. PK).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@LAYERS_OPT
@handle_errors
def geocode(names: tuple[str, ...], country: str | None, as_json: bool, layers_dir: Path) -> None:
    """Resolve place names offline. Exit 1 if any name is unknown, ambiguous or outside the theatre.

    Names may carry context as reports do: "Behsud, Nangarhar", "Nangarhar's Behsud",
    "Bahram Chah in Balochistan", "near Torkham".

    \b
    Example:
      geo geocode "Angur Ada" Bajour Konar --json
      geo geocode "Behsud, Nangarhar" --country AF
    """
    from geo.geocode import geocode_names

    results = geocode_names(names, layers_dir=layers_dir, country=country)
    for r in results:
        if "error" in r:
            _stderr(f"error: {r['message']}")
        elif not as_json:
            click.echo(f"{r['query']}\t{r['name']}\t{r['lat']:.5f}\t{r['lon']:.5f}\t{r['country']}\t{r['admin1'] or ''}\t{r['precision']}"
                       f"\t±{r['radius_km']:g} km\t{r['match']}\t{r['source']}")
    if as_json:
        click.echo(json.dumps(results, indent=2, ensure_ascii=False))
    if any("error" in r for r in results):
        sys.exit(1)


@cli.command("export")
@LAYERS_OPT
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg", "csv", "parquet"]), required=True, help="Output format.")
@click.option("--layer", type=click.Choice(["sites", "claims", "border", "countries", "bands"]), default="sites", show_default=True,
              help="Layer for geojson/csv/parquet (a GeoPackage always holds every layer).")
@click.option("--out", "out_path", type=click.Path(path_type=Path), help="Output file (default: maps/<layer>.<ext>).")
@handle_errors
def export_cmd(layers_dir: Path, fmt: str, layer: str, out_path: Path | None) -> None:
    """Export one layer (or all, for gpkg) to a GIS file, written atomically.

    \b
    Example:
      geo export --format gpkg --out incidents.gpkg
      geo export --format csv --layer claims --out claims.csv
      geo export --format parquet --layer sites --out sites.parquet   # GeoParquet
    """
    import geo

    out_path = out_path or Path("maps") / ("border_incidents.gpkg" if fmt == "gpkg" else f"{layer}.{fmt}")
    click.echo(str(geo.load(layers_dir).to_file(out_path, layer=layer, fmt=fmt)))


@cli.command("draft")
@click.argument("article", required=False, type=click.Path(allow_dash=True, dir_okay=False, path_type=str))
@click.option("--published", type=click.DateTime(formats=["%Y-%m-%d"]), help="Publication date (YYYY-MM-DD) relative dates are resolved against; default: the page's own.")
@click.option("--source-id", help="Id of the drafted source row (default: outlet and date).")
@LAYERS_OPT
@click.option("--json", "as_json", is_flag=True, help="Print the draft (source, sites, claims, unknown places) as JSON.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Write review CSVs (layers' columns plus evidence) to this directory.")
@click.option("--accept", "accept_dir", type=click.Path(file_okay=False, path_type=Path), help="Validate reviewed CSVs in this directory and append them to --layers.")
@handle_errors
def draft_cmd(article: str | None, published, source_id: str | None, layers_dir: Path, as_json: bool, out_dir: Path | None,
              accept_dir: Path | None) -> None:
    """Draft sites and claims from a report (text, Markdown or saved HTML; - for stdin), offline.

    Exit 1 when the report gives no place and no figure.

    \b
    Example:
      geo draft report.html --json
      geo draft report.txt --published 2025-10-12 --out review/
      geo draft --accept review/            # append the reviewed rows to layers/
    """
    from geo import draft as drafting

    if accept_dir is not None:
        if article is not None or out_dir is not None:
            raise UsageError("--accept DIR takes no ARTICLE and no --out")
        added = drafting.accept(accept_dir, layers_dir)
        click.echo(json.dumps(added, sort_keys=True) if as_json else "appended: " + ", ".join(f"{n} {k}" for k, n in added.items()))
        return
    if article is None:
        raise UsageError("give an ARTICLE file (or - for standard input), or --accept DIR")
    d = drafting.draft_file(article, published=published.date() if published else None, source_id=source_id,
                            layers=layers_dir, out_dir=out_dir)
    click.echo(json.dumps(d.as_dict(), indent=1, ensure_ascii=False) if as_json else "\n".join(drafting.summary_lines(d)))
    if not d.sites and not d.claims:
        sys.exit(1)


def main() -> None:
    """Console entry point."""
    cli(prog_name="geo")
