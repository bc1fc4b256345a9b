"""The map put together: reference layers, sites (SVG or compact canvas), panel, legend, controls."""

from __future__ import annotations

import itertools

import branca.element
import folium
import numpy as np
import pandas as pd
import shapely
from markupsafe import escape

from geo.columns import iso_dates
from geo.pipeline import Dataset
from geo.render._assets import CDN_CSS, CDN_JS
from geo.render._compact import COMPACT_SITE_COLUMNS, compact_data
from geo.render._elements import CompactSites, GeoLayer, HtmlControl, InlineAssets, Timeline
from geo.render._panel import panel_sources
from geo.render._popup import _HTML, claims_matrix, site_features
from geo.render._style import BORDER_COLOR, CATEGORY_COLORS, COMPACT_THRESHOLD, COUNTRY_FILLS, MAP_DECIMALS

def _round_geojson(geom: shapely.Geometry) -> dict:
    return shapely.geometry.mapping(shapely.set_precision(geom, 10**-MAP_DECIMALS)) if not geom.is_empty else None


def _shared(parts: dict | None, key: tuple, make):
    """``make()``, or its result from an earlier map of the same dataset when ``parts`` is given."""
    if parts is None:
        return make()
    if key not in parts:
        parts[key] = make()
    return parts[key]


def _reference_layers(m: folium.Map, ds: Dataset, *, self_contained: bool) -> None:
    """Countries, buffer bands and the border line."""
    theatre = ds.layers.theatre
    countries = ds.reference.countries
    cfeatures = [
        {"type": "Feature", "id": code, "properties": {"iso_a2": code, "name": name, "_tooltip": str(escape(name)),
                                                         "_style": {"fillColor": COUNTRY_FILLS[i % len(COUNTRY_FILLS)]}},
         "geometry": _round_geojson(geom)}
        for i, (code, name, geom) in enumerate(zip(countries["iso_a2"], countries["name"], countries.geometry.values))
    ]
    GeoLayer({"type": "FeatureCollection", "features": cfeatures}, name="Countries",
             style={"color": "#777777", "weight": 1, "fillOpacity": 0.55 if self_contained else 0.25, "className": "geo-country"}).add_to(m)
    bfeatures = [
        {"type": "Feature", "id": r["band_id"], "properties": {"band": f"{r['from_km']:g}–{r['to_km']:g} km, {r['side']} side",
                                                                  "_tooltip": str(escape(f"{r['from_km']:g}–{r['to_km']:g} km from the line ({r['side']} side)")),
                                                                  "_style": {"fillOpacity": max(0.05, 0.25 - 0.07 * theatre.bands_km.index(r["to_km"]))}},
         "geometry": _round_geojson(r["geometry"])}
        for r in ds.bands.to_dict("records")
    ]
    GeoLayer({"type": "FeatureCollection", "features": bfeatures}, name=f"Buffer bands ({', '.join(f'{b:g}' for b in theatre.bands_km)} km)",
             style={"color": "#8c6bb1", "weight": 0.5, "fillColor": "#8c6bb1", "className": "geo-band"}, show=False).add_to(m)
    border_feature = {"type": "Feature", "id": "border", "properties": {
        "name": ds.border["name"], "_tooltip": str(escape(f"{ds.border['name']}: {ds.border['length_km']:,.0f} km on {ds.border['source']}"))},
        "geometry": _round_geojson(ds.reference.border)}
    GeoLayer({"type": "FeatureCollection", "features": [border_feature]}, name=f"Border: {ds.border['name']}",
             style={"color": BORDER_COLOR, "weight": 2.5, "dashArray": "8 4", "className": "geo-border"}).add_to(m)


def _site_layers(m: folium.Map, ds: Dataset, *, compact_threshold: int, parts: dict | None) -> list[str]:
    """One layer per category (compact canvas layers above ``compact_threshold`` sites); the categories drawn."""
    if len(ds.sites) > compact_threshold:
        cats = ds.sites["category"].to_numpy()
        present = [c for c in CATEGORY_COLORS if (cats == c).any()]
        # Each category's claims, found once for all categories.
        claim_cats = ds.claims["site_id"].map(pd.Series(cats, index=ds.sites["site_id"].to_numpy())).to_numpy()
        columns = ds.sites[[c for c in COMPACT_SITE_COLUMNS if c in ds.sites]]
        for cat in present:
            sub = columns[cats == cat]
            data = _shared(parts, ("compact", cat), lambda: compact_data(sub, ds.claims[claim_cats == cat], color=CATEGORY_COLORS[cat]))
            CompactSites(data, name=f"Sites: {cat} ({len(sub)})").add_to(m)
        return present
    feats = _shared(parts, ("features",), lambda: site_features(ds))
    present = [c for c in CATEGORY_COLORS if c in feats]
    for cat in present:
        GeoLayer({"type": "FeatureCollection", "features": feats[cat]}, name=f"Sites: {cat} ({len(feats[cat])})",
                 style={"color": CATEGORY_COLORS[cat], "fillColor": CATEGORY_COLORS[cat]}).add_to(m)
    return present


def _controls(m: folium.Map, ds: Dataset, present: list[str], *, parts: dict | None) -> None:
    """Panel (border-wide claims, length, sources), legend with the date slider, layer control."""
    theatre = ds.layers.theatre
    claimants = [(r.claimant_id, r.name) for r in ds.layers.claimants.itertuples()]
    wide = ds.claims[ds.claims["site_id"].isna()]
    disputed = {(c["quantity"], c["subject"].lower()) for c in ds.contradictions if c["site_id"] is None}
    panel = _HTML.get_template("panel.html.j2").render(
        title=f"{theatre.name}: claims and checks", matrix=claims_matrix(wide, claimants, disputed), border=ds.border,
        sources_html=_shared(parts, ("sources",), lambda: panel_sources(ds.layers.sources)),
    )
    m.add_child(HtmlControl(panel, position="topright", css_class="geo-panel leaflet-bar"), name="geo_panel")
    dates = sorted(set(iso_dates(ds.sites["event_date"]).tolist()))
    legend = _HTML.get_template("legend.html.j2").render(
        title=theatre.name, subtitle=f"{len(ds.sites)} sites · border: {ds.border['source']}",
        categories=[(c, CATEGORY_COLORS[c]) for c in present],
        border_color=BORDER_COLOR, border_name=ds.border["name"], tolerance_km=theatre.tolerance_km, dates=dates,
    )
    m.add_child(HtmlControl(legend, position="bottomleft", css_class="geo-legend leaflet-bar"), name="geo_legend")
    folium.LayerControl(collapsed=False, position="topleft").add_to(m)
    m.add_child(Timeline(dates), name="geo_timeline")


def build_map(ds: Dataset, *, self_contained: bool = False, compact_threshold: int = COMPACT_THRESHOLD, parts: dict | None = None) -> folium.Map:
    """The interactive map: countries, border, buffer bands, sites by category, panel, legend, timeline.

    Parameters
    ----------
    ds
        Output of :func:`geo.pipeline.run`.
    self_contained
        Inline Leaflet from installed packages and draw no web tiles, so the file renders with
        no network at all; otherwise Leaflet comes from its CDN over OpenStreetMap tiles.
    compact_threshold
        Above this many sites, sites are drawn by compact canvas layers.
    parts
        Shared between maps of the same dataset: layer data built once.
    """
    # The bounds of the border and all sites (as of their union, without building it).
    b = shapely.bounds(np.append(np.asarray(ds.sites.geometry.values, dtype=object), ds.reference.border))
    minx, miny, maxx, maxy = np.nanmin(b[:, 0]), np.nanmin(b[:, 1]), np.nanmax(b[:, 2]), np.nanmax(b[:, 3])
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=6, control_scale=True,
                   tiles=None if self_contained else "OpenStreetMap", prefer_canvas=False)
    m.default_js = [] if self_contained else list(CDN_JS)
    m.default_css = [] if self_contained else list(CDN_CSS)
    m.add_child(InlineAssets(self_contained=self_contained), name="geo_inline_assets")
    # The final view first: layers are then projected and drawn once, not again after a fitBounds.
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    _reference_layers(m, ds, self_contained=self_contained)
    present = _site_layers(m, ds, compact_threshold=compact_threshold, parts=parts)
    _controls(m, ds, present, parts=parts)
    return m


def number_elements(root: branca.element.Element, prefix: str = "geo") -> None:
    """Give ``root`` and every element below it a sequential id, in tree order.

    branca draws element ids from ``uuid4``; sequential ids make two builds of the same data
    byte-identical, so a changed map shows as a meaningful diff. Only this tree's elements
    change: nothing process-wide is patched.
    """
    counter = itertools.count()
    stack = [root]
    while stack:
        element = stack.pop()
        element._id = f"{prefix}{next(counter):05d}"
        children = list(element._children.values())
        if isinstance(element, branca.element.Figure):
            children = [element.header, element.html, element.script, *children]
        stack.extend(reversed(children))


def render_html(ds: Dataset, *, self_contained: bool = False, compact_threshold: int = COMPACT_THRESHOLD, parts: dict | None = None) -> str:
    """The map as one HTML document, identical for identical input.

    ``parts``: a dict shared by several calls for the same dataset (e.g. ``index.html`` and
    ``offline.html``), so that the sites' layer data and the sources list are built once.
    """
    m = build_map(ds, self_contained=self_contained, compact_threshold=compact_threshold, parts=parts)
    root = m.get_root()
    number_elements(root)
    html = root.render()
    return html if html.endswith("\n") else html + "\n"
