"""OpenStreetMap-derived country polygons and shared borders, from the MAPS.ME border files.

The PyPI package ``omim-data-borders`` (the ``osm`` extra) installs ``omim-data/borders.tar.xz``
under ``sys.prefix``: one Osmosis ``.poly`` polygon file per MAPS.ME map region (ODbL 1.0,
"© OpenStreetMap contributors"). MAPS.ME's own generator describes them as "probably downloaded
from the OSM and then manually tweaked" (mapsme/omim, ``generator/borders.hpp``): they follow
OSM's country boundaries on land, include territorial waters at sea, and some large countries are
split into regions (``Thailand_North.poly``, ``_Central``, ``_South``), which are unioned here.
The archive is read with :mod:`tarfile` (its ``lzma`` decompression) from the standard library.

Reading it takes a few seconds (the archive is decompressed as a stream), so a derived pair of
countries is kept in the user cache (:mod:`geo.cache`), keyed by the two codes and the archive's
size and modification time; the AF–PK pair is packaged in ``geo/data`` and needs no archive.
"""

from __future__ import annotations

import logging
import re
import sys
import tarfile
from importlib import metadata
from pathlib import Path

import numpy as np
import shapely

from geo import cache

log = logging.getLogger(__name__)

OSM_SOURCE = "OpenStreetMap country borders (MAPS.ME .poly files, omim-data-borders)"
OSM_LICENCE = "ODbL 1.0 (© OpenStreetMap contributors)"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
OSM_SCALE = "large scale (OpenStreetMap, vertices tens of metres apart)"
DISTRIBUTION = "omim-data-borders"
ARCHIVE_NAME = "borders.tar.xz"
#: Bumped when the derivation changes: older cached pairs are then ignored.
DERIVATION = "1"
#: MAPS.ME file-name stems of countries whose Natural Earth English name differs.
FILE_STEMS: dict[str, tuple[str, ...]] = {
    "CN": ("China",), "CG": ("Congo-Brazzaville",), "CD": ("Congo-Kinshasa",), "CZ": ("Czech",),
    "MK": ("Macedonia",), "XK": ("Republic of Kosovo",), "GB": ("UK",), "CI": ("Cote dIvoire",),
    "SZ": ("Swaziland",), "LS": ("Kingdom of Lesotho",), "US": ("US",), "EH": ("Sahrawi Arab Democratic Republic",),
    "NZ": ("New Zealand North", "New Zealand South"), "ST": ("Sao Tome and Principe",),
    "BL": ("Saint Barthelemy",), "SH": ("Saint Helena Ascension and Tristan da Cunha",),
}


class PolyError(ValueError):
    """A ``.poly`` file that does not follow the Osmosis format (names the file and line)."""


def archive_path() -> Path | None:
    """Where ``omim-data-borders`` put ``borders.tar.xz``; None when it is not installed."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        dist = None
    for f in (dist.files or []) if dist is not None else []:
        if f.name == ARCHIVE_NAME:
            p = Path(str(f.locate())).resolve()
            if p.is_file():
                return p
    p = Path(sys.prefix) / "omim-data" / ARCHIVE_NAME
    return p if p.is_file() else None


def parse_poly(text: str, name: str = "<poly>") -> shapely.Geometry:
    """The (multi)polygon of an Osmosis ``.poly`` file: rings between ``END`` lines, ``!`` rings are holes.

    Examples
    --------
    >>> g = parse_poly("x\\n1\\n 0 0\\n 1 0\\n 1 1\\nEND\\nEND\\n")
    >>> g.geom_type, g.area
    ('Polygon', 0.5)
    """
    lines = text.splitlines()
    shells, holes = [], []
    i = 1
    while i < len(lines):
        head = lines[i].strip()
        i += 1
        if head == "END":
            break
        if not head:
            continue
        start = i
        while i < len(lines) and lines[i].strip() != "END":
            i += 1
        if i == len(lines):
            raise PolyError(f"{name}:{start}: ring {head!r} has no END line")  # the ring header's line (1-based)
        try:
            ring = np.array([ln.split()[:2] for ln in lines[start:i]], dtype=float)
        except ValueError as exc:
            bad = next(k for k in range(start, i) if len(lines[k].split()) < 2 or not _is_pair(lines[k]))
            raise PolyError(f"{name}:{bad + 1}: ring {head!r}: not a list of 'lon lat' pairs ({exc})") from None
        if len(ring) < 3:
            raise PolyError(f"{name}:{start}: ring {head!r} has {len(ring)} points, a polygon needs 3")  # the ring header's line (1-based)
        (holes if head.startswith("!") else shells).append(shapely.make_valid(shapely.Polygon(ring)))
        i += 1
    geom = shapely.union_all(shells)
    if holes:
        geom = shapely.difference(geom, shapely.union_all(holes))
    return geom


def _is_pair(text: str) -> bool:
    try:
        [float(v) for v in text.split()[:2]]
    except ValueError:
        return False
    return True


def file_stems(code: str, name: str) -> tuple[str, ...]:
    """MAPS.ME file-name stems of a country: its explicit entry, else its English name."""
    return FILE_STEMS.get(code, (name,))


def _belongs(member: str, stems: tuple[str, ...]) -> bool:
    base = member.rsplit("/", 1)[-1]
    return base.endswith(".poly") and any(base == f"{s}.poly" or base.startswith(f"{s}_") for s in stems)


def read_countries(countries: dict[str, str], archive: Path) -> dict[str, shapely.Geometry]:
    """Polygons of ``{iso_code: english_name}`` from the archive, regions of a country unioned.

    Raises
    ------
    KeyError
        Naming the countries that have no file in the archive.
    """
    stems = {code: file_stems(code, name) for code, name in countries.items()}
    parts: dict[str, list[shapely.Geometry]] = {code: [] for code in countries}
    with tarfile.open(archive, "r:xz") as tar:
        for member in tar:
            for code, s in stems.items():
                if member.isfile() and _belongs(member.name, s):
                    f = tar.extractfile(member)
                    parts[code].append(parse_poly(f.read().decode("utf-8"), f"{archive.name}:{member.name}"))
    missing = [c for c, p in parts.items() if not p]
    if missing:
        raise KeyError(", ".join(f"{c} ({' / '.join(stems[c])})" for c in missing))
    return {code: shapely.union_all(p) for code, p in parts.items()}


def _archive_key(archive: Path, codes: tuple[str, ...]) -> str:
    st = archive.stat()
    return cache.key_of("osm-pair", DERIVATION, str(archive), st.st_size, st.st_mtime_ns, *codes)


def cached_countries(countries: dict[str, str], archive: Path) -> dict[str, shapely.Geometry]:
    """:func:`read_countries` through the user cache (a damaged entry is read again from the archive)."""
    codes = tuple(countries)
    key = _archive_key(archive, codes)
    hit = cache.load("osm", key)
    if hit is not None and list(hit.get("codes", [])) == list(codes):
        try:
            geoms = shapely.from_wkb([hit[f"wkb_{i}"].tobytes() for i in range(len(codes))])
            if all(g is not None and shapely.get_dimensions(g) == 2 and g.is_valid for g in geoms):
                return dict(zip(codes, geoms))
        except (KeyError, shapely.errors.GEOSException):
            pass
        log.warning("cached OpenStreetMap polygons for %s are not usable: reading the archive again", "-".join(codes))
    log.info("reading %s for %s (a few seconds, once: the result is cached)", archive, ", ".join(codes))
    geoms = read_countries(countries, archive)
    arrays = {f"wkb_{i}": np.frombuffer(shapely.to_wkb(geoms[c]), dtype=np.uint8) for i, c in enumerate(codes)}
    arrays["codes"] = np.array(codes)
    cache.save("osm", key, arrays)
    return geoms


def is_osm_name(text: str) -> bool:
    """True when a source or licence text names OpenStreetMap (it then needs the ODbL attribution)."""
    return bool(re.search(r"openstreetmap", text, re.IGNORECASE))
