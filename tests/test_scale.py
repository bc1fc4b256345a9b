"""Large-input paths: vectorised flags, records and map pieces equal their per-row definitions;
GeoParquet export and Parquet events (geo/columns.py, geo/checks.py, geo/export.py, geo/events.py)."""

import csv
import datetime as dt
import math
import random

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from pathlib import Path

from geo.checks import Flag, flag_lists
from geo.cli import cli
from geo.columns import per_combination, per_value, round_floats, sort_rows
from geo.events import ACLED_COLUMNS, read_events

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"


# --------------------------------------------------------------------------------------------
# flags: one rule set, many rows or one


def _random_rows(n: int, seed: int = 7):
    rng = random.Random(seed)
    precisions = ["point", "near", "district", "province", "country", None, float("nan"), ""]
    rows, args = [], []
    for _ in range(n):
        country = rng.choice(["AF", "PK", None])
        dist = rng.choice([0.0, 0.05, 1.25, 2.5, 12345.678, rng.uniform(0, 300)])
        radius = rng.choice([1.0, 2, 25.0, 75.0, 0.5, 500])
        unc = np.float64(radius) + 2.0
        side = "outside" if country is None else ("uncertain" if dist <= unc else country)
        rows.append({
            "name": rng.choice(["Torkham", "Angur Ada", "x{y}", "<b>"]), "precision": rng.choice(precisions), "radius_km": radius,
            "reported_country": rng.choice(["AF", "PK", "", None, float("nan")]),
            "reported_admin1": rng.choice(["Kunar", "kunar ", "Khyber Pakhtunkhwa", "", None, float("nan")]),
            "admin1": rng.choice(["Kunar", "Nangarhar", "", None, float("nan")]),
            "country_geocoded": rng.choice(["AF", None, "", float("nan")]),
        })
        args.append((country, side, np.float64(dist), unc))
    return rows, args


def _expected_codes(row: dict, country, side, dist, unc) -> list[str]:
    """The flag codes of one site, written out from the rules the README states (an oracle
    independent of geo.checks' masks)."""
    text = lambda v: isinstance(v, str) and bool(v.strip())  # noqa: E731
    precision = row["precision"] if isinstance(row["precision"], str) else None
    area = precision in ("near", "district", "province", "country")
    codes = []
    if side == "outside":
        codes.append("outside_theatre")
    if side == "uncertain" and dist <= unc:
        if country is None:
            codes.append("between_countries")
        codes.append("near_border")
    if area:
        codes.append("area_location")
    if text(row["reported_country"]) and country is not None and row["reported_country"] != country:
        codes.append("reported_country_uncertain" if side == "uncertain" else "reported_country_mismatch")
    if precision != "near" and text(row["reported_admin1"]) and text(row["admin1"]) \
            and row["reported_admin1"].strip().lower() != row["admin1"].strip().lower():
        codes.append("reported_admin1_mismatch")
    return codes


def test_flag_lists_follow_the_stated_rules_on_random_rows():
    rows, args = _random_rows(3000)
    frame = pd.DataFrame(rows, dtype=object)
    many = flag_lists(frame, country=[a[0] for a in args], side=[a[1] for a in args], distance_km=np.array([a[2] for a in args]),
                      uncertainty_km=np.array([a[3] for a in args]), tolerance_km=2.0)
    assert [[f.code for f in fl] for fl in many] == [_expected_codes(r, *a) for r, a in zip(rows, args)]
    codes = {f.code for fl in many for f in fl}
    assert codes >= {"outside_theatre", "near_border", "area_location", "reported_country_mismatch",
                     "reported_country_uncertain", "reported_admin1_mismatch"}


def test_site_flags_wording_is_unchanged():
    row = {"name": "Bahram Chah", "precision": "point", "radius_km": 3.0, "reported_country": "PK", "reported_admin1": None,
           "admin1": "Helmand", "country_geocoded": "AF"}
    flags = flag_lists({k: [v] for k, v in row.items()}, country=["AF"], side=["uncertain"], distance_km=[0.705],
                       uncertainty_km=[5.0], tolerance_km=2.0)[0]
    assert flags == [
        Flag("near_border", "Bahram Chah is 0.7 km from the line, within its combined uncertainty of 5.0 km (border ±2 km, "
                            "location ±3 km): which side it is on cannot be told from this geometry."),
        Flag("reported_country_uncertain", "The report places Bahram Chah in PK; the located point falls in AF, but only 0.7 km "
                                           "from the line, within the 5.0 km uncertainty: the report may be right about the place of the incident."),
    ]


# --------------------------------------------------------------------------------------------
# column helpers


def test_round_floats_is_pythons_round():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-180, 180, 200_000), np.arange(0, 20_000) / 1000 + 0.0005,
                        [0.0, -0.0, 2.675, 1.005, 0.125, 1e300, -1e300, np.nan, np.inf, 5e-324, 2.0**60]])
    for nd in (1, 2, 5, 6):
        got = round_floats(x, nd).tolist()
        want = [round(v, nd) for v in x.tolist()]
        assert all((a == b and math.copysign(1, a) == math.copysign(1, b)) or (a != a and b != b) for a, b in zip(got, want))


def test_per_value_and_per_combination_call_once_per_value():
    calls = []
    out = per_value(["a", "b", "a", None, float("nan"), "b"], lambda v: calls.append(v) or f"<{v}>")
    assert out.tolist() == ["<a>", "<b>", "<a>", "<None>", "<nan>", "<b>"] and len(calls) == 4
    both = per_combination(lambda a, b: f"{a}{b}", ["x", "x", "y", "x"], [1, 1, 1, 2])
    assert both.tolist() == ["x1", "x1", "y1", "x2"]


def test_sort_rows_orders_as_pandas_sort_values():
    rng = np.random.default_rng(5)
    pool = ["a", "b", "B", "é", "z", "", "aa", "😀", None]
    for _ in range(50):
        n = int(rng.integers(1, 80))
        df = pd.DataFrame({c: pd.Series([pool[i] for i in rng.integers(0, len(pool), n)], dtype=object) for c in "xyz"})
        assert list(sort_rows(df, ["x", "y", "z"]).index) == list(df.sort_values(["x", "y", "z"], na_position="first").index)
        assert list(sort_rows(df, ["y", "x"], na_position="last").index) == list(df.sort_values(["y", "x"]).index)


def test_sources_html_equals_the_macro_row_by_row():
    from geo import render
    from geo.render import _popup

    item = _popup._HTML.get_template("source_item.html.j2").module.source_item
    rng = random.Random(11)
    pool = {"url": [None, "", "https://x.org/a?b=1&c=<2>", 'http://e.com/"q"'], "outlet": ["Al Jazeera", "<b>x</b>", None, "A & B", float("nan")],
            "published": [dt.date(2025, 10, 12), "2025-10-12", None], "title": ["T", "<script>", None, ""],
            "notes": [None, "", "n & m", float("nan")]}
    df = pd.DataFrame([{k: rng.choice(v) for k, v in pool.items()} for _ in range(500)], dtype=object)
    want = "".join(str(item({k: _popup._clean(v) for k, v in r.items()})) for r in df.to_dict("records"))
    assert str(render.sources_html(df)) == want


# --------------------------------------------------------------------------------------------
# GeoParquet out, Parquet in


def test_sites_export_to_geoparquet_round_trips(tmp_path):
    from geo.export import layer_tables
    from geo.layers import read_layers
    from geo.pipeline import run

    out = tmp_path / "sites.parquet"
    res = CliRunner().invoke(cli, ["export", "--layers", str(LAYERS), "--format", "parquet", "--layer", "sites", "--out", str(out)])
    assert res.exit_code == 0, res.output
    back = gpd.read_parquet(out)
    table = layer_tables(run(read_layers(LAYERS)))["sites"]
    assert back["site_id"].tolist() == table["site_id"].tolist()
    assert back.crs.to_epsg() == 4326
    assert np.array_equal(shapely.get_coordinates(back.geometry.values), shapely.get_coordinates(table.geometry.values))
    assert np.array_equal(back["lon"].to_numpy(), table["lon"].to_numpy()) and np.array_equal(back["lat"].to_numpy(), table["lat"].to_numpy())
    for col in table.columns.drop("geometry"):
        assert back[col].dtype.kind == table[col].dtype.kind or (back[col].dtype == object or isinstance(back[col].dtype, pd.StringDtype)), col
    assert {c: str(back[c].dtype) for c in ("where_prec", "geo_precision", "n_claims", "distance_km", "radius_km")} == {
        "where_prec": "int32", "geo_precision": "int32", "n_claims": "int32", "distance_km": "float64", "radius_km": "float64"}


ACLED = [
    dict(event_id_cnty="PAK1001", event_date="2025-10-11", event_type="Battles", sub_event_type="Armed clash", actor1="Military Forces of Pakistan (2024-)",
         iso="586", country="Pakistan", admin1="Khyber Pakhtunkhwa", location="Angoor Adda", latitude="32.5156", longitude="69.2825",
         geo_precision="1", source="Dawn", source_scale="National", notes="Exchange of fire.", fatalities="3", timestamp="1760486400"),
    dict(event_id_cnty="AFG2001", event_date="2025-10-12", event_type="Explosions/Remote violence", sub_event_type="Air/drone strike",
         iso="4", country="Afghanistan", admin1="Kandahar", location="Spin Boldak", latitude="31.0058", longitude="66.4",
         geo_precision="2", source="TOLOnews", notes="", fatalities="4", timestamp="1760572800"),
    dict(event_id_cnty="PAK1003", event_date="2025-10-11", event_type="Battles", sub_event_type="Armed clash", iso="586", country="Pakistan",
         admin1="Khyber Pakhtunkhwa", location="{{ 7*7 }} <Parachinar>", latitude="33.8997", longitude="70.1001", geo_precision="3",
         source="Geo News", notes="Gunfire.", fatalities="0", timestamp=""),
]


def _write_acled(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    path = tmp_path / "acled.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(ACLED_COLUMNS))
        w.writeheader()
        for r in ACLED:
            w.writerow({c: r.get(c, "") for c in ACLED_COLUMNS})
    typed = pd.read_csv(path, keep_default_na=False, dtype=object)
    for c in ("latitude", "longitude"):
        typed[c] = typed[c].astype(float)
    for c in ("geo_precision", "fatalities", "iso"):
        typed[c] = typed[c].astype(np.int64)
    typed["timestamp"] = pd.to_numeric(typed["timestamp"]).astype(float)  # a blank becomes NaN: null in Parquet
    return path, typed


@pytest.mark.parametrize("geometry", [False, True], ids=["parquet", "geoparquet"])
def test_parquet_events_give_the_same_sites_as_the_csv(tmp_path, geometry):
    from geo.export import check_report
    from geo.layers import read_layers
    from geo.pipeline import run

    csv_path, typed = _write_acled(tmp_path)
    pq_path = tmp_path / "acled.parquet"
    if geometry:
        gpd.GeoDataFrame(typed, geometry=gpd.points_from_xy(typed["longitude"], typed["latitude"]), crs="EPSG:4326").to_parquet(pq_path)
    else:
        typed.to_parquet(pq_path, index=False)
    a, b = read_events(csv_path), read_events(pq_path)
    skip = ["source_file", "source_line"]
    pd.testing.assert_frame_equal(a.sites.drop(columns=skip), b.sites.drop(columns=skip))
    pd.testing.assert_frame_equal(a.claims.drop(columns=skip), b.claims.drop(columns=skip))
    pd.testing.assert_frame_equal(a.sources.drop(columns=skip), b.sources.drop(columns=skip))
    assert b.sites["source_line"].tolist() == [1, 2, 3]  # row numbers
    ra = check_report(run(read_layers(LAYERS), events=[a]))["sites"]
    rb = check_report(run(read_layers(LAYERS), events=[b]))["sites"]
    strip = lambda recs: [{k: v for k, v in r.items() if k != "source_line"} for r in recs]  # noqa: E731
    assert strip(ra) == strip(rb)
    res = CliRunner().invoke(cli, ["check", "--layers", str(LAYERS), "--json", "--events", str(pq_path)])
    assert res.exit_code == 0, res.output
    assert "acled-AFG2001" in res.output


def test_parquet_events_are_validated_like_csv(tmp_path):
    _, typed = _write_acled(tmp_path)
    typed.loc[1, "latitude"] = 123.0
    typed = typed.drop(columns=["fatalities"])
    path = tmp_path / "bad.parquet"
    typed.to_parquet(path, index=False)
    res = CliRunner().invoke(cli, ["check", "--layers", str(LAYERS), "--json", "--events", str(path)])
    assert res.exit_code != 0
    assert "fatalities: required ACLED column is missing" in res.output


def test_template_syntax_in_event_text_is_not_evaluated(tmp_path):
    from geo.layers import read_layers
    from geo.pipeline import run
    from geo.render import render_html

    csv_path, _ = _write_acled(tmp_path)
    html = render_html(run(read_layers(LAYERS), events=[read_events(csv_path)]))
    assert "{{ 7*7 }}" in html
