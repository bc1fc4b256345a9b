"""Border length and per-site checks on the real Natural Earth geometry."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.border import DEFAULT_STEPS_KM, geodesic_length_km, scale_analysis
from geo.checks import against_border, nearest_on_border
from geo.layers import Theatre, read_layers
from geo.pipeline import run
from geo.reference import load_reference, read_natural_earth, shared_border

LAYERS = Path(__file__).resolve().parent.parent / "layers"
AFPK = Theatre(name="t", countries=("AF", "PK"), border_name="Durand Line")


@pytest.fixture(scope="module")
def ref():
    return load_reference(AFPK)


@pytest.fixture(scope="module")
def dataset():
    return run(read_layers(LAYERS))


def test_natural_earth_border_is_about_2245_km(ref):
    assert geodesic_length_km(ref.border) == pytest.approx(2244.7, abs=0.5)


def test_packaged_border_equals_one_derived_from_natural_earth(ref):
    countries = read_natural_earth(("AF", "PK"))
    derived = shared_border(countries.geometry.iloc[0], countries.geometry.iloc[1])
    assert geodesic_length_km(derived) == pytest.approx(geodesic_length_km(ref.border), abs=0.05)
    assert shapely.hausdorff_distance(derived, ref.border) < 1e-5


def test_reported_lengths_are_compared_with_the_measured_one(dataset):
    b = dataset.border
    reported = {r["km"]: r for r in b["reported"]}
    assert set(reported) == {2611.0, 2640.0}
    assert reported[2640.0]["diff_km"] == pytest.approx(2640 - b["length_km"], abs=0.1)
    assert reported[2640.0]["diff_pct"] == pytest.approx(17.6, abs=0.1)
    assert reported[2611.0]["source"] == "Unattributed news summary"
    assert b["reported_spread_km"] == 29.0
    assert "2,245 km" in b["verdict"] and "2,611" in b["verdict"]


def test_divider_length_grows_as_the_step_shrinks(ref):
    a = scale_analysis(ref.border)
    assert list(a.steps_km) == list(DEFAULT_STEPS_KM)
    assert all(x < y for x, y in zip(a.lengths_km, a.lengths_km[1:]))
    # The finest divider approaches, never exceeds, the polyline's own length.
    assert a.lengths_km[-1] <= geodesic_length_km(ref.border) + 0.01
    assert 1.02 < a.dimension < 1.2
    # Reaching the press figures would take steps below the line's own vertex spacing.
    assert a.step_for_length(2640) < a.vertex_spacing_km


def test_straight_line_has_dimension_one():
    a = scale_analysis(shapely.LineString([(60, 30), (61, 30)]), (50.0, 20.0, 10.0))
    assert a.dimension == pytest.approx(1.0, abs=1e-6)
    assert a.lengths_km[0] == pytest.approx(96.5, abs=0.5)


def _sites(points, radius_km=1.0):
    return pd.DataFrame({
        "name": [p[0] for p in points], "lon": [p[1] for p in points], "lat": [p[2] for p in points],
        "radius_km": radius_km, "reported_country": [p[3] for p in points], "precision": "point",
    })


def test_points_deep_in_each_country_get_that_side(ref):
    sites = _sites([("Kandahar", 65.71, 31.61, None), ("Lahore", 74.34, 31.55, None), ("Herat", 62.2, 34.35, "AF"), ("Tehran", 51.39, 35.69, None)])
    out = against_border(sites, border=ref.border, countries=ref.countries, tolerance_km=2.0)
    assert list(out["side"]) == ["AF", "PK", "AF", "outside"]
    assert list(out["country"]) == ["AF", "PK", "AF", None]
    assert out["distance_km"].iloc[0] == pytest.approx(95, abs=15)
    assert "outside_theatre" in [f.code for f in out["flags"].iloc[3]]


def test_points_near_the_line_are_uncertain_not_guessed(ref):
    # Points 0.5 km either side of a border vertex.
    lon0, lat0 = shapely.get_coordinates(ref.border)[300]
    sites = _sites([("a", lon0 + 0.004, lat0, None), ("b", lon0 - 0.004, lat0, None)])
    out = against_border(sites, border=ref.border, countries=ref.countries, tolerance_km=2.0)
    assert list(out["side"]) == ["uncertain", "uncertain"]
    assert (out["distance_km"] < 1.0).all()
    assert all("near_border" in [f.code for f in fl] for fl in out["flags"])


def test_distance_is_geodesic_to_the_nearest_border_point(ref):
    from pyproj import Geod

    coords = shapely.get_coordinates(shapely.segmentize(ref.border, 0.001))
    rng = np.random.default_rng(1)
    lon = rng.uniform(62, 74, 40)
    lat = rng.uniform(29, 37, 40)
    _, _, dist = nearest_on_border(lon, lat, ref.border)
    g = Geod(ellps="WGS84")
    brute = [np.min(g.inv(np.full(len(coords), x), np.full(len(coords), y), coords[:, 0], coords[:, 1])[2]) / 1000 for x, y in zip(lon, lat)]
    assert np.allclose(dist, brute, atol=0.15, rtol=0.01)


def test_bahram_chah_is_flagged_against_the_report(dataset):
    s = dataset.sites.set_index("site_id").loc["bahram-chah"]
    assert s["country"] == "AF" and s["admin1"] == "Helmand"
    assert s["side"] == "uncertain"
    assert s["distance_km"] < 2
    codes = [f.code for f in s["flags"]]
    assert "reported_country_uncertain" in codes and "reported_admin1_mismatch" in codes


def test_kabul_is_on_the_afghan_side_far_from_the_line(dataset):
    s = dataset.sites.set_index("site_id").loc["kabul"]
    assert s["side"] == "AF" and s["distance_km"] > 50


def test_another_border_needs_only_a_theatre():
    th = Theatre(name="t", countries=("TH", "KH"), border_name="Thailand–Cambodia border")
    r = load_reference(th)
    assert set(r.countries["iso_a2"]) == {"TH", "KH"}
    # CIA World Factbook: 817 km; the generalised 1:10m line is shorter, as for the Durand Line.
    assert 600 < geodesic_length_km(r.border) < 817


def test_a_border_file_in_layers_overrides_the_packaged_line(tmp_path, ref):
    line = shapely.segmentize(ref.border, 0.05)
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[line], crs="EPSG:4326").to_file(tmp_path / "border.geojson")
    th = Theatre(name="t", countries=("AF", "PK"), border_name="x", border_file=tmp_path / "border.geojson")
    r = load_reference(th)
    assert "user file" in r.source
    assert geodesic_length_km(r.border) == pytest.approx(2244.7, abs=1)
