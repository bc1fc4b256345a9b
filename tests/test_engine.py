"""geo.engine: the dask path gives exactly the in-memory (and against_border) results."""

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo.checks import against_border
from geo.engine import COLUMNS, Spec, check_partition, check_parquet, check_points, columns
from geo.layers import Theatre
from geo.reference import load_reference

dd = pytest.importorskip("dask.dataframe")
# dask's GeoParquet reader still passes inplace= to GeoDataFrame.set_index/reset_index.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in GeoDataFrame")
dask_geopandas = pytest.importorskip("dask_geopandas")

GEOD = Geod(ellps="WGS84")
AFPK = Theatre(name="t", countries=("AF", "PK"), border_name="x")


@pytest.fixture(scope="module")
def ref():
    return load_reference(AFPK)


@pytest.fixture(scope="module")
def points(ref):
    """50,000 random points over the theatre, 2,000 within 5 km of the line, 200 on its
    vertices, 3 without coordinates; a location radius for each."""
    rng = np.random.default_rng(11)
    verts = shapely.get_coordinates(ref.border)
    lon = rng.uniform(60, 75, 50_000)
    lat = rng.uniform(28, 38, 50_000)
    pick = rng.integers(0, len(verts), 2000)
    nlon, nlat, _ = GEOD.fwd(verts[pick, 0], verts[pick, 1], rng.uniform(0, 360, 2000), rng.uniform(0, 5000, 2000))
    on = verts[rng.choice(len(verts), 200, replace=False)]
    lon = np.concatenate([lon, nlon, on[:, 0], [np.nan, 65.0, np.nan]])
    lat = np.concatenate([lat, nlat, on[:, 1], [30.0, np.nan, np.nan]])
    radius = rng.choice([0.5, 1.0, 5.0, 10.0, 25.0], len(lon))
    return pd.DataFrame({"lon": lon, "lat": lat, "radius_km": radius})


@pytest.fixture(scope="module")
def expected(ref, points):
    return check_points(points["lon"], points["lat"], reference=ref, radius_km=points["radius_km"])


def kw(ref):
    return dict(reference=ref)


def test_memory_equals_against_border(ref, points, expected):
    sites = points.assign(name=[f"s{i}" for i in range(len(points))], precision="point")
    got = against_border(sites, ref)
    shared = [c for c in COLUMNS if c != "sources_disagree"]
    pd.testing.assert_frame_equal(expected[shared], got[shared], check_exact=True)
    assert list(expected.columns) == list(columns(["osm", "ne10m"]))
    by_ref = pd.DataFrame(list(got["side_by_reference"]), index=got.index)
    assert list(by_ref["osm"]) == list(expected["side_osm"]) and list(by_ref["ne10m"]) == list(expected["side_ne10m"])
    assert set(expected["side"]) == {"AF", "PK", "uncertain", "outside"}
    assert (expected["side"] == "uncertain").sum() > 1000  # the near-line points
    assert expected["distance_km"].iloc[-3:].isna().all() and (expected["side"].iloc[-3:] == "outside").all()


@pytest.mark.parametrize("npartitions", [1, 3, 8])
def test_dask_threads_equal_memory(ref, points, expected, npartitions):
    got = check_points(points["lon"], points["lat"], radius_km=points["radius_km"], engine="dask",
                       npartitions=npartitions, scheduler="threads", **kw(ref))
    pd.testing.assert_frame_equal(expected, got, check_exact=True)


@pytest.mark.parametrize("npartitions", [2, 5])
@pytest.mark.slow  # dask processes or a cluster: 10-35 s each on 2 cores
def test_dask_processes_equal_memory(ref, points, expected, npartitions):
    got = check_points(points["lon"], points["lat"], radius_km=points["radius_km"], engine="dask",
                       npartitions=npartitions, scheduler="processes", **kw(ref))
    pd.testing.assert_frame_equal(expected, got, check_exact=True)


def test_dask_keeps_a_series_index(ref, points, expected):
    sub = points.iloc[::7].set_axis(pd.Index([f"e{i}" for i in range(0, len(points), 7)], name="event"))
    got = check_points(sub["lon"], sub["lat"], radius_km=sub["radius_km"], engine="dask", npartitions=4, **kw(ref))
    assert got.index.equals(sub.index)
    pd.testing.assert_frame_equal(expected.iloc[::7].set_axis(sub.index), got, check_exact=True)


def test_index_built_once_per_process_threads(ref, points):
    from geo import nearest

    nearest._index_from_wkb.cache_clear()
    check_points(points["lon"], points["lat"], engine="dask", npartitions=8, scheduler="threads", **kw(ref))
    info = nearest._index_from_wkb.cache_info()
    assert info.misses == len(ref.checks) and info.hits >= 8  # one index per reference line


@pytest.mark.slow  # dask processes or a cluster: 10-35 s each on 2 cores
def test_index_built_once_per_worker_process(ref, points):
    """8 partitions on 2 worker processes: each process builds each line's index once; what each
    task carries besides its partition is the Spec of WKB bytes."""
    spec = Spec.make(ref)
    assert spec.nbytes < 4_000_000  # two lines and their polygons; OpenStreetMap's are ~3 MB of WKB

    def probe(part):
        from geo import nearest

        check_partition(part, spec, radius="radius_km")
        return pd.DataFrame({"pid": [os.getpid()], "misses": [nearest._index_from_wkb.cache_info().misses]})

    frame = dd.from_pandas(points.iloc[:40_000], npartitions=8)
    meta = pd.DataFrame({"pid": pd.Series([], dtype="int64"), "misses": pd.Series([], dtype="int64")})
    seen = frame.map_partitions(probe, meta=meta).compute(scheduler="processes", num_workers=2)
    assert len(seen) == 8 and seen["pid"].nunique() <= 2 and os.getpid() not in set(seen["pid"])
    assert (seen["misses"] == len(ref.checks)).all()


@pytest.mark.slow  # dask processes or a cluster: 10-35 s each on 2 cores
def test_distributed_client(ref, points, expected):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        got = check_points(points["lon"], points["lat"], radius_km=points["radius_km"], engine="dask", npartitions=6,
                           scheduler=client, **kw(ref))

        def misses():
            from geo import nearest

            return nearest._index_from_wkb.cache_info().misses

        built = client.run(misses)
    pd.testing.assert_frame_equal(expected, got, check_exact=True)
    assert sorted(built.values()) == [len(ref.checks)] * 2


@pytest.mark.slow  # dask processes or a cluster: 10-35 s each on 2 cores
def test_geoparquet_partitioned(ref, points, expected, tmp_path):
    gdf = gpd.GeoDataFrame(points[["radius_km"]].assign(event=np.arange(len(points))),
                           geometry=gpd.points_from_xy(points["lon"], points["lat"]), crs=4326)
    dask_geopandas.from_geopandas(gdf, npartitions=4).to_parquet(tmp_path / "pts")
    assert len(list((tmp_path / "pts").glob("*.parquet"))) == 4
    got = check_parquet(tmp_path / "pts", keep=["event"], **kw(ref))
    got = got.set_index("event").rename_axis(None)
    pd.testing.assert_frame_equal(expected, got.loc[expected.index], check_exact=True)
    # Streamed to disk partition by partition, processes scheduler.
    out = check_parquet(tmp_path / "pts", keep=["event"], out=tmp_path / "out", scheduler="processes", **kw(ref))
    back = pd.read_parquet(out).set_index("event").rename_axis(None)
    for c, t in columns(["osm", "ne10m"]).items():
        if t == "object":
            back[c] = back[c].astype(object).where(back[c].notna(), None)
    pd.testing.assert_frame_equal(expected, back.loc[expected.index], check_exact=True)


def test_lonlat_parquet_row_groups(ref, points, expected, tmp_path):
    (tmp_path / "ll").mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(points)), 3)):
        points.iloc[chunk].to_parquet(tmp_path / "ll" / f"part.{i}.parquet", row_group_size=6000, index=True)
    got = check_parquet(tmp_path / "ll", split_row_groups=True, **kw(ref))
    pd.testing.assert_frame_equal(expected, got.loc[expected.index], check_exact=True)
    # Without a radius column, one radius applies to all.
    points[["lon", "lat"]].iloc[:5000].to_parquet(tmp_path / "noradius.parquet")
    got = check_parquet(tmp_path / "noradius.parquet", radius_km=3.0, **kw(ref))
    assert (got["uncertainty_km"] == 3.0 + got["tolerance_km"]).all()
    radius_dependent = ["side", "side_osm", "side_ne10m", "uncertainty_km"]
    pd.testing.assert_frame_equal(expected.iloc[:5000].drop(columns=radius_dependent),
                                  got.drop(columns=radius_dependent), check_exact=True)


def test_geoparquet_other_crs_missing_and_empty(ref, points, expected, tmp_path):
    sub = points.iloc[:2000]
    geoms = list(gpd.points_from_xy(sub["lon"], sub["lat"]))
    gdf = gpd.GeoDataFrame(sub[["radius_km"]], geometry=geoms + [None, shapely.Point()],
                           crs=4326, index=list(range(2002))).to_crs(3857)
    gdf.loc[[2000, 2001], "radius_km"] = 1.0
    gdf.to_parquet(tmp_path / "merc.parquet")
    got = check_parquet(tmp_path / "merc.parquet", **kw(ref))
    exp = expected.iloc[:2000]
    assert (got["side"].iloc[:2000] == exp["side"]).all()
    for c in ("distance_km", "near_lon", "near_lat"):
        np.testing.assert_allclose(got[c].iloc[:2000], exp[c], rtol=1e-9, atol=1e-6)
    assert got["distance_km"].iloc[2000:].isna().all() and (got["side"].iloc[2000:] == "outside").all()


def test_errors(ref, tmp_path):
    with pytest.raises(ValueError, match="engine"):
        check_points([65.0], [30.0], engine="spark", **kw(ref))
    gpd.GeoDataFrame(geometry=[shapely.LineString([(65, 30), (66, 31)])], crs=4326).to_parquet(tmp_path / "line.parquet")
    with pytest.raises(ValueError, match="point"):
        check_parquet(tmp_path / "line.parquet", **kw(ref))
    pd.DataFrame({"x": [1.0]}).to_parquet(tmp_path / "x.parquet")
    with pytest.raises(ValueError, match="lon and lat"):
        check_parquet(tmp_path / "x.parquet", **kw(ref))


def test_check_command_gives_the_same_answers_with_the_dask_engine():
    import json
    from pathlib import Path

    from click.testing import CliRunner

    from geo.cli import cli

    layers = Path(__file__).resolve().parent.parent / "layers"
    docs = {}
    for engine in ("memory", "dask"):
        res = CliRunner().invoke(cli, ["check", "--json", "--layers", str(layers), "--engine", engine])
        assert res.exit_code == 0, res.output
        docs[engine] = {s["site_id"]: s for s in json.loads(res.stdout)["sites"]}
    assert docs["memory"].keys() == docs["dask"].keys()
    for site_id, m in docs["memory"].items():
        d = docs["dask"][site_id]
        assert (m["side"], m["country"], [f["code"] for f in m["flags"]]) == (d["side"], d["country"], [f["code"] for f in d["flags"]])
        assert abs(m["distance_km"] - d["distance_km"]) <= 0.1


@pytest.mark.slow  # dask processes or a cluster: 10-35 s each on 2 cores
def test_build_with_the_dask_engine_writes_the_same_outputs(tmp_path, synthetic_events):
    """`geo build --engine dask` on layers + 600 ACLED events: the same sites, sides, flags and distances."""
    import json
    from pathlib import Path

    from click.testing import CliRunner

    from geo.cli import cli

    root = Path(__file__).resolve().parent.parent
    events = synthetic_events(600, seed=5)
    docs = {}
    for engine in ("memory", "dask"):
        out = tmp_path / engine
        res = CliRunner().invoke(cli, ["build", "-q", "--layers", str(root / "layers"), "--out", str(out), "--events", str(events),
                                       "--engine", engine])
        assert res.exit_code == 0, res.output
        docs[engine] = json.loads((out / "check.json").read_text())["sites"]
    mem, dsk = docs["memory"], docs["dask"]
    assert len(mem) == len(dsk) == 609
    assert [s["site_id"] for s in mem] == [s["site_id"] for s in dsk]
    for m, d in zip(mem, dsk):
        assert (m["side"], m["country"], [f["code"] for f in m["flags"]]) == (d["side"], d["country"], [f["code"] for f in d["flags"]])
        assert abs(m["distance_km"] - d["distance_km"]) <= 0.001
