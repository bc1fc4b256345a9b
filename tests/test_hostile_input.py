"""Hostile and broken input, case by case: each gives our own error naming file, line and column.

The CLI exits 2 on invalid input, prints only problems (on stderr), and a failed build
leaves an existing output directory exactly as it was. All cases work on copies in tmp_path.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from geo.cli import cli
from geo.errors import LayerError
from geo.layers import MAX_FIELD, read_layers, read_table, read_theatre
from geo.reference import load_reference

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"
SEED_SITES = 9
SITE_HEADER = "site_id,name,place,reported_location,category,event_date,lat,lon,source_ids,notes\n"
GOOD_SITE = "x1,X,,somewhere,clash,2025-10-11,34.5,70.5,aj-2025-10-12,\n"
#: One problem line as the CLI prints it: ``error: file:line: column: message``.
PROBLEM_LINE = re.compile(r"^error: (?P<file>\S+?):(?P<line>\d+): (?P<column>[A-Za-z_]\w*): (?P<message>.+)$")


@pytest.fixture
def layers(tmp_path) -> Path:
    dst = tmp_path / "layers"
    shutil.copytree(LAYERS, dst)
    return dst


def _build(layers: Path, out: Path):
    return CliRunner().invoke(cli, ["build", "--layers", str(layers), "--out", str(out), "-q"])


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A finished build of the seed layers, to copy as "the previous outputs"."""
    out = tmp_path_factory.mktemp("built") / "maps"
    res = _build(LAYERS, out)
    assert res.exit_code == 0, res.output
    return out


def _problems(exc: LayerError) -> list[str]:
    return [str(p) for p in exc.problems]


def _add_to_theatre(layers: Path, text: str) -> None:
    with open(layers / "theatre.toml", "a", encoding="utf-8") as fh:
        fh.write("\n" + text + "\n")


def _feature_collection(*geometries, properties=None) -> str:
    return json.dumps({"type": "FeatureCollection",
                       "features": [{"type": "Feature", "properties": properties or {}, "geometry": g} for g in geometries]})


BOW_TIE = {"type": "Polygon", "coordinates": [[[69.0, 31.0], [71.5, 35.0], [71.5, 31.0], [69.0, 35.0], [69.0, 31.0]]]}
LINE = {"type": "LineString", "coordinates": [[69.0, 31.0], [70.0, 33.0], [71.5, 35.0]]}


# --- CSV files ------------------------------------------------------------------------------------

def test_field_over_the_csv_limit_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "sites.csv"
    big = "x" * (MAX_FIELD + 1)
    path.write_text(SITE_HEADER + GOOD_SITE + f"x2,X,,somewhere,clash,2025-10-11,,,s,{big}\n" + GOOD_SITE.replace("x1", "x3"))
    with pytest.raises(LayerError) as info:
        read_table(path, "sites")
    [p] = info.value.problems
    assert (p.path, p.line) == (str(path), 3)
    assert "field larger than field limit" in p.message


def test_long_field_under_the_csv_limit_names_its_column(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(SITE_HEADER + GOOD_SITE.replace(",\n", "," + "y" * 300_000 + "\n"))
    with pytest.raises(LayerError, match=r"sites\.csv:2: notes: 'yyy.*at most 20000 characters"):
        read_table(path, "sites")


def test_nul_byte_is_rejected_with_its_line(tmp_path):
    # GDAL ends strings at NUL: accepted, "Border\0town" would be written as "Border" in GeoJSON and GeoPackage.
    path = tmp_path / "sites.csv"
    path.write_bytes((SITE_HEADER + GOOD_SITE + GOOD_SITE.replace("x1,X", "x2,Border\x00town")).encode())
    with pytest.raises(LayerError, match=r"sites\.csv:3: NUL byte"):
        read_table(path, "sites")


def test_a_layer_that_is_a_directory(layers):
    (layers / "sites.csv").unlink()
    (layers / "sites.csv").mkdir()
    with pytest.raises(LayerError) as info:
        read_layers(layers)
    assert _problems(info.value) == [f"{layers / 'sites.csv'}: is a directory, expected the sites layer as a CSV file"]


def test_a_theatre_file_that_is_a_directory(layers):
    (layers / "theatre.toml").unlink()
    (layers / "theatre.toml").mkdir()
    with pytest.raises(LayerError, match=r"theatre\.toml: is a directory"):
        read_layers(layers)


def test_an_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "sites.csv"
    path.write_text(SITE_HEADER + GOOD_SITE)

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(LayerError, match=r"sites\.csv: cannot read file: Permission denied"):
        read_table(path, "sites")


@pytest.mark.parametrize("encoding, expected", [
    ("utf-16", r"sites\.csv:1: UTF-16 text"),          # with byte-order mark
    ("utf-16-le", r"sites\.csv:1: NUL byte"),          # without: ASCII text has a NUL after every letter
    ("utf-16-be", r"sites\.csv:1: NUL byte"),
    ("utf-32", r"sites\.csv:1: UTF-16 text"),          # its mark starts like UTF-16's
    ("cp1252", r"sites\.csv:3: not UTF-8"),
])
def test_a_file_not_in_utf8(tmp_path, encoding, expected):
    path = tmp_path / "sites.csv"
    path.write_bytes((SITE_HEADER + GOOD_SITE + GOOD_SITE.replace("x1,X", "x2,Kābul") .replace("ā", "é")).encode(encoding))
    with pytest.raises(LayerError, match=expected):
        read_table(path, "sites")


def test_claims_low_above_best_names_the_column(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text("claim_id,claimant_id,claim_date,quantity,low,best,high,statement,source_id\n"
                    "c1,pk,2025-10-12,killed,1,2,3,ok,s\n"
                    "c2,pk,2025-10-12,killed,30,20,,low above best,s\n"
                    "c3,pk,2025-10-12,killed,,20,10,best above high,s\n"
                    "c4,pk,2025-10-12,killed,30,,10,low above high,s\n")
    with pytest.raises(LayerError) as info:
        read_table(path, "claims")
    assert [(p.line, p.column) for p in info.value.problems] == [(3, "best"), (4, "high"), (5, "high")]
    assert all("low <= best <= high" in p.message for p in info.value.problems)


def test_negative_or_zero_figure(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text("figure_id,quantity,value,unit,source_id\nf1,border_length,-2640,km,s\nf2,border_length,0,km,s\n")
    with pytest.raises(LayerError) as info:
        read_table(path, "figures")
    assert [s.split(": ", 1)[1] for s in _problems(info.value)] == [
        "value: '-2640': Input should be greater than 0", "value: '0': Input should be greater than 0"]
    assert [p.line for p in info.value.problems] == [2, 3]


@pytest.mark.parametrize("kind, header, row, column", [
    ("figures", "figure_id,quantity,value,unit,source_id", "f1,border_length,inf,km,s", "value"),
    ("claims", "claim_id,claimant_id,claim_date,quantity,best,statement,source_id", "c1,pk,2025-10-12,killed,1e400,x,s", "best"),
    ("sites", SITE_HEADER.strip(), "x1,X,,w,clash,2025-10-11,nan,70,s,", "lat"),
    ("gazetteer", "place_id,name,country,kind,feature,lat,lon,radius_km,source", "g,G,PK,point,town,34,70,NaN,s", "radius_km"),
])
def test_infinite_or_nan_numbers_are_rejected(tmp_path, kind, header, row, column):
    # An infinite claim figure used to pass validation and crash the build (OverflowError in int()).
    path = tmp_path / f"{kind}.csv"
    path.write_text(header + "\n" + row + "\n")
    with pytest.raises(LayerError, match=rf"{kind}\.csv:2: {column}: '[^']+': Input should be a finite number"):
        read_table(path, kind)


@pytest.mark.parametrize("date", ["2025-02-30", "2025-13-01", "2025-00-10", "2025-10-32", "11/10/2025", "2025-10-11x"])
def test_impossible_dates(tmp_path, date):
    path = tmp_path / "sites.csv"
    path.write_text(SITE_HEADER + GOOD_SITE + GOOD_SITE.replace("x1", "x2").replace("2025-10-11", date))
    with pytest.raises(LayerError, match=rf"sites\.csv:3: event_date: '{re.escape(date)}': Input should be a valid date"):
        read_table(path, "sites")


def test_leap_day_is_a_date(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(SITE_HEADER + GOOD_SITE.replace("2025-10-11", "2024-02-29"))
    assert str(read_table(path, "sites")["event_date"].item()) == "2024-02-29"


# --- theatre.toml ---------------------------------------------------------------------------------

THEATRE = 'name = "x"\nborder_name = "y"\ncountries = ["AF", "PK"]\n'


@pytest.mark.parametrize("extra, expected", [
    ('border_file = "a\\u0000b"', r"theatre\.toml:4: border_file: file 'a\\x00b' not found"),   # crashed: embedded null byte
    ('border_file = "' + "a" * 5000 + '"', r"theatre\.toml:4: border_file: file 'aaaa.*\.\.\. not found"),  # crashed: name too long
    ('countries_file = "' + "d/" * 3000 + '"', r"theatre\.toml:4: countries_file: file .* not found"),
    ("border_file = 5", r"theatre\.toml:4: border_file: expected a file name \(a string\), got 5"),
    ('border_file = "."', r"theatre\.toml:4: border_file: file '\.' not found"),
    ("border_source = 5", r"theatre\.toml:4: border_source: expected a string, got 5"),
    ('name = "x"', r"theatre\.toml:4: malformed TOML: Cannot overwrite a value"),
])
def test_bad_theatre_values(tmp_path, extra, expected):
    path = tmp_path / "theatre.toml"
    path.write_text(THEATRE + extra + "\n")
    with pytest.raises(LayerError, match=expected):
        read_theatre(path)


@pytest.mark.parametrize("codes", ['["ÄÖ", "PK"]', '["AF", "ＰＫ"]', '["AF", "PK", "IN"]', '["af", "pk"]'])
def test_country_codes_must_be_ascii_iso(tmp_path, codes):
    path = tmp_path / "theatre.toml"
    path.write_text(THEATRE.replace('["AF", "PK"]', codes))
    with pytest.raises(LayerError, match=r"theatre\.toml:3: countries: expected two different ISO 3166-1 alpha-2 codes"):
        read_theatre(path)


# --- border and country geometry files ------------------------------------------------------------

def _check_json(layers: Path, out: Path) -> dict:
    res = _build(layers, out)
    assert res.exit_code == 0, res.output
    return json.loads((out / "check.json").read_text())


def test_country_polygons_given_as_the_border_are_an_error_not_a_longer_border(layers, tmp_path):
    # The countries file as border_file used to be taken as its outline: a 10,562.8 km "Durand Line".
    shutil.copy(ROOT / "geo" / "data" / "AF-PK.countries.geojson", layers / "border.geojson")
    _add_to_theatre(layers, 'border_file = "border.geojson"')
    res = _build(layers, tmp_path / "maps")
    assert res.exit_code == 2 and res.stdout == ""
    assert re.search(r"^error: \S+/border\.geojson: geometry: feature 1 is a (Multi)?Polygon: border_file must hold LineString "
                     r"or MultiLineString geometry \(the two countries' polygons go in countries_file\)$", res.stderr, re.MULTILINE), res.stderr
    assert not (tmp_path / "maps").exists()


@pytest.mark.parametrize("geometries, expected", [
    ([{"type": "GeometryCollection", "geometries": [BOW_TIE, LINE]}], "feature 1 is a GeometryCollection"),
    ([BOW_TIE], "feature 1 is a Polygon"),
    ([LINE, {"type": "Point", "coordinates": [70, 33]}], "feature 2 is a Point"),
], ids=["collection-with-a-polygon", "polygon", "lines-and-a-point"])
def test_border_file_with_other_geometry_than_lines(layers, geometries, expected):
    (layers / "border.geojson").write_text(_feature_collection(*geometries))
    _add_to_theatre(layers, 'border_file = "border.geojson"')
    with pytest.raises(LayerError, match=rf"border\.geojson: geometry: {expected}: border_file must hold LineString"):
        read_theatre(layers / "theatre.toml")


@pytest.mark.parametrize("geometries", [
    [{"type": "GeometryCollection", "geometries": [LINE, {"type": "LineString", "coordinates": [[71.5, 35.0], [71.6, 36.0]]}]}],
    [None, LINE],                                                       # used to crash: TypeError in the repair log
    [{"type": "MultiLineString", "coordinates": [LINE["coordinates"], [[71.5, 35.0], [71.6, 36.0]]]}],
], ids=["collection-of-lines", "null-geometry", "multilinestring"])
def test_border_files_with_lines_in_any_container_build(layers, tmp_path, geometries):
    (layers / "border.geojson").write_text(_feature_collection(*geometries))
    _add_to_theatre(layers, 'border_file = "border.geojson"')
    doc = _check_json(layers, tmp_path / "maps")
    assert len(doc["sites"]) == SEED_SITES and doc["border"]["length_km"] > 0


@pytest.mark.parametrize("content, expected", [
    ('{"type": "FeatureCollection", "features": [\n{"type": "Feature",}\n]}', r"border\.geojson:2: cannot read border line: not valid JSON"),
    ("", r"border\.geojson:1: cannot read border line: not valid JSON"),
    (b"\xff\xfe\x00garbage", r"border\.geojson: cannot read border line: not valid JSON \('utf-8' codec"),
    (_feature_collection({"type": "Point", "coordinates": [70, 33]}, {"type": "MultiPoint", "coordinates": [[70, 33], [71, 34]]}),
     r"border\.geojson: geometry: feature 1 is a Point: border_file must hold LineString or MultiLineString geometry"),
    (_feature_collection(), r"border\.geojson: geometry: no lines in the file: border_file must hold LineString"),
    (_feature_collection({"type": "LineString", "coordinates": [[700000.0, 3500000.0], [710000.0, 3600000.0]]}),
     r"border\.geojson: geometry: border line: coordinates must be finite longitude/latitude"),  # projected metres, no CRS
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": '
     '{"type": "LineString", "coordinates": [[NaN, 30], [72, 36]]}}]}', r"border\.geojson: geometry: border line: coordinates must be finite"),
], ids=["bad-json", "empty", "binary", "points-only", "no-features", "metres", "nan"])
def test_unusable_border_file_is_a_clear_error(layers, content, expected):
    path = layers / "border.geojson"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    _add_to_theatre(layers, 'border_file = "border.geojson"')
    with pytest.raises(LayerError, match=expected) as info:
        load_reference(read_theatre(layers / "theatre.toml"))
    assert all(p.path == str(path.resolve()) for p in info.value.problems)


def _packaged_countries(split: bool = False, key: str = "iso_a2") -> str:
    doc = json.loads((ROOT / "geo" / "data" / "AF-PK.countries.geojson").read_text())
    feats = []
    for f in doc["features"]:
        g = f["geometry"]
        parts = [g] if not split or g["type"] == "Polygon" else [{"type": "Polygon", "coordinates": c} for c in g["coordinates"]]
        feats += [{"type": "Feature", "properties": {key: f["properties"]["iso_a2"]}, "geometry": p} for p in parts]
    return json.dumps({"type": "FeatureCollection", "features": feats[::-1]})  # Pakistan first


@pytest.mark.parametrize("content, expected", [
    (_packaged_countries(key="code"), r"countries\.geojson: iso_a2: country polygons need an ISO_A2 property"),
    (_packaged_countries().replace('"PK"', '"IN"'), r"countries\.geojson: iso_a2: no polygon for PK"),
    (_feature_collection({"type": "Point", "coordinates": [70, 33]}, properties={"iso_a2": "AF"}),
     r"countries\.geojson: geometry: feature 1 is a Point: countries_file must hold Polygon or MultiPolygon geometry"),
    (_feature_collection(None, properties={"ISO_A2": "AF"}), r"countries\.geojson: geometry: no polygons in the file"),
    (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"iso_a2": c}, "geometry": {"type": "Polygon", "coordinates": [[[x, 30], [x + 1, 30], [x + 1, 31], [x, 30]]]}}
        for c, x in (("AF", 60), ("PK", 70))]}), r"countries\.geojson: geometry: the two countries share no boundary line"),
], ids=["no-iso-property", "a-code-missing", "points", "null-geometry", "not-neighbours"])
def test_unusable_countries_file_is_a_clear_error(layers, content, expected):
    (layers / "countries.geojson").write_text(content)
    _add_to_theatre(layers, 'countries_file = "countries.geojson"')
    with pytest.raises(LayerError, match=expected):
        load_reference(read_theatre(layers / "theatre.toml"))


def test_countries_file_with_one_feature_per_polygon_part(layers):
    # Several features per country (islands, exclaves) used to be taken as "the first two rows" = two parts of one country.
    (layers / "countries.geojson").write_text(_packaged_countries(split=True, key="ISO_A2"))
    _add_to_theatre(layers, 'countries_file = "countries.geojson"')
    ref = load_reference(read_theatre(layers / "theatre.toml"))
    assert list(ref.countries["iso_a2"]) == ["AF", "PK"]
    from geo.border import geodesic_length_km
    assert geodesic_length_km(ref.border) == pytest.approx(2244.7, abs=1.0)


# --- the command line -----------------------------------------------------------------------------

def test_build_with_a_broken_layer_exits_2_and_leaves_outputs_alone(layers, built, tmp_path):
    out = tmp_path / "maps"
    shutil.copytree(built, out)
    before = _snapshot(out)
    (layers / "claims.csv").write_text((layers / "claims.csv").read_text().splitlines()[0] + "\n")
    (layers / "sites.csv").write_text(SITE_HEADER + GOOD_SITE
                                      + "x2,X,,w,clash,2025-02-30,,,aj-2025-10-12,\n"
                                      + "x3,X,,w,riot,2025-10-11,95,70,aj-2025-10-12,\n")
    res = _build(layers, out)
    assert res.exit_code == 2
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    problems = [m for m in map(PROBLEM_LINE.match, lines) if m]
    assert [(Path(m["file"]).name, int(m["line"]), m["column"]) for m in problems] == [
        ("sites.csv", 3, "event_date"), ("sites.csv", 4, "category"), ("sites.csv", 4, "lat")]
    assert lines[-1] == "3 problem(s); nothing was written."
    assert "Traceback" not in res.stderr
    assert _snapshot(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".maps")], "staging directory left behind"


def test_build_with_a_broken_border_file_exits_2_and_leaves_outputs_alone(layers, built, tmp_path):
    out = tmp_path / "maps"
    shutil.copytree(built, out)
    before = _snapshot(out)
    (layers / "border.geojson").write_text("{not json")
    _add_to_theatre(layers, 'border_file = "border.geojson"')
    res = _build(layers, out)
    assert res.exit_code == 2 and res.stdout == ""
    assert re.search(r"^error: \S+border\.geojson:1: cannot read border line: not valid JSON", res.stderr, re.MULTILINE)
    assert _snapshot(out) == before


def test_build_with_a_directory_for_a_layer_exits_2(layers, tmp_path):
    (layers / "claims.csv").unlink()
    (layers / "claims.csv").mkdir()
    res = _build(layers, tmp_path / "maps")
    assert res.exit_code == 2 and res.stdout == ""
    assert "claims.csv: is a directory" in res.stderr
    assert not (tmp_path / "maps").exists()


def test_check_on_a_missing_layers_directory(tmp_path):
    missing = tmp_path / "does-not-exist"
    res = CliRunner().invoke(cli, ["check", "--layers", str(missing)])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert f"error: {missing}: layers directory not found" in res.stderr
    assert "Traceback" not in res.stderr


def test_geocode_unknown_name_exits_1(layers):
    res = CliRunner().invoke(cli, ["geocode", "Xqzzyville", "--layers", str(layers)])
    assert res.exit_code == 1
    assert res.stdout == ""
    assert "error: unknown place name 'Xqzzyville'" in res.stderr


def test_geocode_mixed_known_and_unknown_names_exits_1_after_printing_the_known(layers):
    res = CliRunner().invoke(cli, ["geocode", "Torkham", "Xqzzyville", "--json", "--layers", str(layers)])
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert [d.get("error") for d in doc] == [None, "not_found"]


def test_geocode_with_a_broken_theatre_exits_2(layers):
    (layers / "theatre.toml").write_text('name = "x\n')
    res = CliRunner().invoke(cli, ["geocode", "Torkham", "--layers", str(layers)])
    assert res.exit_code == 2 and res.stdout == ""
    assert re.search(r"theatre\.toml:1: malformed TOML", res.stderr)


def test_absurd_reported_border_length_is_compared_not_extrapolated(layers, tmp_path):
    text = (layers / "figures.csv").read_text().replace(",2640,", ",1e-300,")
    (layers / "figures.csv").write_text(text)
    from geo.pipeline import run
    border = run(read_layers(layers)).border
    assert border["scale"]["step_km_to_reach"]["1e-300"] is None
    assert any(r["diff_pct"] == -100.0 for r in border["reported"])
