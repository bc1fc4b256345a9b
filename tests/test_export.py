"""Exports (geo/export/): read back with pyogrio, and every writer against an independent reference."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.export import COORD_DECIMALS, layer_tables, neutralise_formula, write_all
from geo.layers import read_layers
from geo.pipeline import run

LAYERS = Path(__file__).resolve().parent.parent / "layers"
IDS = {"sites": "site_id", "claims": "claim_id", "countries": "iso_a2", "bands": "band_id", "border": "key"}  # border: one feature per reference line


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    ds = run(read_layers(LAYERS))
    out = tmp_path_factory.mktemp("out")
    write_all(ds, out)
    return ds, layer_tables(ds), out


@pytest.mark.parametrize("layer", sorted(IDS))
@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_layers_round_trip(written, layer, fmt):
    _, tables, out = written
    expected = tables[layer]
    path = out / (f"{layer}.geojson" if fmt == "geojson" else "border_incidents.gpkg")
    got = pyogrio.read_dataframe(path, layer=None if fmt == "geojson" else layer)
    key = IDS[layer]
    assert len(got) == len(expected)
    assert sorted(got[key].astype(str)) == sorted(expected[key].astype(str))
    assert got.crs.to_epsg() == 4326
    got = got.set_index(key).loc[expected[key].astype(str)]
    exp_geom = expected.geometry.values
    got_geom = got.geometry.values
    present = ~shapely.is_missing(exp_geom)
    assert (~shapely.is_missing(got_geom) == present).all()
    # Same shapes within the stated coordinate precision (1e-6 degree).
    tol = 1.5 * 10**-COORD_DECIMALS
    assert all(shapely.hausdorff_distance(a, b) <= tol for a, b in zip(exp_geom[present], got_geom[present]))
    # Numbers stay numbers, text stays text.
    for col in expected.columns:
        if col in ("geometry", key) or col not in got.columns:
            continue
        if fmt == "geojson" and expected[col].isna().all():
            continue  # GeoJSON has no schema: a column with no value has no type (the GeoPackage keeps it)
        if pd.api.types.is_numeric_dtype(expected[col].infer_objects()):
            assert pd.api.types.is_numeric_dtype(got[col]), (layer, fmt, col, got[col].dtype)
            np.testing.assert_allclose(got[col].astype(float), expected[col].astype(float), rtol=1e-9, atol=1e-6, equal_nan=True)


def test_every_exported_column_survives(written):
    _, tables, out = written
    got = pyogrio.read_dataframe(out / "sites.geojson")
    assert set(tables["sites"].columns) - {"geometry"} <= set(got.columns)


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("Kabul", "Kabul"), ("", ""), (3.5, 3.5), (None, None),
])
def test_formula_cells_are_neutralised(value, expected):
    assert neutralise_formula(value) == expected


# --------------------------------------------------------------------------------------------
# Text writers (geo/export/_arrowtext.py): one Arrow path each, compared with independent references

import csv  # noqa: E402
import datetime as dt  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import geopandas as gpd  # noqa: E402
import orjson  # noqa: E402
import pyarrow as pa  # noqa: E402

from geo import export  # noqa: E402
from geo.errors import OutputError  # noqa: E402
from geo.events import read_events  # noqa: E402
from geo.export import _arrowtext as at  # noqa: E402
from geo.export import outputs  # noqa: E402
from geo.export.records import SITE_RECORD_FIELDS  # noqa: E402
from geo.pipeline import site_records  # noqa: E402

#: Text no writer may garble: CSV and Markdown syntax, formulas, every control character, quotes,
#: backslashes, non-ASCII, template syntax, HTML.
HOSTILE = ["=HYPERLINK(\"http://x\")", "+44 20", "-3 km", "@SUM(A1)", "\tx", "\rx", "a,b", 'say "hi"', "two\nlines",
           "back\\slash", "".join(map(chr, range(32))) + "\x7f", "Kābul 漢字 😀", "{{ 7*7 }} <b>&</b>", "| pipe | `tick` *star* [x]",
           "", " lead", "trail ", "\u2028\u2029"]


def _floats(n: int = 20000, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    edge = [0.0, -0.0, 1.0, 0.5, 1.5, 2.5, 9.5, 99999.95, 999999.5, 1e16, 1e-7, 1e-5, 1e-4, 1e21, 1e22, 1e23, 5e-324, 1e300,
            1.7976931348623157e308, np.inf, -np.inf, np.nan, 123456.5, 0.0001234565, 69.272245, -180.0]
    powers = np.concatenate([[10.0**k, np.nextafter(10.0**k, 0), np.nextafter(10.0**k, np.inf)] for k in range(-30, 31)])
    return np.concatenate([edge, powers, -powers, rng.standard_normal(n) * 10.0 ** rng.integers(-30, 30, n),
                           np.round(rng.uniform(-180, 180, n), 6), np.round(rng.uniform(0, 3000, n), 2)])


@pytest.mark.parametrize("precision", [1, 3, 6, 10, 15])
def test_format_g_is_pythons_percent_g(precision):
    x = _floats()
    expected = [None if v != v else f"%.{precision}g" % v for v in x.tolist()]
    assert at.format_g(x, precision).to_pylist() == expected


def test_json_texts_are_orjsons():
    x = _floats()
    assert at.json_numbers(x).to_pylist() == [orjson.dumps(v).decode() for v in x.tolist()]
    texts = HOSTILE + [chr(c) for c in range(0x20)] + ["\\" * k + '"' * j for k in range(3) for j in range(3)]
    got = at.json_strings(pa.array(texts + [None], at.TEXT)).to_pylist()
    assert got == [orjson.dumps(t).decode() for t in texts] + [None]


def test_csv_cells_are_the_csv_modules():
    for text in HOSTILE + [chr(c) for c in range(128)]:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([text, "x"])
        assert at.csv_cells(pa.array([text], at.TEXT)).to_pylist()[0] + ",x\n" == buf.getvalue(), repr(text)


# ---- every kind of value a column can hold, against Python's csv module and orjson

def _cell_value(v):
    """A cell as a plain Python value (None for every kind of missing value)."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, (dt.date, pd.Timestamp)):
        return v.isoformat()
    return v


def _csv_reference(frame: pd.DataFrame) -> bytes:
    """The CSV by Python's csv module, each cell formatted on its own."""
    def cell(v):
        v = _cell_value(v)
        if v is None:
            return ""
        if isinstance(v, float):
            return format(v, ".6g")
        if isinstance(v, str):
            v = v.replace("\r\n", "\n").replace("\r", "\n") if not v.startswith(export.FORMULA_START) else v
            v = export.neutralise_formula(v)
            return v.replace("\r\n", "\n").replace("\r", "\n")
        return str(v)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(frame.columns))
    for row in zip(*(frame[c].tolist() for c in frame.columns)):
        w.writerow([cell(v) for v in row])
    return buf.getvalue().encode("utf-8")


def _json_reference(frame: pd.DataFrame) -> list[bytes]:
    """Each row's properties as orjson writes a dict of its cells (sorted keys)."""
    return [orjson.dumps({c: _cell_value(v) for c, v in zip(frame.columns, row)}, option=orjson.OPT_SORT_KEYS)
            for row in zip(*(frame[c].tolist() for c in frame.columns))]


BIG = 2**62 + 1  # not exact as a float (2**53 is the limit)
KINDS = {
    "text_with_missing": pd.Series(["a", None, np.nan, pd.NA, "=x\0y", "b,c"] * 2, dtype=object),
    "pandas_string": pd.Series(["a", None, "say \"hi\"", "\r\nx", "", "z"] * 2, dtype="string"),
    "ints": pd.Series([0, -1, BIG, -BIG, 2**53 + 1, 7] * 2, dtype=np.int64),
    "uints": pd.Series([0, 2**64 - 1, 2**63, 1, 2, 3] * 2, dtype=np.uint64),
    "int_objects": pd.Series([1, BIG, None, -5, 0, 2**63 - 1] * 2, dtype=object),
    "nullable_ints": pd.Series([1, None, BIG, -3, 0, 9] * 2, dtype="Int64"),
    "bools": pd.Series([True, False] * 6),
    "nullable_bools": pd.Series([True, None, False, True, None, False] * 2, dtype="boolean"),
    "bool_objects": pd.Series([True, None, False] * 4, dtype=object),
    "floats": pd.Series([1.5, np.nan, np.inf, -np.inf, -0.0, 1e-7] * 2),
    "nullable_floats": pd.Series([1.5, None, 2.25, -1e300, 0.0, 3.0] * 2, dtype="Float64"),
    "mixed_int_float": pd.Series([1, 2.5, None, 3, 1e16, -0.5] * 2, dtype=object),
    "dates": pd.Series([dt.date(2025, 10, 12), None, dt.date(1999, 1, 1)] * 4, dtype=object),
    "datetimes": pd.Series(pd.to_datetime(["2025-10-12 13:45:00", None, "2000-01-01 00:00:00"] * 4)),
    "category": pd.Series(["x", "y", None, "x", "=z", "y"] * 2, dtype="category"),
    "all_missing": pd.Series([None] * 12, dtype=object),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_csv_of_each_kind_of_value_is_the_csv_modules(kind, tmp_path):
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(12)], kind: KINDS[kind]})
    export.write_csv(frame, tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_bytes() == _csv_reference(frame)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_geojson_of_each_kind_of_value_is_orjsons(kind, tmp_path):
    frame = gpd.GeoDataFrame({"id": [f"r{i}" for i in range(12)], kind: KINDS[kind]},
                             geometry=shapely.points(np.arange(12.0), np.zeros(12)), crs="EPSG:4326")
    export.write_geojson(frame, tmp_path / "a.geojson")
    features = orjson.loads((tmp_path / "a.geojson").read_bytes())["features"]
    got = [orjson.dumps(f["properties"], option=orjson.OPT_SORT_KEYS) for f in features]
    expected = pd.DataFrame(frame.drop(columns="geometry"))
    if kind == "mixed_int_float":  # a column of numbers, some with a fraction, is a column of floats (as GDAL's Real)
        expected[kind] = expected[kind].astype(float)
    assert got == _json_reference(expected)


@pytest.mark.parametrize("values, found", [
    ([b"bytes", b"x"], "bytes"), ([[1, 2], [3]], "list"), ([{"a": 1}, {}], "dict"), (["text", 3], "int, str"),
    ([2**70, 1], "int"), ([dt.timedelta(1), None], "timedelta"),
])
def test_a_column_no_writer_can_format_is_named(values, found, tmp_path):
    frame = gpd.GeoDataFrame({"odd": pd.Series(values, dtype=object)}, geometry=shapely.points([0, 1], [0, 1]), crs="EPSG:4326")
    with pytest.raises(TypeError, match=f"column 'odd'.*{found}"):
        export.write_csv(frame, tmp_path / "a.csv")
    with pytest.raises(TypeError, match="column 'odd'"):
        export.write_geojson(frame, tmp_path / "a.geojson")


def test_a_lone_column_writes_empty_fields_as_the_csv_module_does(tmp_path):
    frame = pd.DataFrame({"only": ["a", "", None, "b"]})
    export.write_csv(frame, tmp_path / "a.csv")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["only"], ["a"], [""], [""], ["b"]])
    assert (tmp_path / "a.csv").read_text() == buf.getvalue()


# ---- GeoJSON against GDAL's own RFC 7946 writer

def _gdal_reference(frame: gpd.GeoDataFrame, path: Path) -> bytes:
    """GeoJSON by GDAL's RFC 7946 writer (pyogrio), read back and written by orjson with sorted keys."""
    pyogrio.write_dataframe(frame, path, driver="GeoJSON",
                            layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": str(COORD_DECIMALS), "WRITE_NAME": "NO"})
    return orjson.dumps(orjson.loads(path.read_bytes()), option=orjson.OPT_SORT_KEYS) + b"\n"


@pytest.mark.parametrize("layer", sorted(IDS))
def test_every_bundled_layer_is_gdals_geojson(written, layer, tmp_path):
    _, tables, out = written
    assert (out / f"{layer}.geojson").read_bytes() == _gdal_reference(tables[layer], tmp_path / "gdal.geojson")


def _geometries(n: int, seed: int = 7) -> np.ndarray:
    """Every geometry type GeoJSON has, some polygons wound the wrong way, with holes, and missing ones."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x, y = rng.uniform(-170, 170), rng.uniform(-80, 80)
        square = shapely.Polygon([(x, y), (x, y + 1), (x + 1, y + 1), (x + 1, y)])  # clockwise
        holed = shapely.Polygon(square.exterior.coords, [[(x + .2, y + .2), (x + .4, y + .2), (x + .4, y + .4)]])
        line = shapely.LineString(rng.uniform(-1, 1, (3, 2)) + (x, y))
        out.append([shapely.Point(x + 1e-7 * i, y), line, holed, shapely.MultiPoint([(x, y), (x + 1, y)]),
                    shapely.MultiLineString([line, shapely.LineString([(x, y), (x + 2, y + 2)])]),
                    shapely.MultiPolygon([square, shapely.Polygon([(x + 3, y), (x + 4, y), (x + 4, y + 1)])]), None][i % 7])
    return np.array(out, dtype=object)


def test_geometries_of_every_type_are_gdals(tmp_path):
    n = 700
    frame = gpd.GeoDataFrame({"id": [f"g{i}" for i in range(n)], "x": np.arange(n) / 3},
                             geometry=gpd.array.from_shapely(_geometries(n), crs="EPSG:4326"), crs="EPSG:4326")
    export.write_geojson(frame, tmp_path / "a.geojson")
    assert (tmp_path / "a.geojson").read_bytes() == _gdal_reference(frame, tmp_path / "b.geojson")


def test_3d_geometries_are_gdals(tmp_path):
    geoms = np.array([shapely.Point(1.23456789, 2, 3.3333333), shapely.LineString([(0, 0, 1), (1, 1, 2.5)]), shapely.Point(5, 6),
                      shapely.Polygon([(0, 0, 1), (0, 1, 1), (1, 1, 2)]), None, shapely.MultiPoint([(0, 0, 0), (1, 2, 3)])], dtype=object)
    frame = gpd.GeoDataFrame({"id": list("abcdef")}, geometry=gpd.array.from_shapely(geoms, crs="EPSG:4326"), crs="EPSG:4326")
    export.write_geojson(frame, tmp_path / "a.geojson")
    assert (tmp_path / "a.geojson").read_bytes() == _gdal_reference(frame, tmp_path / "b.geojson")


@pytest.mark.parametrize("geom", [shapely.Point(), shapely.GeometryCollection([shapely.Point(0, 0)]),
                                  shapely.LinearRing([(0, 0), (1, 0), (1, 1)])])
def test_geometries_geojson_would_change_are_refused(geom, tmp_path):
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[geom], crs="EPSG:4326")
    with pytest.raises(ValueError, match="only non-empty points"):
        export.write_geojson(frame, tmp_path / "a.geojson")


def _hostile_frame(n: int = 3000, seed: int = 5, texts: list[str] = HOSTILE) -> gpd.GeoDataFrame:
    """Points (and missing geometries) with every kind of column the exports have, text hostile,
    repeated enough for the dictionary path and unique enough for the plain one."""
    rng = np.random.default_rng(seed)
    pick = lambda values: np.array(values, dtype=object)[rng.integers(0, len(values), n)]  # noqa: E731
    x = _floats(n)[:n]
    return gpd.GeoDataFrame({
        "id": [f"s{i}" for i in range(n)],
        "few": pick(texts + [None, np.nan]),
        "many": [texts[i % len(texts)] + str(i) if i % 7 else None for i in range(n)],
        "arrow_text": pd.Series(pick(texts + [None]), dtype="str"),
        "ints": rng.integers(-5, 10**6, n).astype("int32"),
        "floats": np.where(np.isinf(x[:n]), 1.0, x[:n]),
        "repeated": pick([0.0, -0.0, 2.5, np.nan, 1e-5, 123456789.0]).astype(float),
    }, geometry=gpd.array.from_shapely(np.where(rng.random(n) < 0.05, None, shapely.points(rng.uniform(-180, 180, n), rng.uniform(-90, 90, n))),
                                        crs="EPSG:4326"), crs="EPSG:4326")


def test_geojson_of_hostile_points_is_gdals(tmp_path):
    frame = _hostile_frame(texts=[t.replace("\0", "") for t in HOSTILE])  # (GDAL's texts end at a NUL; orjson's do not)
    # GDAL writes 15 significant digits, this writer each float exactly (as orjson: the kinds tests above).
    frame["floats"] = [float(f"{v:.12g}") for v in frame["floats"].tolist()]
    export.write_geojson(frame, tmp_path / "a.geojson")
    assert (tmp_path / "a.geojson").read_bytes() == _gdal_reference(frame, tmp_path / "b.geojson")
    back = pyogrio.read_dataframe(tmp_path / "a.geojson")
    assert back["id"].tolist() == frame["id"].tolist()


def test_csv_of_hostile_text_is_the_csv_modules(tmp_path):
    frame = _hostile_frame()
    frame["flag"] = frame["ints"] % 2 == 0
    frame.loc[0, "floats"] = np.inf
    export.write_csv(frame, tmp_path / "a.csv")
    text = (tmp_path / "a.csv").read_bytes()
    assert text == _csv_reference(pd.DataFrame(frame.drop(columns="geometry")))
    assert b"'=HYPERLINK" in text and b'"=HYPERLINK' not in text and b",=HYPERLINK" not in text
    assert b",'@SUM" in text and b",@SUM" not in text and b",'-3 km" in text


def test_carriage_returns_in_report_text_do_not_split_csv_rows(tmp_path):
    """A bare CR is not quoted by the csv writer with "\\n" line ends, and readers end the row there:
    CR and CRLF inside a text are written as newlines (inside a quoted field)."""
    frame = pd.DataFrame({"site_id": ["a", "b", "c"], "notes": ["line one\rline two", "x\r\ny", "=cmd\r"], "n": [1, 2, 3]})
    path = tmp_path / "t.csv"
    export.write_csv(frame, path)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [["site_id", "notes", "n"], ["a", "line one\nline two", "1"], ["b", "x\ny", "2"], ["c", "'=cmd\n", "3"]]


# ---- check.json, report.md and builds of many events

def _make_events():
    spec = importlib.util.spec_from_file_location("make_events", Path(__file__).resolve().parent.parent / "bench" / "make_events.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.make_events


@pytest.fixture(scope="module")
def events_ds(tmp_path_factory):
    """The bundled layers with 3,000 generated ACLED events, some of them with hostile text."""
    events = _make_events()(3000, seed=4)
    for i, text in enumerate(HOSTILE):
        if "\0" not in text and "\r" not in text:  # (the events reader keeps CSV text as it is)
            events.loc[i * 97, ["notes", "location"]] = [text, (text.strip() or "x") + f" {i}"]
    path = tmp_path_factory.mktemp("events") / "acled.csv"
    events.to_csv(path, index=False)
    return run(read_layers(LAYERS), events=[read_events(path)])


def test_site_records_have_the_one_field_list(events_ds):
    records = site_records(events_ds)
    assert len(records) == len(events_ds.sites)
    assert all(list(r) == [f.name for f in SITE_RECORD_FIELDS] for r in records)
    assert export.site_records(events_ds) == records


def test_check_json_is_orjsons_of_the_site_records(events_ds, tmp_path):
    export.write_check_json(events_ds, tmp_path / "check.json")
    expected = orjson.dumps(export.check_report(events_ds), default=str,
                            option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS) + b"\n"
    assert (tmp_path / "check.json").read_bytes() == expected


def _report_reference(ds) -> str:
    """report.md with the site table made row by row from the site records."""
    md = export.report._md
    rows, explained = [], []
    for s in site_records(ds):
        flags = "; ".join(f"`{f['code']}`" for f in s["flags"]) or "—"
        rows.append(f"| {md(s['name'])} | {s['event_date']} | {s['lat']:.4f}, {s['lon']:.4f} ({md(s['admin1'] or '')} {s['country'] or ''}) | "
                    f"{s['precision']} | {s['side']} | {s['distance_km']:,.1f} | {s['uncertainty_km']:g} | {flags} |")
        explained += [f"- **{md(s['name'])}** `{f['code']}`: {md(f['message'])}" for f in s["flags"]]
    head = export.report._head_lines(ds)
    return "\n".join(head + rows + export.report._FLAGS_HEAD + explained + export.report._tail_lines(ds)) + "\n"


def test_report_is_the_one_made_row_by_row(events_ds):
    assert export.markdown(events_ds) == _report_reference(events_ds)


def test_parallel_build_writes_the_same_files(events_ds, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert export.write_all(events_ds, one, parallel=False) == export.write_all(events_ds, two, parallel=True)
    for p in sorted(one.iterdir()):
        assert p.read_bytes() == (two / p.name).read_bytes(), p.name


@pytest.mark.skipif(not export.can_fork(), reason="no fork on this platform")
def test_a_failed_parallel_writer_fails_the_build_naming_the_file(events_ds, tmp_path, monkeypatch):
    def broken(layers, path, columns=None):
        raise OSError(28, "No space left on device")
    monkeypatch.setitem(outputs.FORMATS, "gpkg", outputs.Format("gpkg", ".gpkg", broken, multi_layer=True))
    with pytest.raises(OutputError, match="border_incidents.gpkg: no space left on device") as info:
        export.write_all(events_ds, tmp_path / "out", parallel=True)
    assert info.value.path.endswith("border_incidents.gpkg")


def test_one_table_from_extension_to_writer(written, tmp_path):
    _, tables, _ = written
    for suffix in (".geojson", ".json", ".csv", ".parquet"):
        export.export_layers({"sites": tables["sites"]}, tmp_path / f"s{suffix}")
        read = gpd.read_parquet if suffix == ".parquet" else pyogrio.read_dataframe
        assert len(read(tmp_path / f"s{suffix}")) == len(tables["sites"]), suffix
    export.export_layers(tables, tmp_path / "all.gpkg")
    assert [name for name, _ in pyogrio.list_layers(tmp_path / "all.gpkg")] == list(tables)
    with pytest.raises(ValueError, match="unknown format extension '.shp'"):
        export.export_layers(tables, tmp_path / "x.shp")
    with pytest.raises(ValueError, match="holds one layer, not 5"):
        export.export_layers(tables, tmp_path / "x.csv")


# ---- no process-wide side effects

def test_writing_the_report_leaves_matplotlib_alone(tmp_path):
    """No backend switch at import and no pyplot: a caller's interactive session is untouched."""
    code = ("import matplotlib, sys; matplotlib.use('svg'); import geo.export; from geo.export import report; "
            "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend(); "
            "assert 'matplotlib.pyplot' not in sys.modules; print('ok')")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert res.stdout.strip() == "ok", res.stderr


def test_writing_a_geopackage_restores_the_callers_gdal_options(written, tmp_path):
    _, tables, _ = written
    pyogrio.set_gdal_config_options({"OGR_SQLITE_CACHE": "64", "OGR_CURRENT_DATE": None})
    try:
        export.write_gpkg(tables, tmp_path / "a.gpkg")
        assert pyogrio.get_gdal_config_option("OGR_SQLITE_CACHE") == 64
        assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_CACHE": None})
