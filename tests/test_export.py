"""Every export read back with pyogrio and compared with what was written."""

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
IDS = {"sites": "site_id", "claims": "claim_id", "countries": "iso_a2", "bands": "band_id", "border": "name"}


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
# Fast writers (geo/arrowtext.py): the same bytes as the per-value formatters they replace

import csv  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402

import geopandas as gpd  # noqa: E402
import orjson  # noqa: E402
import pyarrow as pa  # noqa: E402

from geo import arrowtext, export, report  # noqa: E402
from geo.events import read_events  # noqa: E402
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
    assert arrowtext.format_g(x, precision).to_pylist() == expected


def test_json_texts_are_orjsons():
    x = _floats()
    assert arrowtext.json_numbers(x).to_pylist() == [orjson.dumps(v).decode() for v in x.tolist()]
    texts = HOSTILE + [chr(c) for c in range(0x20)] + ["\\" * k + '"' * j for k in range(3) for j in range(3)]
    got = arrowtext.json_strings(pa.array(texts + [None], arrowtext.TEXT)).to_pylist()
    assert got == [orjson.dumps(t).decode() for t in texts] + [None]


def test_csv_cells_are_the_csv_modules():
    for text in HOSTILE + [chr(c) for c in range(128)]:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([text, "x"])
        assert arrowtext.csv_cells(pa.array([text], arrowtext.TEXT)).to_pylist()[0] + ",x\n" == buf.getvalue(), repr(text)


def _hostile_frame(n: int = 3000, seed: int = 5) -> gpd.GeoDataFrame:
    """Points (and missing geometries) with every kind of column the exports have, text hostile,
    repeated enough for the dictionary path and unique enough for the plain one."""
    rng = np.random.default_rng(seed)
    pick = lambda values: np.array(values, dtype=object)[rng.integers(0, len(values), n)]  # noqa: E731
    x = _floats(n)[:n]
    frame = gpd.GeoDataFrame({
        "id": [f"s{i}" for i in range(n)],
        "few": pick(HOSTILE + [None, np.nan]),
        "many": [HOSTILE[i % len(HOSTILE)] + str(i) if i % 7 else None for i in range(n)],
        "arrow_text": pd.Series(pick(HOSTILE + [None]), dtype="str"),
        "ints": rng.integers(-5, 10**6, n).astype("int32"),
        "floats": np.where(np.isinf(x[:n]), 1.0, x[:n]),
        "repeated": pick([0.0, -0.0, 2.5, np.nan, 1e-5, 123456789.0]).astype(float),
    }, geometry=gpd.array.from_shapely(np.where(rng.random(n) < 0.05, None, shapely.points(rng.uniform(-180, 180, n), rng.uniform(-90, 90, n))),
                                        crs="EPSG:4326"), crs="EPSG:4326")
    return frame


def _geojson_reference(frame: gpd.GeoDataFrame, path: Path) -> bytes:
    """GeoJSON as the exporter wrote it before (one dict per feature, orjson with sorted keys)."""
    data = export._gdal_geojson(frame.iloc[:1], path)
    props = pd.DataFrame(frame.drop(columns="geometry"))
    features = []
    for i, geom in enumerate(frame.geometry.values):
        row = {k: (None if (v is None or (isinstance(v, float) and v != v)) else v)
               for k, v in zip(props.columns, (props[c].iloc[i] for c in props.columns))}
        row = {k: (int(v) if isinstance(v, np.integer) else float(v) if isinstance(v, np.floating) else v) for k, v in row.items()}
        point = None if geom is None else {"type": "Point", "coordinates": [round(geom.x, COORD_DECIMALS), round(geom.y, COORD_DECIMALS)]}
        features.append({"type": "Feature", "properties": row, "geometry": point})
    data["features"] = features
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS) + b"\n"


def test_geojson_of_points_is_the_per_feature_one(tmp_path):
    frame = _hostile_frame()
    export.write_geojson(frame, tmp_path / "a.geojson")
    assert (tmp_path / "a.geojson").read_bytes() == _geojson_reference(frame, tmp_path / "b.geojson")
    back = pyogrio.read_dataframe(tmp_path / "a.geojson")
    assert back["id"].tolist() == frame["id"].tolist()


def test_csv_is_pandas_to_csv(tmp_path):
    frame = _hostile_frame()
    frame["flag"] = frame["ints"] % 2 == 0
    frame.loc[0, "floats"] = np.inf
    export.write_csv(frame, tmp_path / "a.csv")
    export._write_csv_pandas(pd.DataFrame(frame.drop(columns="geometry")), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    text = (tmp_path / "a.csv").read_bytes()
    assert b"'=HYPERLINK" in text and b'"=HYPERLINK' not in text and b",=HYPERLINK" not in text
    assert b",'@SUM" in text and b",@SUM" not in text and b",'-3 km" in text


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
        if "\0" not in text and "\r" not in text:  # (to_csv leaves a CR unquoted: it would split the row)
            events.loc[i * 97, ["notes", "location"]] = [text, (text.strip() or "x") + f" {i}"]
    path = tmp_path_factory.mktemp("events") / "acled.csv"
    events.to_csv(path, index=False)
    return run(read_layers(LAYERS), events=[read_events(path)])


def test_check_json_is_orjsons_of_the_site_records(events_ds, tmp_path):
    export.write_check_json(events_ds, tmp_path / "check.json")
    assert (tmp_path / "check.json").read_bytes() == export.dumps_json_bytes(export.check_report(events_ds))


def test_report_from_columns_is_the_one_from_records(events_ds):
    assert report.markdown(events_ds) == report.markdown(events_ds, site_records(events_ds))


def test_parallel_build_writes_the_same_files(events_ds, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert export.write_all(events_ds, one, parallel=False) == export.write_all(events_ds, two, parallel=True)
    for p in sorted(one.iterdir()):
        assert p.read_bytes() == (two / p.name).read_bytes(), p.name


@pytest.mark.skipif(not export.can_fork(), reason="no fork on this platform")
def test_a_failed_parallel_writer_fails_the_build(events_ds, tmp_path, monkeypatch):
    def broken(tables, path):
        raise OSError("disk full")
    monkeypatch.setattr(export, "write_gpkg", broken)
    with pytest.raises(OSError, match="disk full"):
        export.write_all(events_ds, tmp_path / "out", parallel=True)


@pytest.mark.parametrize("arrow", [True, False])
def test_carriage_returns_in_report_text_do_not_split_csv_rows(tmp_path, monkeypatch, arrow):
    """A bare CR is not quoted by the csv writer with "\\n" line ends, and readers end the row there:
    CR and CRLF inside a text are written as newlines (inside a quoted field)."""
    frame = pd.DataFrame({"site_id": ["a", "b", "c"], "notes": ["line one\rline two", "x\r\ny", "=cmd\r"], "n": [1, 2, 3]})
    if not arrow:
        monkeypatch.setattr(export, "layer_columns", lambda frame: None)
    path = tmp_path / "t.csv"
    export.write_csv(frame, path)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [["site_id", "notes", "n"], ["a", "line one\nline two", "1"], ["b", "x\ny", "2"], ["c", "'=cmd\n", "3"]]
