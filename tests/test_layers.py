"""Loading and validating layers: the seed data loads; every bad input names file, line and column."""

import csv
import datetime as dt
import doctest
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import geo.urls
from geo.border import compare_reported
from geo.errors import LayerError
from geo.layers import THEATRE_KEYS, Theatre, read_layers, read_table, read_theatre
from geo.schema import MAX_NAME_CHARS, SCHEMAS, url_columns

LAYERS = Path(__file__).resolve().parent.parent / "layers"


@pytest.fixture
def layers_copy(tmp_path):
    dst = tmp_path / "layers"
    shutil.copytree(LAYERS, dst)
    return dst


def test_seed_layers_load_with_every_place_the_articles_name():
    layers = read_layers(LAYERS)
    names = set(layers.sites["name"])
    for place in ["Angoor Adda", "Bajaur", "Kurram", "Dir", "Chitral", "Bahram Chah", "Kunar", "Kabul"]:
        assert place in names
    assert any("Paktika" in n for n in names)
    assert layers.theatre.countries == ("AF", "PK")
    assert sorted(layers.figures["value"]) == [2611, 2640]
    # Claims both sides make about the same quantity are there to be compared.
    killed = layers.claims[(layers.claims["quantity"] == "killed") & (layers.claims["subject"] == "Pakistani soldiers")]
    assert set(killed["claimant_id"]) == {"af-taliban", "pk-govt"}
    assert layers.sites.loc[layers.sites["site_id"] == "kabul", "source_line"].item() == 9


def _write(path: Path, text: str, *, encoding="utf-8", newline="\n"):
    path.write_bytes(text.replace("\n", newline).encode(encoding))


SITE_HEADER = "site_id,name,place,reported_location,category,event_date,lat,lon,source_ids\n"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("x1,X,,somewhere,clash,2025-10-11,91.2,70,aj-2025-10-12\n", r"sites\.csv:2: lat: .*less than or equal to 90"),
        ("x1,X,,somewhere,clash,2025-13-11,,,aj-2025-10-12\n", r"sites\.csv:2: event_date: '2025-13-11'"),
        ("x1,X,,somewhere,riot,2025-10-11,,,aj-2025-10-12\n", r"sites\.csv:2: category: 'riot'"),
        ("x1,X,,somewhere,clash,2025-10-11,34.5,,aj-2025-10-12\n", r"sites\.csv:2: lat and lon must be given together"),
        ("x1,X,,somewhere,clash,2025-10-11,abc,70,aj-2025-10-12\n", r"sites\.csv:2: lat: 'abc'"),
        ("x1,X,,somewhere,clash,2025-10-11,nan,70,aj-2025-10-12\n", r"sites\.csv:2: lat"),
        ("x1,X,,somewhere,clash,2025-10-11,,,aj-2025-10-12,extra\n", r"sites\.csv:2: has 10 fields, header has 9"),
        ("x1,X,,somewhere,clash,2025-10-11,,,nosuchsource\n", r"sites\.csv:2: source_ids: unknown source 'nosuchsource'"),
        ("x1,X,,\"unterminated,clash,2025-10-11,,,aj-2025-10-12\n", r"sites\.csv:\d+: malformed CSV"),
        ("bad id!,X,,somewhere,clash,2025-10-11,,,aj-2025-10-12\n", r"sites\.csv:2: site_id: 'bad id!'"),
    ],
)
def test_bad_site_rows_are_reported_with_file_line_and_column(layers_copy, body, expected):
    _write(layers_copy / "sites.csv", SITE_HEADER + body)
    (layers_copy / "claims.csv").write_text((layers_copy / "claims.csv").read_text().splitlines()[0] + "\n")
    with pytest.raises(LayerError, match=expected):
        read_layers(layers_copy)


def test_all_problems_in_all_files_are_reported_at_once(layers_copy):
    _write(layers_copy / "sites.csv", SITE_HEADER
           + "a,A,,w,clash,2025-10-11,95,70,aj-2025-10-12\n"
           + "a,B,,w,clash,2025-10-11,30,70,aj-2025-10-12\n"
           + "c,C,,w,blast,not-a-date,30,70,aj-2025-10-12\n")
    claims = (layers_copy / "claims.csv").read_text().splitlines()
    claims[1] = claims[1].replace("pk-govt", "nobody")
    (layers_copy / "claims.csv").write_text("\n".join(claims) + "\n")
    with pytest.raises(LayerError) as info:
        read_layers(layers_copy)
    text = str(info.value)
    assert "sites.csv:2: lat" in text
    assert "sites.csv:3: site_id: duplicate id 'a' (first used on line 2)" in text
    assert "sites.csv:4: event_date" in text
    assert "claims.csv:2: claimant_id: unknown claimant 'nobody'" in text


def test_missing_required_column_names_the_column(layers_copy):
    _write(layers_copy / "sites.csv", "site_id,name,reported_location,category,event_date,source_ids\n")
    _write(layers_copy / "claims.csv", "claim_id,claimant_id,claim_date,quantity,statement\n")
    with pytest.raises(LayerError) as info:
        read_layers(layers_copy)
    assert "claims.csv:1: source_id: required column is missing" in str(info.value)


def test_empty_file_is_an_error_not_a_crash(layers_copy):
    (layers_copy / "sites.csv").write_text("")
    with pytest.raises(LayerError, match=r"sites\.csv:1: empty file"):
        read_layers(layers_copy)


def test_bom_crlf_arabic_script_and_quoted_newlines_are_accepted(tmp_path):
    path = tmp_path / "sites.csv"
    text = (SITE_HEADER
            + 'k1,کابل,Kabul,"two\nlines",strike,2025-10-09,,,s\n'
            + "k2,Bājaur,Bajaur,here,clash,2025-10-11,,,s\n")
    _write(path, "\ufeff" + text, newline="\r\n")
    df = read_table(path, "sites", id_column="site_id")
    assert list(df["name"]) == ["کابل", "Bājaur"]
    # The record after a quoted newline starts on physical line 4, as an editor shows it.
    assert list(df["source_line"]) == [2, 4]


def test_not_utf8_is_reported_with_the_line(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_bytes(SITE_HEADER.encode() + "k1,K\xe4bul,,w,strike,2025-10-09,,,s\n".encode("latin-1"))
    with pytest.raises(LayerError, match=r"sites\.csv:2: not UTF-8"):
        read_table(path, "sites")


def test_javascript_urls_are_rejected(tmp_path):
    path = tmp_path / "sources.csv"
    path.write_text("source_id,outlet,published,url\ns1,X,2025-10-12,javascript:alert(1)\n")
    with pytest.raises(LayerError, match=r"sources\.csv:2: url: 'javascript:alert\(1\)': must be an http\(s\) URL"):
        read_table(path, "sources")


@pytest.mark.parametrize(
    "toml, expected",
    [
        ('name = "x"\nborder_name = "y"\ncountries = ["AF"]\n', "countries: expected two different ISO"),
        ('name = "x"\nborder_name = "y"\ncountries = ["AF", "PK"]\ntolerance_km = -1\n', "tolerance_km: expected a number"),
        ('name = "x"\ncountries = ["AF", "PK"]\n', "border_name: expected a non-empty string"),
        ('name = "x"\nborder_name = "y"\ncountries = ["AF", "PK"]\nborder_file = "nope.geojson"\n', "border_file: file 'nope.geojson' not found"),
        ('name = "x\n', "malformed TOML"),
    ],
)
def test_bad_theatre_files(tmp_path, toml, expected):
    path = tmp_path / "theatre.toml"
    path.write_text(toml)
    with pytest.raises(LayerError, match=expected):
        read_theatre(path)


# --- URLs: one rule for every column that can become a link ----------------------------------------


ROOT = LAYERS.parent
#: A valid row of each layer that has a URL column, with the URL column left for the test to fill.
URL_ROWS = {
    ("sources", "url"): "source_id,outlet,published,url\ns1,X,2025-10-12,{}\n",
    ("gazetteer", "source_ref"): "place_id,name,country,kind,feature,lat,lon,radius_km,source,source_ref\n"
                                 "g1,G,PK,point,town,34,70,2,GeoNames,{}\n",
}
HOSTILE_URLS = [
    "javascript:alert(1)", "JavaScript:alert(1)", "java\tscript:alert(1)", "javascript&#58;alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd", "//evil.example/x",
    "https://x.example/\"onmouseover=\"alert(1)", "https://x.example/a b", "https:alert(1)", "https://", "x.example/page",
    "https://x.example/\u202egnp.exe", "https://x.example/\\evil",
]


def test_every_column_that_reaches_an_href_is_a_checked_url_column():
    # The templates put three fields in href: sources' url (panel, and claims as source_url) and the
    # gazetteer's source_ref (popups, as geocode_ref). Both layers' columns must be typed Url.
    hrefs = set()
    for path in (ROOT / "geo" / "templates").iterdir():
        hrefs |= set(re.findall(r'href="\{\{\s*([\w.]+)\s*\}\}"', path.read_text(encoding="utf-8")))
    # this.offline_name is the constant "offline.html" (geo/render/_build.py), not text from a layer.
    assert hrefs == {"s.url", "c.source_url", "site.geocode_ref", "this.offline_name"}
    assert {(k, c) for k, m in SCHEMAS.items() for c in url_columns(m)} == set(URL_ROWS)


@pytest.mark.parametrize("kind_col", list(URL_ROWS))
@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_hostile_urls_are_rejected_in_every_url_column(tmp_path, kind_col, url):
    kind, col = kind_col
    path = tmp_path / f"{kind}.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(csv.reader(URL_ROWS[kind_col].replace("{}", "URL").splitlines()))
    path.write_text(path.read_text(encoding="utf-8").replace("URL", '"' + url.replace('"', '""') + '"'), encoding="utf-8")
    with pytest.raises(LayerError) as info:
        read_table(path, kind)
    [p] = info.value.problems
    assert (p.line, p.column) == (2, col)
    assert "must be an http(s) URL" in p.message


@pytest.mark.parametrize("kind_col", list(URL_ROWS))
@pytest.mark.parametrize("url", ["https://www.geonames.org/1138958", "HTTP://Example.org/a?b=c&d=%20#x", "https://ar.wikipedia.org/wiki/کابل"])
def test_plain_http_urls_are_kept_as_written(tmp_path, kind_col, url):
    kind, col = kind_col
    path = tmp_path / f"{kind}.csv"
    path.write_text(URL_ROWS[kind_col].format(url), encoding="utf-8")
    assert read_table(path, kind)[col].item() == url


def test_javascript_source_ref_in_a_layers_gazetteer_fails_the_build(layers_copy, tmp_path):
    # It used to become a live link in the popup of every site geocoded to that place.
    shutil.copy(ROOT / "examples" / "thailand-cambodia" / "gazetteer.csv", layers_copy / "gazetteer.csv")
    rows = (layers_copy / "gazetteer.csv").read_text(encoding="utf-8").splitlines()
    rows[3] = re.sub(r",https://[^,]+,", ",javascript:alert(document.domain),", rows[3])
    (layers_copy / "gazetteer.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = _cli_build(layers_copy, tmp_path / "maps")
    assert res.returncode == 2, res.stderr
    assert re.search(r"^error: \S+gazetteer\.csv:4: source_ref: 'javascript:alert\(document\.domain\)': must be an http\(s\) URL",
                     res.stderr, re.MULTILINE), res.stderr
    assert not (tmp_path / "maps").exists()


def test_urls_module_examples():
    assert doctest.testmod(geo.urls).failed == 0


# --- an empty theatre is a valid one ---------------------------------------------------------------

def _cli_build(layers: Path, out: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "geo", "build", "--layers", str(layers), "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)


def _header_only(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def test_header_only_sites_and_claims_build_an_empty_map_and_report(layers_copy, tmp_path):
    # A new theatre before its first site used to end in KeyError: 'lon' (and stopped geo watch).
    for name in ("sites.csv", "claims.csv"):
        _header_only(layers_copy / name)
    out = tmp_path / "maps"
    res = _cli_build(layers_copy, out)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert json.loads((out / "sites.geojson").read_text())["features"] == []
    assert json.loads((out / "claims.geojson").read_text())["features"] == []
    check = json.loads((out / "check.json").read_text())
    assert check["sites"] == [] and check["border"]["length_km"] > 0
    assert sorted(r["km"] for r in check["border"]["reported"]) == [2611.0, 2640.0]
    with open(out / "sites.csv", encoding="utf-8", newline="") as fh:
        assert len(list(csv.reader(fh))) == 1  # the header only
    report = (out / "report.md").read_text(encoding="utf-8")
    assert re.search(r"^## Sites\n\n\| site \|.*\n\|---.*\n\n", report, re.MULTILINE)
    assert "</html>" in (out / "index.html").read_text(encoding="utf-8")


def test_a_theatre_of_header_only_files_builds(layers_copy, tmp_path):
    for name in ("sources.csv", "claimants.csv", "sites.csv", "claims.csv", "figures.csv"):
        _header_only(layers_copy / name)
    layers = read_layers(layers_copy)
    assert all(len(getattr(layers, k)) == 0 for k in ("sources", "claimants", "sites", "claims", "figures"))
    assert "source_line" in layers.sites.columns
    res = _cli_build(layers_copy, tmp_path / "maps")
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "maps" / "check.json").read_text())["border"]["reported"] == []


# --- theatre.toml ----------------------------------------------------------------------------------

THEATRE = 'name = "x"\nborder_name = "y"\ncountries = ["AF", "PK"]\n'
LINE_FILE = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                        "geometry": {"type": "LineString", "coordinates": [[69.0, 31.0], [70.0, 33.0]]}}]})


@pytest.mark.parametrize("extra, expected", [
    ('border_fle = "b.geojson"', r"theatre\.toml:4: border_fle: unknown key; did you mean border_file\?"),
    ("Tolerance_km = 1", r"theatre\.toml:4: Tolerance_km: unknown key; did you mean tolerance_km\?"),
    ("[theatre]\nname = 'x'", r"theatre\.toml:4: theatre: unknown key; known keys: name, border_name, countries"),
    ('"\u202ekey" = 1', r"theatre\.toml:4: unknown key '\\u202ekey'; known keys"),  # shown escaped, never raw
])
def test_unknown_theatre_keys_name_the_closest_known_key(tmp_path, extra, expected):
    path = tmp_path / "theatre.toml"
    path.write_text(THEATRE + extra + "\n", encoding="utf-8")
    with pytest.raises(LayerError, match=expected):
        read_theatre(path)


@pytest.mark.parametrize("value, expected", [
    ("/etc/shadow", "not an absolute path"),          # GDAL used to open it
    ("/vsicurl/https://example.org/b.geojson", "not an absolute path"),
    ("\\\\server\\share\\b.geojson", "not an absolute path"),
    ("C:/data/b.geojson", "not an absolute path"),
    ("../outside/b.geojson", r"'\.\.' leaves it"),
    ("sub/../../outside/b.geojson", r"'\.\.' leaves it"),
    ("link.geojson", r"resolves outside the layers directory \(a symbolic link\?\)"),
    ("table.csv", r"not a vector geometry file; give one of \.fgb, \.geojson, \.gpkg, \.json, \.shp"),
])
def test_geometry_files_must_be_vector_files_inside_the_layers_directory(tmp_path, value, expected):
    layers, outside = tmp_path / "layers", tmp_path / "outside"
    layers.mkdir()
    outside.mkdir()
    (outside / "b.geojson").write_text(LINE_FILE)
    (layers / "link.geojson").symlink_to(outside / "b.geojson")
    (layers / "table.csv").write_text("lon,lat\n69,31\n70,33\n")
    path = layers / "theatre.toml"
    path.write_text(THEATRE + f"border_file = {json.dumps(value)}\n", encoding="utf-8")
    with pytest.raises(LayerError, match=rf"theatre\.toml:4: border_file: '.*': .*{expected}") as info:
        read_theatre(path)
    assert len(info.value.problems) == 1


def test_geometry_file_in_a_subdirectory_is_found(tmp_path):
    (tmp_path / "geometry").mkdir()
    (tmp_path / "geometry" / "b.geojson").write_text(LINE_FILE)
    path = tmp_path / "theatre.toml"
    path.write_text(THEATRE + 'border_file = "geometry/b.geojson"\n', encoding="utf-8")
    assert read_theatre(path).border_file == (tmp_path / "geometry" / "b.geojson").resolve()


def test_every_theatre_key_is_a_theatre_field():
    # Adding a key means adding a row to THEATRE_KEYS and a Theatre field of the same name.
    assert set(THEATRE_KEYS) == set(Theatre.__dataclass_fields__)


# --- no silent fallback ----------------------------------------------------------------------------

FIGURES_HEADER = "figure_id,quantity,value,unit,source_id\n"


@pytest.mark.parametrize("unit, canonical", [("km", "km"), ("KM", "km"), ("Kilometres", "km"), ("kilometers", "km"),
                                             ("mi", "mi"), ("Miles", "mi"), ("mile", "mi"), ("m", "m"), ("metres", "m")])
def test_figure_units_and_their_spellings(tmp_path, unit, canonical):
    path = tmp_path / "figures.csv"
    path.write_text(FIGURES_HEADER + f"f1,border_length,1640,{unit},s\n")
    assert read_table(path, "figures")["unit"].item() == canonical


@pytest.mark.parametrize("unit", ["leagues", "nm", "kmh", "km2", "feet", "-"])
def test_an_unknown_figure_unit_is_a_row_error_not_a_mile(tmp_path, unit):
    path = tmp_path / "figures.csv"
    path.write_text(FIGURES_HEADER + f"f1,border_length,1640,{unit},s\n")
    with pytest.raises(LayerError, match=rf"figures\.csv:2: unit: '{unit}': unknown unit; use one of km, m, mi"):
        read_table(path, "figures")


def test_reported_lengths_in_miles_and_metres_are_converted(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text(FIGURES_HEADER + "f1,border_length,1640,miles,s\nf2,border_length,2640000,m,s\n")
    figures = read_table(path, "figures").assign(statement=None)
    sources = read_table(LAYERS / "sources.csv", "sources").head(1).assign(source_id="s")
    kms = [r["km"] for r in compare_reported(2244.7, figures, sources)]
    assert kms == pytest.approx([1640 * 1.609344, 2640.0])


@pytest.mark.parametrize("header, expected", [
    ("site_id,name,reported_location,category,event_date,source_ids,reported_contry", r"1: reported_contry: unknown column; did you mean reported_country\?"),
    ("site_id,name,reported_location,category,event_date,source_ids,Lat,lon", r"1: Lat: unknown column; did you mean lat\?"),
    ("site_id,name,reported_location,category,event_date,source_ids,casualties", r"1: casualties: unknown column; known columns: site_id, name"),
    ("site_id,name,reported_location,category,event_date,source_ids,", r"1: column 7 of the header has no name \(a trailing comma\?\)"),
    ("site_id,name,reported_location,category,event_date,source_ids,<b>x</b>", r"1: '<b>x</b>': unknown column"),
])
def test_an_unknown_optional_column_is_an_error_naming_the_closest_known_one(tmp_path, header, expected):
    # A misspelt optional header used to be ignored, and its column silently dropped.
    path = tmp_path / "sites.csv"
    path.write_text(header + "\n")
    with pytest.raises(LayerError, match=rf"sites\.csv:{expected}"):
        read_table(path, "sites")


# --- every problem at once -------------------------------------------------------------------------

def test_reference_problems_come_with_row_problems(layers_copy):
    claims = (layers_copy / "claims.csv").read_text().splitlines()
    claims[1] = claims[1].replace(",angoor-adda,", ",nowhere,")
    (layers_copy / "claims.csv").write_text("\n".join(claims) + "\n")
    sites = (layers_copy / "sites.csv").read_text().splitlines()
    sites[2] = sites[2].replace(",clash,", ",riot,")  # bajaur: a row error
    (layers_copy / "sites.csv").write_text("\n".join(sites) + "\n")
    with pytest.raises(LayerError) as info:
        read_layers(layers_copy)
    found = [(Path(p.path).name, p.line, p.column) for p in info.value.problems]
    # The unknown site and the bad row in one run; claims on bajaur (a rejected row) are not "unknown site".
    assert found == [("claims.csv", 2, "site_id"), ("sites.csv", 3, "category")]


# --- dates and limits ------------------------------------------------------------------------------

@pytest.mark.parametrize("date, expected", [
    ("2025-10-14", r"is after today \(2025-10-12\): a typo in the year\?"),
    ("2099-10-11", r"is after today \(2025-10-12\)"),
    ("1899-12-31", r"is before 1900-01-01: a typo in the year\?"),
    ("0205-10-11", r"is before 1900-01-01"),
])
def test_report_dates_out_of_range_are_row_errors(layers_copy, date, expected):
    (layers_copy / "sites.csv").write_text(SITE_HEADER + f"x1,X,,w,clash,{date},34.5,70.5,aj-2025-10-12\n")
    _header_only(layers_copy / "claims.csv")
    with pytest.raises(LayerError, match=rf"sites\.csv:2: event_date: '{date}': {expected}"):
        read_layers(layers_copy, today=dt.date(2025, 10, 12))


def test_a_date_one_day_ahead_is_accepted_for_time_zones(layers_copy):
    layers = read_layers(layers_copy, today=dt.date(2025, 10, 11))  # the seed has reports dated 2025-10-12
    assert max(layers.sources["published"]) == dt.date(2025, 10, 12)
    with pytest.raises(LayerError, match=r"sources\.csv:\d+: published: '2025-10-12': is after today \(2025-10-10\)"):
        read_layers(layers_copy, today=dt.date(2025, 10, 10))


def test_long_place_names_are_rejected(tmp_path):
    path = tmp_path / "sites.csv"
    long = "K" * (MAX_NAME_CHARS + 1)
    path.write_text(SITE_HEADER + f"x1,{long},{long},w,clash,2025-10-11,,,s\n")
    with pytest.raises(LayerError) as info:
        read_table(path, "sites")
    assert [(p.line, p.column) for p in info.value.problems] == [(2, "name"), (2, "place")]
    assert f"at most {MAX_NAME_CHARS} characters" in info.value.problems[0].message


def test_a_layer_file_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("geo.tables.MAX_FILE_BYTES", 100)
    path = tmp_path / "sites.csv"
    path.write_text(SITE_HEADER + "x1,X,,w,clash,2025-10-11,,,s\n" * 3)
    with pytest.raises(LayerError, match=r"sites\.csv: file of \d+ bytes is over the limit of 100 for a layer"):
        read_table(path, "sites")


def test_reading_leaves_the_csv_field_limit_as_it_was(tmp_path):
    before = csv.field_size_limit()
    path = tmp_path / "sites.csv"
    path.write_text(SITE_HEADER + "x1,X,,w,clash,2025-10-11,,,s\n")
    read_table(path, "sites")
    assert csv.field_size_limit() == before == 131072  # the csv module's default: nothing changed at import


def test_an_unknown_reference_among_many_ids_names_the_closest(layers_copy):
    ids = [f"site-{i:02d}" for i in range(29)] + ["kabul"]
    rows = "".join(f"{i},S,,w,clash,2025-10-11,34.5,70.5,aj-2025-10-12\n" for i in ids)
    (layers_copy / "sites.csv").write_text(SITE_HEADER + rows)
    claims = (layers_copy / "claims.csv").read_text().splitlines()
    (layers_copy / "claims.csv").write_text("\n".join([claims[0], re.sub(r"^c01,angoor-adda,", "c01,kabull,", claims[1])]) + "\n")
    with pytest.raises(LayerError) as info:
        read_layers(layers_copy)
    [p] = info.value.problems
    assert str(p).endswith("claims.csv:2: site_id: unknown site 'kabull' (closest: kabul; 30 known)")


def test_a_geopackage_table_without_geometry_is_a_clear_error(tmp_path):
    # Read as a plain table, it used to end in "'DataFrame' object has no attribute 'crs'".
    import pyogrio

    pyogrio.write_dataframe(pd.DataFrame({"lon": [69.0, 70.0], "lat": [31.0, 33.0]}), tmp_path / "t.gpkg", driver="GPKG")
    path = tmp_path / "theatre.toml"
    path.write_text(THEATRE + 'border_file = "t.gpkg"\n', encoding="utf-8")
    with pytest.raises(LayerError, match=r"t\.gpkg: geometry: no geometry column \(a table without geometry\?\)"):
        read_theatre(path)
