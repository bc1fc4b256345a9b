"""geo build on the real seed data: outputs, reproducibility, --check, atomicity, GIS round trips."""

import csv
import json
import shutil
from pathlib import Path

import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from geo.cli import cli

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"
SEED_SITES = 9


def build(layers: Path, out: Path, *extra: str):
    return CliRunner().invoke(cli, ["build", "--layers", str(layers), "--out", str(out), "-q", *extra])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("maps")
    res = build(LAYERS, out)
    assert res.exit_code == 0, res.output
    return out


def test_build_writes_map_exports_and_report(built):
    names = {p.name for p in built.iterdir()}
    assert {"index.html", "offline.html", "sites.geojson", "claims.geojson", "border.geojson", "countries.geojson",
            "bands.geojson", "border_incidents.gpkg", "sites.csv", "claims.csv", "check.json", "report.md",
            "length_scale.png"} <= names
    assert not [p for p in built.parent.iterdir() if p.name.startswith(".maps")], "staging dir left behind"
    html = (built / "index.html").read_text()
    for name in ["Angoor Adda", "Bajaur", "Kurram", "Chitral", "Bahram Chah", "Kunar", "Kabul", "Paktika"]:
        assert name in html
    assert "Afghan Taliban administration" in html and "Pakistan government and military" in html


def test_offline_map_loads_nothing_from_the_network(built):
    html = (built / "offline.html").read_text()
    assert "<script src=" not in html and "<link rel=\"stylesheet\" href=\"http" not in html
    # Leaflet itself is inlined: the exact library file of the installed xstatic-leaflet package.
    import xstatic.pkg.leaflet as xleaflet

    leaflet_js = (Path(xleaflet.BASE_DIR) / "leaflet.js").read_text(encoding="utf-8")
    assert leaflet_js.strip()[-200:] in html
    assert "tile.openstreetmap" not in html


def test_the_committed_maps_are_up_to_date():
    res = CliRunner().invoke(cli, ["build", "--layers", str(LAYERS), "--out", str(ROOT / "maps"), "--check", "-q"])
    assert res.exit_code == 0, "maps/ is out of date with layers/: run `geo build`\n" + res.output


def test_two_builds_are_byte_identical(built, tmp_path):
    res = build(LAYERS, tmp_path / "again")
    assert res.exit_code == 0
    for p in built.iterdir():
        assert (tmp_path / "again" / p.name).read_bytes() == p.read_bytes(), p.name


def test_check_lists_outputs_that_would_change(built, tmp_path):
    layers = tmp_path / "layers"
    shutil.copytree(LAYERS, layers)
    out = tmp_path / "maps"
    shutil.copytree(built, out)
    assert build(layers, out, "--check").exit_code == 0
    text = (layers / "sites.csv").read_text().replace("Angoor Adda,Angoor Adda", "Angoor Adda,Angur Ada")
    (layers / "sites.csv").write_text(text.replace("Border town and crossing", "Border town and crossing point"))
    res = build(layers, out, "--check")
    assert res.exit_code == 1
    assert "sites.geojson (differs)" in res.output and "index.html (differs)" in res.output


def test_failed_build_leaves_previous_outputs_untouched(built, tmp_path):
    layers = tmp_path / "layers"
    shutil.copytree(LAYERS, layers)
    out = tmp_path / "maps"
    shutil.copytree(built, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with open(layers / "sites.csv", "a") as fh:
        fh.write("new-site,Nowhere,Xqzzyville,somewhere,,,clash,2025-10-12,,,,,aj-2025-10-12,\n")
    res = build(layers, out)
    assert res.exit_code == 2
    assert "sites.csv:11: place: unknown place name 'Xqzzyville'" in res.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".maps")]


def test_adding_a_row_adds_a_site(built, tmp_path):
    layers = tmp_path / "layers"
    shutil.copytree(LAYERS, layers)
    with open(layers / "sites.csv", "a") as fh:
        fh.write("torkham,Torkham,Torkham,the Torkham crossing,,,crossing,2025-10-12,,,,,aj-2025-10-12,Closed after the clashes.\n")
    assert build(layers, tmp_path / "maps").exit_code == 0
    gj = json.loads((tmp_path / "maps" / "sites.geojson").read_text())
    assert len(gj["features"]) == SEED_SITES + 1


def _ring_is_ccw(ring):
    return shapely.LinearRing(ring).is_ccw


def test_geojson_follows_rfc7946(built):
    for name in ["sites", "claims", "border", "countries", "bands"]:
        doc = json.loads((built / f"{name}.geojson").read_text())
        assert doc["type"] == "FeatureCollection"
        assert "crs" not in doc
        for f in doc["features"]:
            g = f["geometry"]
            if g is None:
                continue
            coords = shapely.get_coordinates(shapely.geometry.shape(g))
            assert ((coords[:, 0] >= -180) & (coords[:, 0] <= 180) & (coords[:, 1] >= -90) & (coords[:, 1] <= 90)).all()
            assert all(len(repr(float(c)).split(".")[-1]) <= 6 for c in coords[:3].ravel())
            if g["type"] in ("Polygon", "MultiPolygon"):
                polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
                for poly in polys:
                    assert _ring_is_ccw(poly[0]), f"{name}: exterior ring must be counter-clockwise"
                    assert all(not _ring_is_ccw(h) for h in poly[1:])
    sites = json.loads((built / "sites.geojson").read_text())
    props = sites["features"][0]["properties"]
    assert isinstance(props["distance_km"], float) and isinstance(props["where_prec"], int)
    assert props["event_date"] == "2025-10-11"
    kabul = next(f for f in sites["features"] if f["properties"]["site_id"] == "kabul")
    lon, lat = kabul["geometry"]["coordinates"]
    assert 69 < lon < 69.3 and 34.4 < lat < 34.6  # longitude first


def test_geopackage_has_every_layer_and_round_trips(built):
    layers = {name for name, _ in pyogrio.list_layers(built / "border_incidents.gpkg")}
    assert layers == {"sites", "claims", "border", "countries", "bands"}
    sites = pyogrio.read_dataframe(built / "border_incidents.gpkg", layer="sites")
    gj = pyogrio.read_dataframe(built / "sites.geojson")
    assert sites.crs.to_epsg() == 4326
    assert sorted(sites["site_id"]) == sorted(gj["site_id"])
    assert len(sites) == SEED_SITES
    s = sites.set_index("site_id")
    assert abs(s.loc["kabul"].geometry.x - 69.17233) < 1e-6
    claims = pyogrio.read_dataframe(built / "border_incidents.gpkg", layer="claims")
    assert claims["best"].dtype.kind == "f"
    assert claims.geometry.isna().sum() == (claims["scope"] == "border").sum() > 0


def test_check_json_has_the_documented_fields(built):
    doc = json.loads((built / "check.json").read_text())
    # The line in use: OpenStreetMap's (2,715.3 km); Natural Earth 1:10m's is the other reference.
    assert doc["border"]["length_km"] == pytest.approx(2715.3, abs=0.5)
    assert [(r["key"], r["length_km"], r["used"]) for r in doc["border"]["references"]] == [("osm", 2715.3, True), ("ne10m", 2244.7, False)]
    for r in doc["border"]["reported"]:
        assert {"km", "source", "diff_km", "diff_pct"} <= set(r)
    assert len(doc["sites"]) == SEED_SITES
    for s in doc["sites"]:
        assert {"name", "lat", "lon", "country", "side", "distance_km", "flags"} <= set(s)
        assert s["side"] in {"AF", "PK", "uncertain", "outside"}
        assert s["country"] in {"AF", "PK", None}


def test_csv_opens_safely_in_a_spreadsheet(built, tmp_path):
    layers = tmp_path / "layers"
    shutil.copytree(LAYERS, layers)
    text = (layers / "sites.csv").read_text().replace("Border town and crossing", '=HYPERLINK(""http://evil"")')
    (layers / "sites.csv").write_text(text)
    assert build(layers, tmp_path / "maps").exit_code == 0
    rows = list(csv.DictReader(open(tmp_path / "maps" / "sites.csv", encoding="utf-8")))
    note = next(r["notes"] for r in rows if r["site_id"] == "angoor-adda")
    assert note.startswith("'=HYPERLINK")


PAYLOAD = '<img src=x onerror="window.__pwned=1">`${window.__pwned=2}`</script><script>window.__pwned=3</script>'


def test_hostile_text_is_escaped_in_every_html(built, tmp_path):
    layers = tmp_path / "layers"
    shutil.copytree(LAYERS, layers)
    for name in ("sites.csv", "claims.csv"):
        text = (layers / name).read_text()
        text = text.replace("Border town and crossing in South Waziristan facing Barmal (Paktika).", '"' + PAYLOAD.replace('"', '""') + '"')
        text = text.replace("Afghan forces wounded 30 Pakistani soldiers.", '"' + PAYLOAD.replace('"', '""') + '"')
        (layers / name).write_text(text)
    assert build(layers, tmp_path / "maps").exit_code == 0
    for name in ("index.html", "offline.html", "report.md"):
        html = (tmp_path / "maps" / name).read_text()
        assert "<img src=x" not in html and "<script>window.__pwned" not in html, name
