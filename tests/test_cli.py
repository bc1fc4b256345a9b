"""The command line as scripts use it: exit codes, JSON on stdout, errors on stderr, help and docs."""

import json
import shutil
import threading
import time
from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner

from geo.cli import cli

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_geocode_json_has_the_documented_fields():
    res = run("geocode", "Angur Ada", "Bajour", "Konar", "--json", "--layers", LAYERS)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [r["name"] for r in out] == ["Angoor Adda", "Bajaur District", "Kunar Province"]
    for r in out:
        assert {"query", "name", "lat", "lon", "country", "admin1", "precision", "source"} <= set(r)
    assert out[0]["admin1"] == "Khyber Pakhtunkhwa" and out[0]["precision"] == "point"
    assert out[1]["precision"] == "district" and out[2]["precision"] == "province" and out[2]["country"] == "AF"


def test_unknown_name_exits_1_with_suggestions_on_stderr():
    res = run("geocode", "Peshawr", "Xqzzyville", "--layers", LAYERS)
    assert res.exit_code == 1
    assert "Peshawar" in res.stdout  # the misspelling still resolves
    assert "unknown place name 'Xqzzyville'" in res.stderr
    assert "Xqzzyville" not in res.stdout


def test_ambiguous_name_exits_1_and_a_hint_resolves_it():
    res = run("geocode", "Behsud", "--layers", LAYERS)
    assert res.exit_code == 1 and "ambiguous" in res.stderr and "Nangarhar" in res.stderr
    res = run("geocode", "Behsud, Nangarhar", "--json", "--layers", LAYERS)
    assert res.exit_code == 0 and json.loads(res.stdout)[0]["admin1"] == "Nangarhar"


def test_bad_country_option_is_a_usage_error():
    res = run("geocode", "Kabul", "--country", "Afghanistan", "--layers", LAYERS)
    assert res.exit_code == 2 and "ISO 3166-1 alpha-2" in res.stderr


def test_check_json_is_valid_json_on_stdout():
    res = run("check", "--json", "--layers", LAYERS)
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["border"]["length_km"] == pytest.approx(2715.3, abs=0.5)  # the OpenStreetMap line, in use
    sides = {s["site_id"]: s["side"] for s in doc["sites"]}
    assert sides["kabul"] == "AF" and sides["bajaur"] == "PK" and sides["bahram-chah"] == "uncertain"


def test_check_table_names_every_site():
    res = run("check", "--layers", LAYERS)
    assert res.exit_code == 0
    for name in ("Angoor Adda", "Bahram Chah", "Kabul", "2,640", "2,611"):
        assert name in res.stdout


def test_missing_layers_directory_exits_2():
    res = run("check", "--layers", "does-not-exist")
    assert res.exit_code == 2 and "layers directory not found" in res.stderr


@pytest.mark.parametrize("fmt, layer, suffix", [("geojson", "claims", ".geojson"), ("gpkg", "sites", ".gpkg"), ("csv", "sites", ".csv")])
def test_export_writes_one_readable_file(tmp_path, fmt, layer, suffix):
    out = tmp_path / f"x{suffix}"
    res = run("export", "--format", fmt, "--layer", layer, "--out", out, "--layers", LAYERS)
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == str(out)
    if fmt == "gpkg":
        assert len(pyogrio.list_layers(out)) == 5
    elif fmt == "geojson":
        assert len(json.loads(out.read_text())["features"]) == 26
    else:
        assert out.read_text().splitlines()[0].startswith("site_id,name,")
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_csv_export_of_a_geometry_only_layer_is_refused(tmp_path):
    res = run("export", "--format", "csv", "--layer", "border", "--out", tmp_path / "b.csv", "--layers", LAYERS)
    assert res.exit_code == 2 and not (tmp_path / "b.csv").exists()


def test_watch_rebuilds_when_a_layer_changes(tmp_path):
    layers = tmp_path / "layers"
    shutil.copytree(LAYERS, layers)
    out = tmp_path / "maps"
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("res", run("watch", "--layers", layers, "--out", out, "--interval", 0.2, "--max-builds", 1)))
    t.start()
    deadline = time.time() + 30
    while not (out / "sites.geojson").exists() and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    with open(layers / "sites.csv", "a") as fh:
        fh.write("torkham,Torkham,Torkham,the Torkham crossing,,,crossing,2025-10-12,,,,,aj-2025-10-12,\n")
    t.join(60)
    assert not t.is_alive()
    res = result["res"]
    assert res.exit_code == 0, res.output
    assert "after changes to sites.csv" in res.stdout
    assert len(json.loads((out / "sites.geojson").read_text())["features"]) == 10


COMMANDS = ["build", "check", "geocode", "export", "watch", "draft"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_in_the_readme(command):
    res = run(command, "--help")
    assert res.exit_code == 0 and "Example:" in res.stdout
    assert f"geo {command}" in (ROOT / "README.md").read_text()


def test_every_command_is_listed_here():
    assert sorted(cli.commands) == sorted(COMMANDS)


def test_readme_starts_with_the_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    blocks = text.split("```")
    assert "pip install" in blocks[1] and "geo build" in blocks[1]
    assert "pytest" in blocks[3]
    assert ".venv/bin/python -m pytest" in (ROOT / ".ci" / "run").read_text()
