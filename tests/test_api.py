"""The Python API (geo.load, geo.build, Dataset) and the CLI as a thin layer over it."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from click.testing import CliRunner

import geo
from geo.cli import cli

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"


@pytest.fixture(scope="module")
def ds() -> geo.Dataset:
    return geo.load(LAYERS)


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_public_names_are_all_importable():
    for name in geo.__all__:
        assert getattr(geo, name) is not None, name


def test_dataset_hands_out_geodataframes_in_wgs84(ds):
    with (LAYERS / "sites.csv").open(encoding="utf-8") as f:
        site_ids = sorted(r["site_id"] for r in csv.DictReader(f))
    assert sorted(ds.sites["site_id"]) == site_ids
    for frame in (ds.sites, ds.claims, ds.border, ds.countries, ds.bands):
        assert isinstance(frame, gpd.GeoDataFrame)
        assert frame.crs.to_epsg() == 4326
    assert set(ds.countries["iso_a2"]) == {"AF", "PK"}
    assert ds.border["used"].sum() == 1
    kabul = ds.sites.set_index("site_id").loc["kabul"]
    assert (kabul["side"], kabul["country"]) == ("AF", "AF")


def test_dataset_check_is_the_check_json_document(ds, tmp_path):
    result = geo.build(LAYERS, tmp_path / "out")
    import json

    written = json.loads((tmp_path / "out" / "check.json").read_text(encoding="utf-8"))
    doc = json.loads(json.dumps(ds.check(), default=str))
    assert [s["site_id"] for s in written["sites"]] == [s["site_id"] for s in doc["sites"]]
    assert written["border"]["length_km"] == doc["border"]["length_km"]
    assert "check.json" in result.files and result.published


def test_to_file_round_trips_through_gdal(ds, tmp_path):
    path = ds.to_file(tmp_path / "sites.gpkg")
    back = pyogrio.read_dataframe(path, layer="sites")
    assert sorted(back["site_id"]) == sorted(ds.sites["site_id"])
    with pytest.raises(geo.UsageError, match="unknown format"):
        ds.to_file(tmp_path / "sites.xlsx")
    with pytest.raises(geo.UsageError, match="is a directory"):
        ds.to_file(tmp_path)


def test_explore_returns_a_folium_map(ds):
    import folium

    m = ds.explore()
    assert isinstance(m, folium.Map)
    html = m.get_root().render()
    assert "Angoor Adda" in html


def test_build_check_lists_missing_differing_and_extra_files(tmp_path):
    out = tmp_path / "maps"
    with pytest.raises(geo.OutOfDateError) as err:
        geo.build(LAYERS, out, check=True)
    assert "sites.geojson (missing)" in err.value.changed
    assert not out.exists()  # a check publishes nothing
    geo.build(LAYERS, out)
    assert geo.build(LAYERS, out, check=True).changed == []
    (out / "stale.geojson").write_text("{}")
    (out / "report.md").write_text("edited by hand\n")
    with pytest.raises(geo.OutOfDateError) as err:
        geo.build(LAYERS, out, check=True)
    assert err.value.changed == ["report.md (differs)", "stale.geojson (extra: not made by this build)"]


def test_cli_build_check_exits_1_on_an_extra_file(tmp_path):
    out = tmp_path / "maps"
    assert run("build", "--layers", str(LAYERS), "--out", str(out), "-q").exit_code == 0
    (out / "old-map.html").write_text("<html></html>")
    res = run("build", "--layers", str(LAYERS), "--out", str(out), "--check")
    assert res.exit_code == 1
    assert "old-map.html (extra: not made by this build)" in res.stdout


@pytest.fixture
def layers_copy(tmp_path) -> Path:
    return Path(shutil.copytree(LAYERS, tmp_path / "layers"))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("out", [".", "sub"])
def test_build_never_writes_into_the_layers_directory(layers_copy, out):
    before = _snapshot(layers_copy)
    res = CliRunner().invoke(cli, ["build", "--layers", str(layers_copy), "--out", str(layers_copy / out)])
    assert res.exit_code == 2
    assert "inside the layers directory" in res.stderr
    assert _snapshot(layers_copy) == before


@pytest.mark.parametrize("name,fmt", [("sites.csv", "csv"), ("claims.csv", "csv"), ("x.geojson", "geojson")])
def test_export_never_writes_an_input_file(layers_copy, name, fmt):
    before = _snapshot(layers_copy)
    res = CliRunner().invoke(cli, ["export", "--layers", str(layers_copy), "--format", fmt, "--out", str(layers_copy / name)])
    assert res.exit_code == 2, res.output
    assert "never writes into its inputs" in res.stderr
    assert _snapshot(layers_copy) == before


def test_build_refuses_an_events_file_as_output(tmp_path, synthetic_events):
    events = synthetic_events(50)
    with pytest.raises(geo.UsageError, match="would overwrite the input"):
        geo.build(LAYERS, events.parent, events=[events])


def test_export_to_a_directory_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(cli, ["export", "--layers", str(LAYERS), "--format", "geojson", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "is a directory" in res.stderr
    assert "Traceback" not in res.output


@pytest.mark.parametrize("name", ["[/]", "[link=https://evil.example]click[/link]", "[bold red]ALERT", "\x1b[31mred\x1b]8;;x\x07"])
def test_check_prints_site_names_as_plain_text(layers_copy, name):
    path = layers_copy / "sites.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    rows[0]["name"] = name
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    res = CliRunner().invoke(cli, ["check", "--layers", str(layers_copy)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout
    visible = name.replace("\x1b", "\N{REPLACEMENT CHARACTER}").replace("\x07", "\N{REPLACEMENT CHARACTER}")
    assert visible[:10] in res.stdout.replace("\n", "").replace("│", "").replace(" ", "") or visible[:10].replace(" ", "") in \
        res.stdout.replace(" ", "")


#: Runs in a fresh interpreter: records process-wide settings, builds, records them again.
SETTINGS_PROBE = r"""
import csv, gc, json, sys, tempfile
import branca.element, matplotlib, pyogrio
pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "1999-09-09T00:00:00Z", "OGR_SQLITE_CACHE": "7"})
def state():
    return {"csv_limit": csv.field_size_limit(), "gc": gc.isenabled(), "gc_threshold": gc.get_threshold(),
            "backend": matplotlib.get_backend(), "branca_id": repr(branca.element.Element.__dict__.get("_generate_id")),
            "gdal": [pyogrio.get_gdal_config_option(k) for k in ("OGR_CURRENT_DATE", "OGR_SQLITE_CACHE", "OGR_SQLITE_SYNCHRONOUS")]}
before = state()
import geo
geo.build(sys.argv[1], tempfile.mkdtemp())
geo.load(sys.argv[1]).explore()
print(json.dumps([before, state()]))
"""


def test_the_library_changes_no_process_wide_setting():
    """Importing geo and building leaves csv, gc, matplotlib, branca and GDAL settings as the caller had them."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", SETTINGS_PROBE, str(LAYERS)], capture_output=True, text=True, check=True, cwd=ROOT)
    before, after = json.loads(out.stdout.strip().splitlines()[-1])
    assert after == before


@pytest.mark.parametrize("name,message", [("", "empty place name"), ("   ", "empty place name"),
                                          ("x" * 100_000, "longer than the 300 a name may have")])
def test_geocode_refuses_empty_and_overlong_names_with_exit_2(name, message):
    res = CliRunner().invoke(cli, ["geocode", name])
    assert res.exit_code == 2
    assert message in res.stderr
