"""The public Dataset: a theatre's checked layers as GeoDataFrames, for notebooks and for every output."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from geo._guard import refuse_inputs
from geo.errors import UsageError

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from geo.errors import Problem
    from geo.pipeline import Checked


class Dataset:
    """One theatre's layers, located and checked against the border.

    Made by :func:`geo.load`; the frames are the ones ``geo build`` writes to ``maps/``
    (``sites.geojson``, ``claims.geojson``, ``border.geojson``, ...), in WGS84 lon/lat.

    Attributes
    ----------
    checked
        The pipeline's result that maps, reports and exports are drawn from.
    warnings
        Problems that did not stop loading (rows skipped with ``skip_invalid``).

    Examples
    --------
    >>> import geo
    >>> ds = geo.load("layers")
    >>> ds.sites.crs.to_epsg(), ds.sites.geometry.geom_type.unique().tolist()
    (4326, ['Point'])
    >>> ds.summary["name"]
    'Durand Line'
    """

    def __init__(self, checked: Checked, *, warnings: list[Problem] | None = None) -> None:
        self.checked = checked
        self.warnings = list(warnings or [])

    def __repr__(self) -> str:
        return (f"<geo.Dataset {self.summary['name']!r}: {len(self.checked.sites)} sites, "
                f"{len(self.checked.claims)} claims, border {self.summary['length_km']:,.1f} km>")

    @cached_property
    def tables(self) -> dict[str, gpd.GeoDataFrame]:
        """Every layer by name (``sites``, ``claims``, ``border``, ``countries``, ``bands``), as exported."""
        from geo.export import layer_tables

        return layer_tables(self.checked)

    @property
    def sites(self) -> gpd.GeoDataFrame:
        """One row per site: where it is, how precisely, its side of the border, distance and flags."""
        return self.tables["sites"]

    @property
    def claims(self) -> gpd.GeoDataFrame:
        """One row per claim, at its site's point (no geometry for claims about the whole border)."""
        return self.tables["claims"]

    @property
    def border(self) -> gpd.GeoDataFrame:
        """One row per reference line of the border (the one used for sides has ``used`` true)."""
        return self.tables["border"]

    @property
    def countries(self) -> gpd.GeoDataFrame:
        """The theatre's two country polygons (``iso_a2``, ``name``)."""
        return self.tables["countries"]

    @property
    def bands(self) -> gpd.GeoDataFrame:
        """Distance bands along the border, by side."""
        return self.tables["bands"]

    @property
    def summary(self) -> dict:
        """The border length check: measured lengths, reported figures, scale analysis and verdict."""
        return self.checked.border

    def check(self) -> dict:
        """The document of ``geo check --json`` and ``maps/check.json``: border summary and per-site checks.

        Examples
        --------
        >>> import geo
        >>> doc = geo.load("layers").check()
        >>> sorted(doc)
        ['border', 'contradictions', 'sites', 'theatre']
        """
        from geo.export import check_report

        return check_report(self.checked)

    def write_check_json(self, stream: BinaryIO) -> None:
        """Write :meth:`check` as JSON (UTF-8 bytes) to ``stream``, streaming the sites (``geo check --json``)."""
        from geo.export import stream_check_json

        stream_check_json(self.checked, stream)

    def explore(self, **kwargs) -> folium.Map:
        """The interactive map as a ``folium.Map`` (shown inline in a notebook).

        Keyword arguments go to :func:`geo.render.build_map` (e.g. ``self_contained=True``).
        """
        from geo.render import build_map

        return build_map(self.checked, **kwargs)

    def to_file(self, path: str | Path, *, layer: str = "sites", fmt: str | None = None) -> Path:
        """Write one layer (for a GeoPackage: every layer) to a GIS file, atomically.

        Parameters
        ----------
        path
            Output file; its extension picks the format unless ``fmt`` is given. It may not be
            inside the layers directory.
        layer
            ``sites``, ``claims``, ``border``, ``countries`` or ``bands``.
        fmt
            ``geojson``, ``gpkg``, ``csv`` or ``parquet`` (GeoParquet).

        Examples
        --------
        >>> import geo, tempfile, pathlib
        >>> path = geo.load("layers").to_file(pathlib.Path(tempfile.mkdtemp()) / "claims.csv", layer="claims")
        >>> path.read_text(encoding="utf-8").split(",")[0]
        'claim_id'
        """
        from geo import export as writers

        path = Path(path)
        if path.is_dir():
            raise UsageError(f"{path}: is a directory; give the file to write, e.g. {path / (layer + '.' + (fmt or 'geojson'))}")
        try:
            form = writers.format_for(path, fmt)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if layer not in writers.LAYER_NAMES:
            raise UsageError(f"unknown layer {layer!r}: one of {', '.join(writers.LAYER_NAMES)}")
        if form.name == "csv" and layer not in ("sites", "claims"):
            raise UsageError("CSV export holds the sites or claims layer")
        refuse_inputs(path, self.checked.layers.root, [], directory=False)
        layers = self.tables if form.multi_layer else {layer: self.tables[layer]}
        with writers.staging(path.parent) as tmp:
            writers.export_layers(layers, tmp / path.name, fmt=form.name)
            writers.publish(tmp, path.parent)
        return path
