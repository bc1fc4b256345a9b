"""Loading and validating layers: the seed data loads; every bad input names file, line and column."""

import shutil
from pathlib import Path

import pytest

from geo.errors import LayerError
from geo.layers import read_layers, read_table, read_theatre

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
