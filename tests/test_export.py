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
