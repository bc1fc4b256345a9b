"""The fast nearest-border path against a per-point geodesic reference (on the Natural Earth and the
OpenStreetMap lines), the grid's disk cache, and side against Polygon.contains."""

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo import cache
from geo.checks import country_at, nearest_on_border
from geo.layers import Theatre
from geo.nearest import BorderIndex, border_index
from geo.reference import load_reference

GEOD = Geod(ellps="WGS84")
AFPK = Theatre(name="t", countries=("AF", "PK"), border_name="x")
#: Reference line: the border cut to 0.0005 degree (~50 m) in lon/lat, as shapely reads it.
REF_STEP_DEG = 0.0005
COARSE = 40


@pytest.fixture(scope="module")
def afpk():
    return load_reference(AFPK)


class _Line:
    """One reference line with its own polygons, as ``ref`` for the tests below."""

    def __init__(self, check):
        self.border, self.countries = check.border, check.countries


@pytest.fixture(scope="module", params=["ne10m", "osm"])
def ref(afpk, request):
    """Each reference line in turn: Natural Earth 1:10m (584 vertices, a grid) and OpenStreetMap (28,879, no grid)."""
    return _Line(next(c for c in afpk.checks if c.key == request.param))


@pytest.fixture(scope="module")
def sample(ref):
    """2,000 random points over the theatre, 300 within 5 km of the line, 100 on its vertices."""
    rng = np.random.default_rng(7)
    verts = shapely.get_coordinates(ref.border)
    lon = rng.uniform(60, 75, 2000)
    lat = rng.uniform(28, 38, 2000)
    pick = rng.integers(0, len(verts), 300)
    az = rng.uniform(0, 360, 300)
    nlon, nlat, _ = GEOD.fwd(verts[pick, 0], verts[pick, 1], az, rng.uniform(0, 5000, 300))
    on = verts[rng.choice(len(verts), 100, replace=False)]
    return np.concatenate([lon, nlon, on[:, 0]]), np.concatenate([lat, nlat, on[:, 1]])


def reference_km(lon, lat, border):
    """Per point: least ``Geod.inv`` distance to the vertices of the border cut to ~50 m.

    A first pass over every 40th vertex of the cut line and its last one gives ``d0``. The
    nearest vertex is within 20 steps (~1.1 km along the line, so ~1.1 km away) of one of those,
    which is then within ``d0 + 1.1 km`` of the point; so the stretches around the coarse
    vertices within ``d0 + 3 km`` are measured in full."""
    dense = shapely.get_coordinates(shapely.segmentize(border, REF_STEP_DEG))
    coarse_i = np.append(np.flatnonzero(np.arange(len(dense)) % COARSE == 0), len(dense) - 1)
    out = np.empty(len(lon))
    for k, (x, y) in enumerate(zip(lon, lat)):
        _, _, dc = GEOD.inv(np.full(len(coarse_i), x), np.full(len(coarse_i), y), dense[coarse_i, 0], dense[coarse_i, 1])
        near = coarse_i[dc <= dc.min() + 3000.0]
        idx = np.unique(np.clip(near[:, None] + np.arange(-COARSE, COARSE + 1), 0, len(dense) - 1))
        _, _, d = GEOD.inv(np.full(len(idx), x), np.full(len(idx), y), dense[idx, 0], dense[idx, 1])
        out[k] = d.min() / 1000.0
    return out


@pytest.fixture(scope="module")
def reference(ref, sample):
    return reference_km(*sample, ref.border)


def _check_distance(d, want):
    near = want <= 100.0
    assert np.abs(d[near] - want[near]).max() <= 0.1
    assert (np.abs(d[~near] - want[~near]) / want[~near]).max() <= 0.01


def test_tree_path_matches_the_geodesic_reference(ref, sample, reference):
    idx = BorderIndex(ref.border)
    idx._grid, idx._grid_built = None, True  # no grid: every point searches the tree
    _, _, d = idx.nearest(*sample)
    _check_distance(d, reference)


def test_indexed_path_matches_the_geodesic_reference(ref, sample, reference):
    idx = border_index(ref.border)
    if idx.detailed:
        assert idx.grid is None  # a detailed line has no grid: the tree alone
    else:
        q = idx.grid_vertex(*sample)
        # The sample exercises both paths: certified grid cells and tree search.
        assert 0.3 < (q >= 0).mean() < 0.9
    nlon, nlat, d = nearest_on_border(*sample, ref.border)
    _check_distance(d, reference)
    # Near the line the distance is the reference's to within metres.
    close = reference < 5.0
    assert close.sum() >= 300
    assert np.abs(d[close] - reference[close]).max() < 0.03


def test_grid_is_read_back_from_the_cache_and_a_damaged_entry_rebuilt(afpk, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path))
    ne = next(c for c in afpk.checks if c.key == "ne10m").border
    first = BorderIndex(ne, cache_key="k1")
    built = first.grid
    (entry,) = (tmp_path / "grid").glob("*.npz")
    again = BorderIndex(ne, cache_key="k1")
    again._build_grid = lambda: pytest.fail("an intact cache entry is rebuilt")  # type: ignore[method-assign]
    assert np.array_equal(again.grid[4], built[4]) and again.grid[:4] == built[:4]
    # A flipped byte (digest mismatch) or a truncated file: rebuilt, with a warning, never used.
    for damage in (lambda b: b[:-40] + bytes([b[-40] ^ 1]) + b[-39:], lambda b: b[: len(b) // 2]):
        entry.write_bytes(damage(entry.read_bytes()))
        caplog.clear()
        rebuilt = BorderIndex(ne, cache_key="k1")
        assert np.array_equal(rebuilt.grid[4], built[4])
        assert "rebuilding" in caplog.text
    # An entry written for another key is not trusted either.
    assert cache.load("grid", "k2") is None


def test_points_on_vertices_are_at_distance_zero(ref, sample):
    lon, lat = sample[0][-100:], sample[1][-100:]
    nlon, nlat, d = nearest_on_border(lon, lat, ref.border)
    assert np.abs(d).max() < 1e-6
    assert np.array_equal(nlon, lon) and np.array_equal(nlat, lat)


def test_nearest_point_lies_on_the_border(ref, sample):
    nlon, nlat, d = nearest_on_border(*sample, ref.border)
    pts = shapely.points(nlon, nlat)
    # On the geodesic line (the index's own reading of each segment), to within a metre ...
    v = shapely.get_coordinates(ref.border)
    pieces = []
    for a, b in zip(v[:-1], v[1:]):
        n = int(GEOD.inv(a[0], a[1], b[0], b[1])[2] // 50.0)
        pieces.append([tuple(a), *(GEOD.npts(a[0], a[1], b[0], b[1], n) if n > 0 else [])])
    geodesic_line = shapely.LineString([c for p in pieces for c in p] + [tuple(v[-1])])
    assert shapely.distance(pts, geodesic_line).max() * 111_320 < 1.0
    # ... and on the lon/lat polyline (whose long segments bow up to ~9 m from the geodesic).
    assert shapely.distance(pts, ref.border).max() * 111_320 < 12.0


def test_distance_matches_geod_inv_to_the_returned_point(ref, sample):
    nlon, nlat, d = nearest_on_border(*sample, ref.border)
    _, _, m = GEOD.inv(*sample, nlon, nlat)
    assert np.allclose(d, m / 1000.0)


def test_side_equals_naive_polygon_contains(afpk):
    ref = afpk
    rng = np.random.default_rng(3)
    lon = rng.uniform(60, 76, 3000)
    lat = rng.uniform(27, 39, 3000)
    got = country_at(lon, lat, ref.countries)
    polys = list(zip(ref.countries["iso_a2"], ref.countries.geometry.values))
    naive = [next((c for c, g in polys if g.contains(shapely.Point(x, y))), None) for x, y in zip(lon, lat)]
    assert list(got) == naive
    assert {"AF", "PK", None} <= set(got)


def test_empty_and_single_points(afpk):
    ref = afpk
    nlon, nlat, d = nearest_on_border(np.array([]), np.array([]), ref.border)
    assert len(nlon) == len(nlat) == len(d) == 0
    assert len(country_at(np.array([]), np.array([]), ref.countries)) == 0
    _, _, d = nearest_on_border([65.71], [31.61], ref.border)
    assert d.shape == (1,) and 80 < d[0] < 110
    # Missing coordinates give NaN, the others are unaffected.
    nlon, _, d = nearest_on_border([np.nan, 65.71], [31.61, 31.61], ref.border)
    assert np.isnan(nlon[0]) and np.isnan(d[0]) and 80 < d[1] < 110


def test_multipart_border_is_not_joined_across_parts():
    a = shapely.LineString([(60, 30), (61, 30)])
    b = shapely.LineString([(62, 30), (63, 30)])
    _, _, d = nearest_on_border([61.5], [30.0], shapely.MultiLineString([a, b]))
    # Nearest is an end (61,30) or (62,30), ~48 km away, not the gap between the parts.
    assert d[0] == pytest.approx(GEOD.inv(61.5, 30, 61, 30)[2] / 1000, abs=0.01)


def test_a_points_answer_does_not_depend_on_the_others(ref):
    """The query sorts points in Z-order and searches them in chunks: each point's answer must
    be what it gets alone (or among any other points)."""
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(60, 75, 300_000), rng.uniform(28, 38, 300_000)
    lon[7] = np.nan
    idx = border_index(ref.border)
    every = idx.query(lon, lat)
    some = np.arange(3, len(lon), 4_999)
    alone = idx.query(lon[some], lat[some])
    for a, b in zip(every, alone):
        assert np.array_equal(a[some], b, equal_nan=True)
    assert every[3][7] == -1 and np.isnan(every[2][7])
