"""Integrity of our cited gazetteer: every row is sourced and lies where it says it does."""

import numpy as np
import pytest

from geo.checks import country_at, nearest_on_border
from geo.gazetteer import admin1_table, read_packaged_gazetteer
from geo.layers import Theatre
from geo.reference import load_reference


@pytest.fixture(scope="module")
def gaz():
    return read_packaged_gazetteer()


def test_every_row_cites_a_source(gaz):
    assert gaz["source"].str.len().min() > 3
    assert gaz["source_ref"].str.startswith("http").all()


def test_every_point_lies_in_its_country_or_within_the_lines_uncertainty(gaz):
    ref = load_reference(Theatre(name="t", countries=("AF", "PK"), border_name="x"))
    lon, lat = gaz["lon"].to_numpy(float), gaz["lat"].to_numpy(float)
    inside = country_at(lon, lat, ref.countries)
    _, _, dist = nearest_on_border(lon, lat, ref.border)
    wrong = (inside != gaz["country"].to_numpy()) & (dist > 5.0)
    assert not wrong.any(), gaz.loc[wrong, ["place_id", "country", "lat", "lon"]].to_string()


def test_admin1_names_are_known(gaz):
    known = set(zip(admin1_table()["country"], admin1_table()["name"]))
    rows = gaz[gaz["admin1"].notna() & (gaz["admin1"] != "")]
    unknown = [(c, a) for c, a in zip(rows["country"], rows["admin1"]) if (c, a) not in known]
    assert unknown == []


def test_areas_carry_a_radius_that_matches_their_area(gaz):
    areas = gaz[gaz["kind"] == "area"]
    with_area = areas[areas["area_km2"].notna()]
    expected = np.sqrt(with_area["area_km2"].astype(float) / np.pi)
    assert np.allclose(with_area["radius_km"].astype(float), expected, atol=1.0)
