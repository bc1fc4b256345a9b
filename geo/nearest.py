"""Fast nearest-point-on-border queries for many points, with a certified error bound.

Geometry. The border is densified along geodesics to segments of at most :data:`STEP_M`
(5 km) for a generalised line, or :data:`DENSE_STEP_M` (250 m) for a detailed one (median
vertex spacing under :data:`DENSE_SPACING_M`), and its vertices put in Earth-centred
coordinates (ECEF, WGS84). Between two vertices 5 km apart the straight chord departs from
the ellipsoid by ``L**2 / 8R`` ~ 0.5 m, and chord
distance ranks border points as the geodesic distance does (to ~1 m at 100 km), so the exact
nearest point of the chord polyline is the nearest border point to within about a metre. The
point found is converted back to lon/lat and its distance measured with ``pyproj.Geod.inv``.

Certificate. If the nearest segment is ``AB``, with nearest point ``Q`` at true distance ``d*``,
the end of ``AB`` closer to ``Q`` lies within ``sqrt(d*^2 + h^2)`` of the point (``h`` = half
the longest segment). So when every vertex within ``R(d1) = sqrt((d1 - tau(d1))^2 + h^2)`` of
the point is among the candidates whose adjacent segments were searched (``d1`` the best
distance found), ``d1 - d* <= tau(d1)``. :func:`tolerance_m` is 10 m + 0.05 % of the distance,
plus 0.2 % of whatever exceeds 100 km: 60 m at 100 km, 0.25 % at 1,000 km.

Search, per point:

1. **Grid** (the common, fast case). A 0.05-degree lon/lat grid around the border keeps, for
   each cell, the vertex ``q`` nearest its centre, but only where it is proven at build time
   that for *every* point ``P`` of the cell no vertex outside ``{q-1, q, q+1}`` lies within
   ``R(|P - q|)`` (checked at the cell corners against the centre's :data:`GRID_K` nearest
   vertices, less a bound on the bilinear-interpolation error from second derivatives, and
   with a triangle-inequality bound for every farther vertex). A point in such a cell needs
   only the four segments next to ``q-1..q+1``: no tree search. On a generalised line, cells
   from about 100 km from the line outwards certify; the others are where a tree search is
   cheap. On a detailed line almost no cell certifies (neighbouring vertices are metres
   apart in distance from any far point: on the 29,000-vertex AF-PK OpenStreetMap line, 11 %
   of cells, after 17 s of building), so a detailed line has no grid.
2. **KD-tree** (:class:`scipy.spatial.cKDTree`) for the rest: the nearest vertex and its two
   segments, then, while the certificate fails, the ``K`` nearest vertices (K = 8, 32, ...).
   On a detailed line the short segments (``h`` = 125 m) make the first vertex certify for
   nearly every point.

The steps are numpy, scipy and pyproj calls that release the GIL, run on chunks in threads.
Build an index once per border with :func:`border_index`: it is kept in memory per process
(keyed on the border's WKB), and its grid, the slow part to build (0.5-2 s for the AF-PK
Natural Earth line), is stored in the user cache (:mod:`geo.cache`, keyed on a SHA-256 of the
WKB and the constants above) and checked on every read: a damaged or foreign entry is rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from pyproj import Geod
from scipy.spatial import cKDTree

from geo import cache

GEOD = Geod(ellps="WGS84")
#: Longest border segment after geodesic densification (metres); chord sag L^2/8R = 0.5 m.
STEP_M = 5000.0
#: Longest segment (metres) for a detailed line, and the median vertex spacing below which a
#: line counts as detailed (it then gets no grid, see the module docstring).
DENSE_STEP_M = 250.0
DENSE_SPACING_M = 500.0
#: Certified error: this many metres, plus REL_NEAR of the distance, plus REL_FAR beyond FAR_M.
ABS_TOL_M = 10.0
REL_NEAR = 5e-4
REL_FAR = 2e-3
FAR_M = 100_000.0
#: Vertices fetched when the nearest one does not certify the result (x4 while needed).
K_EXACT = 8
#: Grid cell and margin around the border's bounding box (degrees), neighbours checked per
#: cell at build time, and the most cells built (else no grid: tree search only).
GRID_DEG = 0.05
GRID_MARGIN_DEG = 4.0
GRID_K = 16
GRID_MAX_CELLS = 400_000
#: Points per thread chunk for the GIL-free steps.
CHUNK = 131_072
#: Bumped when the grid's construction changes: cached grids of older versions are ignored.
GRID_VERSION = "1"

_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_B = _A * (1 - _F)
_EP2 = _E2 / (1 - _E2)


def ecef(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """WGS84 Earth-centred coordinates (metres, height 0) of lon/lat in degrees, shape (n, 3)."""
    lam = np.radians(lon)
    phi = np.radians(lat)
    sphi = np.sin(phi)
    cphi = np.cos(phi)
    n = _A / np.sqrt(1.0 - _E2 * sphi * sphi)
    out = np.empty((len(lam), 3))
    out[:, 0] = n * cphi * np.cos(lam)
    out[:, 1] = n * cphi * np.sin(lam)
    out[:, 2] = n * (1.0 - _E2) * sphi
    return out


def geodetic(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat (degrees) of ECEF points near the surface (Bowring's formula, sub-millimetre there)."""
    x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    p = np.hypot(x, y)
    theta = np.arctan2(z * _A, p * _B)
    st, ct = np.sin(theta), np.cos(theta)
    lat = np.arctan2(z + _EP2 * _B * st**3, p - _E2 * _A * ct**3)
    return np.degrees(np.arctan2(y, x)), np.degrees(lat)


def _lines(border: shapely.Geometry) -> list[np.ndarray]:
    parts = [g for g in shapely.get_parts(border) if g is not None and not g.is_empty]
    out = []
    for g in parts:
        if shapely.get_dimensions(g) == 2:
            g = shapely.boundary(g)
        if g.geom_type in ("MultiLineString", "GeometryCollection"):
            out.extend(_lines(g))
        elif g.geom_type in ("LineString", "LinearRing"):
            out.append(shapely.get_coordinates(g))
        elif g.geom_type == "Point":
            out.append(shapely.get_coordinates(g))
    return out


def _median_spacing_m(parts: list[np.ndarray]) -> float:
    """Median geodesic distance between consecutive vertices of the parts (inf for points)."""
    steps = [GEOD.inv(c[:-1, 0], c[:-1, 1], c[1:, 0], c[1:, 1])[2] for c in parts if len(c) > 1]
    return float(np.median(np.concatenate(steps))) if steps else float("inf")


def densify_geodesic(coords: np.ndarray, step_m: float = STEP_M) -> np.ndarray:
    """Vertices of a lon/lat polyline with points added along each geodesic segment so that
    none is longer than ``step_m``; the original vertices are kept exactly."""
    if len(coords) < 2:
        return coords[:, :2].copy()
    x0, y0, x1, y1 = coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1]
    az, _, dist = GEOD.inv(x0, y0, x1, y1)
    n = np.maximum(1, np.ceil(np.asarray(dist) / step_m).astype(np.int64))
    seg = np.repeat(np.arange(len(n)), n)
    j = np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)
    frac = j / n[seg]
    lon, lat, _ = GEOD.fwd(x0[seg], y0[seg], np.asarray(az)[seg], np.asarray(dist)[seg] * frac)
    lon = np.where(j == 0, x0[seg], lon)
    lat = np.where(j == 0, y0[seg], lat)
    return np.column_stack([np.append(lon, coords[-1, 0]), np.append(lat, coords[-1, 1])])


def parallel_chunks(fn, n: int, *arrays):
    """Run ``fn`` on row chunks of ``arrays`` in threads (numpy, scipy and pyproj release the GIL)."""
    workers = os.cpu_count() or 1
    if n <= CHUNK or workers == 1:
        return [fn(*arrays)]
    size = max(CHUNK // 4, -(-n // (workers * 4)))
    starts = range(0, n, size)
    with ThreadPoolExecutor(workers) as ex:
        return list(ex.map(lambda s: fn(*(a[s:s + size] for a in arrays)), starts))


def tolerance_m(d: np.ndarray) -> np.ndarray:
    """Certified bound on (found - true) chord distance, metres, for a found distance ``d`` (m)."""
    return ABS_TOL_M + REL_NEAR * d + REL_FAR * np.maximum(d - FAR_M, 0.0)


def reach(d: np.ndarray, half: float) -> np.ndarray:
    """``R(d)``: vertices within it of a point found at chord distance ``d`` must be candidates."""
    return np.sqrt(np.maximum(d - tolerance_m(d), 0.0) ** 2 + half * half)


def _lengths(v: np.ndarray) -> np.ndarray:
    """Euclidean length of vectors along the last axis."""
    return np.sqrt(np.einsum("...k,...k->...", v, v))


class BorderIndex:
    """ECEF polyline, KD-tree and certified grid of one border; see the module docstring."""

    def __init__(self, border: shapely.Geometry, step_m: float | None = None, *, cache_key: str | None = None):
        parts = _lines(border)
        if not parts:
            raise ValueError("the border has no line geometry")
        self.detailed = _median_spacing_m(parts) < DENSE_SPACING_M
        if step_m is None:
            step_m = DENSE_STEP_M if self.detailed else STEP_M
        lines = [densify_geodesic(c, step_m) for c in parts]
        self.lonlat = np.concatenate(lines)
        self.xyz = ecef(self.lonlat[:, 0], self.lonlat[:, 1])
        self.nv = nv = len(self.lonlat)
        ends = np.cumsum([len(c) for c in lines])
        #: seg_ok[j]: vertices j and j+1 are joined by a segment (False across parts).
        self.seg_ok = np.ones(max(nv - 1, 1), dtype=bool)
        self.seg_ok[ends[:-1] - 1] = False
        if nv == 1:
            self.seg_ok[:] = False
        d = self.xyz[1:] - self.xyz[:-1] if nv > 1 else np.zeros((1, 3))
        self.seg_len2 = np.einsum("ij,ij->i", d, d)
        ok = self.seg_ok & (self.seg_len2 > 0)
        self.half = float(np.sqrt(self.seg_len2[ok].max())) / 2.0 if ok.any() else 0.0
        # Sliding-midpoint splits (balanced_tree=False): a line is a degenerate point set, on which
        # median splits make far queries 10-15x slower (scipy cKDTree docs on balanced_tree).
        self.tree = cKDTree(self.xyz, balanced_tree=False, compact_nodes=False)
        self._grid = None
        self._grid_built = False
        self._cache_key = cache_key

    @property
    def grid(self):
        """The certified grid: from the user cache when an intact entry exists, else built (and stored)."""
        if not self._grid_built:
            self._grid = self._cached_grid() if self._cache_key else None
            if self._grid is None:
                self._grid = self._build_grid()
                if self._cache_key and self._grid is not None:
                    self._store_grid()
            self._grid_built = True
        return self._grid

    def _cached_grid(self):
        """The grid from the cache, or None when absent or not consistent with this line."""
        hit = cache.load("grid", self._cache_key)
        if hit is None:
            return None
        try:
            lon0, lat0, nx, ny = (float(hit["lon0"]), float(hit["lat0"]), int(hit["nx"]), int(hit["ny"]))
            cells = hit["cells"].astype(np.int64)
        except (KeyError, ValueError, TypeError):
            return None
        if cells.shape != (nx * ny,) or (cells < -1).any() or (cells >= self.nv).any():
            return None
        return lon0, lat0, nx, ny, cells

    def _store_grid(self) -> None:
        lon0, lat0, nx, ny, cells = self._grid
        cache.save("grid", self._cache_key, {"lon0": np.array(lon0), "lat0": np.array(lat0),
                                            "nx": np.array(nx), "ny": np.array(ny), "cells": cells.astype(np.int32)})

    # -- candidate segments -----------------------------------------------------------------
    def _refine(self, p: np.ndarray, verts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Best point on the segments next to each row's candidate vertices ``verts`` (n, k).

        Returns the squared chord distance, the segment (its first vertex) and t along it."""
        if self.nv == 1:
            d = p - self.xyz[0]
            return np.einsum("ij,ij->i", d, d), np.zeros(len(p), dtype=np.int64), np.zeros(len(p))
        seg = np.concatenate([verts - 1, verts], axis=1)
        ok = (seg >= 0) & (seg < self.nv - 1)
        s = np.where(ok, seg, 0)
        ok &= self.seg_ok[s]
        a = self.xyz[s]
        ab = self.xyz[s + 1] - a
        ap = p[:, None, :] - a
        l2 = self.seg_len2[s]
        t = np.clip(np.einsum("nmk,nmk->nm", ap, ab) / np.where(l2 > 0, l2, 1.0), 0.0, 1.0)
        diff = ap - t[..., None] * ab
        d2 = np.where(ok, np.einsum("nmk,nmk->nm", diff, diff), np.inf)
        j = np.argmin(d2, axis=1)
        rows = np.arange(len(p))
        return d2[rows, j], s[rows, j], t[rows, j]

    def _reach2(self, d2: np.ndarray) -> np.ndarray:
        return reach(np.sqrt(d2), self.half) ** 2

    def _tree_search(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        dv, iv = self.tree.query(p, k=1)
        d2, seg, t = self._refine(p, iv[:, None])
        # Certified when no vertex but iv lies within R(d1); else the K nearest, K growing.
        todo = np.flatnonzero(dv * dv <= self._reach2(d2))
        k = K_EXACT
        while len(todo):
            kk = min(k, self.nv)
            dk, ik = self.tree.query(p[todo], k=kk)
            dk = dk.reshape(len(todo), kk)
            ik = ik.reshape(len(todo), kk)
            d2k, segk, tk = self._refine(p[todo], ik)
            better = d2k < d2[todo]
            w = todo[better]
            d2[w], seg[w], t[w] = d2k[better], segk[better], tk[better]
            done = (kk >= self.nv) | (dk[:, -1] ** 2 > self._reach2(d2[todo]))
            todo = todo[~done]
            k *= 4
        return d2, seg, t

    def _search(self, p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest point on the chord polyline of ECEF points ``p``; ``q`` is the certified grid
        vertex of each point's cell, or -1 (tree search)."""
        n = len(p)
        d2, seg, t = np.empty(n), np.empty(n, dtype=np.int64), np.empty(n)
        fast = np.flatnonzero(q >= 0)
        if len(fast):
            verts = np.clip(q[fast, None] + np.array([-1, 0, 1]), 0, self.nv - 1)
            d2[fast], seg[fast], t[fast] = self._refine(p[fast], verts)
        slow = np.flatnonzero(q < 0)
        if len(slow):
            d2[slow], seg[slow], t[slow] = self._tree_search(p[slow])
        return d2, seg, t

    def _point(self, seg: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lon/lat of the point at ``t`` along chord ``seg``; vertices keep exact coordinates."""
        if self.nv == 1:
            return np.full(len(seg), self.lonlat[0, 0]), np.full(len(seg), self.lonlat[0, 1])
        a = self.xyz[seg]
        nlon, nlat = geodetic(a + t[:, None] * (self.xyz[seg + 1] - a))
        at_a, at_b = t == 0.0, t == 1.0
        nlon = np.where(at_a, self.lonlat[seg, 0], np.where(at_b, self.lonlat[seg + 1, 0], nlon))
        nlat = np.where(at_a, self.lonlat[seg, 1], np.where(at_b, self.lonlat[seg + 1, 1], nlat))
        return nlon, nlat

    # -- grid -------------------------------------------------------------------------------
    def _build_grid(self):
        """(lon0, lat0, nx, ny, cell_vertex) with -1 for cells that do not certify; or None."""
        if self.nv < 4 or self.detailed:
            return None
        lo = np.floor((self.lonlat.min(axis=0) - GRID_MARGIN_DEG) / GRID_DEG) * GRID_DEG
        hi = np.ceil((self.lonlat.max(axis=0) + GRID_MARGIN_DEG) / GRID_DEG) * GRID_DEG
        lo[1], hi[1] = max(lo[1], -85.0), min(hi[1], 85.0)
        nx, ny = (np.round((hi - lo) / GRID_DEG)).astype(int)
        if nx <= 0 or ny <= 0 or nx * ny > GRID_MAX_CELLS:
            return None
        glon = lo[0] + GRID_DEG * np.arange(nx + 1)
        glat = lo[1] + GRID_DEG * np.arange(ny + 1)
        nodes = ecef(*(a.ravel() for a in np.meshgrid(glon, glat))).reshape(ny + 1, nx + 1, 3)
        corners = np.stack([nodes[:-1, :-1], nodes[:-1, 1:], nodes[1:, :-1], nodes[1:, 1:]], axis=2).reshape(-1, 4, 3)
        cl, ct = np.meshgrid(glon[:-1] + GRID_DEG / 2, glat[:-1] + GRID_DEG / 2)
        centre = ecef(cl.ravel(), ct.ravel())
        k = min(GRID_K, self.nv)
        dk, ik = self.tree.query(centre, k=k, workers=-1)
        q = ik[:, 0]
        rho = _lengths(corners - centre[:, None, :]).max(axis=1)
        # Side lengths (m) and angular steps (rad) of each cell, for the interpolation bound.
        hx = np.maximum(_lengths(corners[:, 1] - corners[:, 0]), _lengths(corners[:, 3] - corners[:, 2]))
        hy = np.maximum(_lengths(corners[:, 2] - corners[:, 0]), _lengths(corners[:, 3] - corners[:, 1]))
        dang = np.radians(GRID_DEG)
        dq_min = dk[:, 0] - rho
        d_c = _lengths(corners - self.xyz[q][:, None, :])  # (cells, 4)
        r_c = reach(d_c, self.half)
        a_min = np.maximum(dq_min - tolerance_m(np.maximum(dq_min, 0.0)), 0.0)
        curv_r = self.half**2 / np.maximum(np.hypot(a_min, self.half), 1.0) ** 3
        ok = dq_min > 0
        for j in range(1, k):
            v = ik[:, j]
            skip = np.abs(v - q) <= 1
            dv_min = dk[:, j] - rho
            g = (_lengths(corners - self.xyz[v][:, None, :]) - r_c).min(axis=1)
            hess = 1.0 / np.maximum(dv_min, 1.0) + 1.0 / np.maximum(dq_min, 1.0) + curv_r
            err = (hess * (hx**2 + hy**2) + 2.0 * (hx + hy) * dang) / 8.0 + 1.0
            ok &= skip | ((dv_min > 0) & (g - err > 0))
        if k < self.nv:
            # Every vertex beyond the k-th is at least dk[k-1] - rho from any point of the cell.
            ok &= dk[:, -1] - rho > reach(dk[:, 0] + rho, self.half)
        cells = np.where(ok, q, -1).astype(np.int64)
        return float(lo[0]), float(lo[1]), int(nx), int(ny), cells

    def grid_vertex(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Certified grid vertex of each point's cell; -1 outside the grid or where it does not certify."""
        if self.grid is None:
            return np.full(len(lon), -1, dtype=np.int64)
        lon0, lat0, nx, ny, cells = self.grid
        i = np.floor((lon - lon0) / GRID_DEG)
        j = np.floor((lat - lat0) / GRID_DEG)
        inside = (i >= 0) & (i < nx) & (j >= 0) & (j < ny)
        flat = np.where(inside, j * nx + i, 0).astype(np.int64)
        return np.where(inside, cells[flat], -1)

    # -- public -----------------------------------------------------------------------------
    def nearest(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest border point (lon, lat) and geodesic distance (km) for each lon/lat."""
        return self.query(lon, lat)[:3]

    def query(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, ...]:
        """Nearest border point (lon, lat), geodesic distance (km), and the vertex pair it lies between.

        Returns ``near_lon, near_lat, distance_km, vertex, frac``: the nearest point lies on the
        segment from vertex ``vertex`` to ``vertex + 1`` of :attr:`lonlat`, at ``frac`` (0..1)
        along its chord. Points without finite coordinates get NaN and vertex -1. The certified
        grid is always used (built or read from the cache once), so a point's answer does not
        depend on how many points come with it.
        """
        lon = np.ascontiguousarray(lon, dtype=float).ravel()
        lat = np.ascontiguousarray(lat, dtype=float).ravel()
        ok = np.isfinite(lon) & np.isfinite(lat)
        if not ok.all():
            out = (np.full(len(lon), np.nan), np.full(len(lon), np.nan), np.full(len(lon), np.nan),
                   np.full(len(lon), -1, dtype=np.int64), np.full(len(lon), np.nan))
            if ok.any():
                for o, r in zip(out, self.query(lon[ok], lat[ok])):
                    o[ok] = r
            return out
        if len(lon) == 0:
            return np.array([]), np.array([]), np.array([]), np.array([], dtype=np.int64), np.array([])
        self.grid  # built (or read) before the threads start
        # Points in Z-order of 0.05-degree cells: neighbours query the same tree nodes one after the
        # other (1.8x faster KD-tree queries on 500,000 random points); each point's answer is its own.
        order = _z_order(lon, lat)
        lon, lat = lon[order], lat[order]

        def work(x: np.ndarray, y: np.ndarray):
            _, seg, t = self._search(ecef(x, y), self.grid_vertex(x, y))
            nlon, nlat = self._point(seg, t)
            _, _, dist = GEOD.inv(x, y, nlon, nlat)
            return nlon, nlat, np.asarray(dist) / 1000.0, seg, t

        parts = parallel_chunks(work, len(lon), lon, lat)
        out = []
        for i in range(5):
            column = np.empty(len(order), dtype=parts[0][i].dtype)
            column[order] = np.concatenate([p[i] for p in parts])
            out.append(column)
        return tuple(out)


def _spread_bits(v: np.ndarray) -> np.ndarray:
    """The bits of 32-bit integers spread to the even bits of 64-bit ones (for a Z-order key)."""
    v = v.astype(np.uint64)
    for shift, mask in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                        (2, 0x3333333333333333), (1, 0x5555555555555555)):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def _z_order(lon: np.ndarray, lat: np.ndarray, cell_deg: float = 0.05) -> np.ndarray:
    """Indices that sort lon/lat points along a Z-order (Morton) curve of ``cell_deg`` cells."""
    cx = np.floor((lon + 180.0) / cell_deg).astype(np.int64)
    cy = np.floor((lat + 90.0) / cell_deg).astype(np.int64)
    return np.argsort(_spread_bits(cx) | (_spread_bits(cy) << np.uint64(1)), kind="stable")


@functools.lru_cache(maxsize=16)
def _index_from_wkb(wkb: bytes, step_m: float | None) -> BorderIndex:
    key = cache.key_of("border-index", GRID_VERSION, hashlib.sha256(wkb).digest(), step_m, GRID_DEG, GRID_MARGIN_DEG,
                       GRID_K, GRID_MAX_CELLS, ABS_TOL_M, REL_NEAR, REL_FAR, FAR_M)
    return BorderIndex(shapely.from_wkb(wkb), step_m, cache_key=key)


def border_index(border: shapely.Geometry, step_m: float | None = None) -> BorderIndex:
    """The :class:`BorderIndex` of ``border``: one per border and step in a process (kept on its
    WKB), its grid read from the user cache when an intact entry exists."""
    return _index_from_wkb(shapely.to_wkb(border), None if step_m is None else float(step_m))
