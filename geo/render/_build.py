"""The map put together: reference layers, sites (SVG or compact canvas), panel, legend, controls."""

from __future__ import annotations

import itertools
import re

import branca.element
import folium
import numpy as np
import pandas as pd
import shapely

from geo.columns import iso_dates
from geo.pipeline import Checked
from geo.render import _texts
from geo.render._assets import CDN_CSS, CDN_JS
from geo.render._compact import COMPACT_SITE_COLUMNS, compact_data
from geo.render._elements import (App, CompactSites, GeoFigure, GeoLayer, GeoMap, HtmlControl, InlineAssets, LayerSwitch, NeedsNetwork,
                                  SiteLayer)
from geo.render._panel import panel_sources
from geo.render._popup import _HTML, claims_matrix, hand_made, site_features
from geo.render._style import (AGGREGATE_ABOVE, BAND_COLOR, BORDER_COLOR, CATEGORY_COLORS, CATEGORY_SYMBOLS, COMPACT_THRESHOLD,
                               COUNTRY_FILLS, MAP_DECIMALS, band_opacity)

#: Rows of the list "Sites in view" (the rest are counted); actors offered by the filter; labels of hand-made sites on big maps.
LIST_MAX = 100
ACTORS_MAX = 300
LABELS_MAX = 500
#: Names of hand-made sites show from this zoom on.
LABEL_ZOOM = 8
OSM_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def _round_geojson(geom: shapely.Geometry) -> dict:
    return shapely.geometry.mapping(shapely.set_precision(geom, 10**-MAP_DECIMALS)) if not geom.is_empty else None


def _inside(geom: shapely.Geometry) -> list[float]:
    """[lat, lon] of a point inside ``geom`` (where its label goes)."""
    pt = shapely.point_on_surface(geom)
    return [round(pt.y, MAP_DECIMALS), round(pt.x, MAP_DECIMALS)]


def _shared(parts: dict | None, key: tuple, make):
    """``make()``, or its result from an earlier map of the same dataset when ``parts`` is given."""
    if parts is None:
        return make()
    if key not in parts:
        parts[key] = make()
    return parts[key]


def _features(rows) -> dict:
    return {"type": "FeatureCollection", "features": list(rows)}


def _reference_layers(m: folium.Map, ds: Checked, *, self_contained: bool) -> dict:
    """Countries (named), buffer bands (never clickable), every reference line above the sites, their disagreement.

    Returns what the legend says about them.
    """
    theatre = ds.layers.theatre
    countries = ds.reference.countries
    GeoLayer(_features(
        {"type": "Feature", "id": code, "properties": {"iso_a2": code, "name": name, "_label": name, "_label_at": _inside(geom),
                                                         "_style": {"fillColor": COUNTRY_FILLS[i % len(COUNTRY_FILLS)]}},
         "geometry": _round_geojson(geom)}
        for i, (code, name, geom) in enumerate(zip(countries["iso_a2"], countries["name"], countries.geometry.values))),
        name="Countries", style={"color": "#777777", "weight": 1, "fillOpacity": 0.55 if self_contained else 0.25,
                                 "className": "geo-country", "interactive": False}).add_to(m)
    bands = [{"label": f"{lo:g}–{hi:g} km", "opacity": band_opacity(i)} for i, (lo, hi) in enumerate(zip((0, *theatre.bands_km), theatre.bands_km))]
    GeoLayer(_features(
        {"type": "Feature", "id": r["band_id"], "properties": {"band": f"{r['from_km']:g}–{r['to_km']:g} km, {r['side']} side",
                                                                  "_style": {"fillOpacity": band_opacity(theatre.bands_km.index(r["to_km"]))}},
         "geometry": _round_geojson(r["geometry"])} for r in ds.bands.to_dict("records")),
        name=f"Buffer bands ({', '.join(f'{b:g}' for b in theatre.bands_km)} km)", show=False, pane="geoBands",
        style={"color": BAND_COLOR, "weight": 0.5, "fillColor": BAND_COLOR, "className": "geo-band", "interactive": False}).add_to(m)
    lines = ds.reference.lines.sort_values("used", ascending=True, kind="stable")  # the used line drawn last, on top
    GeoLayer(_features(
        {"type": "Feature", "id": f"line-{i}", "properties": {"source": r["source"], "used": bool(r["used"]),
                                                                "_style": {} if r["used"] else {"dashArray": "7 5", "weight": 2, "opacity": 0.8}},
         "geometry": _round_geojson(r["geometry"])} for i, r in enumerate(lines.to_dict("records"))),
        name=f"Border: {ds.border['name']}", pane="geoBorder",
        style={"color": BORDER_COLOR, "weight": 2.5, "className": "geo-border", "interactive": False}).add_to(m)
    disagree = ds.reference.disagreement
    if len(ds.reference.lines) > 1 or len(disagree):
        GeoLayer(_features(
            {"type": "Feature", "id": f"disagree-{i}", "properties": {"description": r["description"]}, "geometry": _round_geojson(r["geometry"])}
            for i, r in enumerate(disagree.to_dict("records"))),
            name="Where the sources disagree", pane="geoBorder",
            style={"color": "#b2182b", "weight": 1, "fillColor": "#b2182b", "fillOpacity": 0.35, "className": "geo-disagree", "interactive": False}).add_to(m)
    return {"lines": [{k: r[k] for k in ("source", "scale", "tolerance_km", "used")} for r in ds.reference.lines.to_dict("records")],
            "disagreement": len(ds.reference.lines) > 1 or bool(len(disagree)), "bands": bands}


def _site_layers(m: folium.Map, ds: Checked, *, compact_threshold: int, parts: dict | None) -> list[dict]:
    """One layer per category (compact canvas layers above ``compact_threshold`` sites); the categories drawn."""
    names = dict(zip(ds.reference.countries["iso_a2"], ds.reference.countries["name"]))
    cats = ds.sites["category"].to_numpy()
    present = [{"key": c, "color": CATEGORY_COLORS[c], "symbol": CATEGORY_SYMBOLS[c], "count": int((cats == c).sum())}
               for c in CATEGORY_COLORS if (cats == c).any()]
    if len(ds.sites) > compact_threshold:
        # Each category's claims, found once for all categories.
        claim_cats = ds.claims["site_id"].map(pd.Series(cats, index=ds.sites["site_id"].to_numpy())).to_numpy()
        columns = ds.sites[[c for c in COMPACT_SITE_COLUMNS if c in ds.sites]]
        order = list(ds.layers.claimants["name"])
        disputed = {i for c in ds.contradictions if c["site_id"] is not None for i in c["claim_ids"]}
        for c in present:
            sub = columns[cats == c["key"]]
            data = _shared(parts, ("compact", c["key"]),
                           lambda: compact_data(sub, ds.claims[claim_cats == c["key"]], category=c["key"], countries=names,
                                                claimants=order, disputed=disputed, layers_root=ds.layers.root))
            CompactSites(data, name=f"Sites: {c['key']} ({len(sub)})", aggregate_above=AGGREGATE_ABOVE).add_to(m)
        return present
    feats = _shared(parts, ("features",), lambda: site_features(ds))
    for c in present:
        SiteLayer(_features(feats[c["key"]]), category=c["key"], color=c["color"], symbol=c["symbol"], labels=True).add_to(m)
    return present


def _bounds(ds: Checked) -> list[list[float]]:
    """[[south, west], [north, east]] of the border and all sites (as of their union, without building it)."""
    b = shapely.bounds(np.append(np.asarray(ds.sites.geometry.values, dtype=object), ds.reference.border))
    return [[float(np.nanmin(b[:, 1])), float(np.nanmin(b[:, 0]))], [float(np.nanmax(b[:, 3])), float(np.nanmax(b[:, 2]))]]


def _app_config(ds: Checked, present: list[dict], *, compact: bool, self_contained: bool) -> dict:
    """What the page's script needs: categories, dates, labels of hand-made sites (big maps), attribution."""
    sites = ds.sites
    labels = []
    if compact:
        own = sites[hand_made(sites, ds.layers.root)].head(LABELS_MAX)
        labels = [[round(la, MAP_DECIMALS), round(lo, MAP_DECIMALS), str(n)] for la, lo, n in zip(own["lat"], own["lon"], own["name"])]
    licences = " ".join(str(x) for x in (*ds.reference.lines["licence"], *ds.reference.lines["source"])).lower()
    osm = "odbl" in licences or "openstreetmap" in licences
    return {
        "dates": sorted(set(iso_dates(sites["event_date"]).tolist())), "categories": present, "total": len(sites),
        "border_name": ds.border["name"], "bounds": [[round(v, MAP_DECIMALS) for v in p] for p in _bounds(ds)], "list_max": LIST_MAX, "label_zoom": LABEL_ZOOM, "labels": labels,
        "file_stem": re.sub(r"[^a-z0-9]+", "-", ds.layers.theatre.name.lower()).strip("-") or "sites",
        # Leaflet writes attributions as HTML: this one is ours, not report text.
        "attribution": OSM_ATTRIBUTION if osm and self_contained else "",
    }


def _controls(m: folium.Map, ds: Checked, present: list[dict], key: dict, *, compact: bool, self_contained: bool, parts: dict | None) -> None:
    """Panel (border-wide claims, length, sources), find-and-filter box with the list, key, layer switch, the app."""
    theatre = ds.layers.theatre
    claimants = [(r.claimant_id, r.name) for r in ds.layers.claimants.itertuples()]
    wide = ds.claims[ds.claims["site_id"].isna()]
    disputed = {(c["quantity"], c["subject"].lower()) for c in ds.contradictions if c["site_id"] is None}
    config = _app_config(ds, present, compact=compact, self_contained=self_contained)
    at_sites = set(ds.claims.loc[ds.claims["site_id"].notna(), "claimant"].dropna())
    find = _HTML.get_template("find.html.j2").render(
        categories=present, claimants=[name for _, name in claimants if name in at_sites] + sorted(at_sites - {n for _, n in claimants}),
        actors=_shared(parts, ("actors",), lambda: _texts.actor_names(_texts.actors(ds.sites)))[:ACTORS_MAX], dates=config["dates"], total=len(ds.sites),
        flags=sorted({f.code for fl in ds.sites["flags"] for f in fl}))
    m.add_child(HtmlControl(find, position="topright", css_class="geo-find leaflet-bar"), name="geo_find")
    panel = _HTML.get_template("panel.html.j2").render(
        title=f"{theatre.name}: claims and checks", matrix=claims_matrix(wide, claimants, disputed), border=ds.border,
        sources_html=_shared(parts, ("sources",), lambda: panel_sources(ds.layers.sources)),
    )
    m.add_child(HtmlControl(panel, position="topright", css_class="geo-panel leaflet-bar"), name="geo_panel")
    legend = _HTML.get_template("legend.html.j2").render(
        title=theatre.name, subtitle=f"{len(ds.sites):,} sites · border: {ds.border['source']}", categories=present,
        border_color=BORDER_COLOR, border_name=ds.border["name"], compact=compact, aggregate_above=AGGREGATE_ABOVE, **key)
    m.add_child(HtmlControl(legend, position="bottomleft", css_class="geo-legend leaflet-bar"), name="geo_legend")
    LayerSwitch(position="topleft").add_to(m)
    if not self_contained:
        m.add_child(NeedsNetwork(offline_name="offline.html"), name="geo_needs_network")
    m.add_child(App(config), name="geo_app")


def build_map(ds: Checked, *, self_contained: bool = False, compact_threshold: int = COMPACT_THRESHOLD, parts: dict | None = None) -> folium.Map:
    """The interactive map: countries, border lines, buffer bands, sites by category, panel, key, tools.

    Parameters
    ----------
    ds
        Output of :func:`geo.pipeline.run`.
    self_contained
        Inline Leaflet from installed packages and draw no web tiles, so the file renders with
        no network at all; otherwise Leaflet comes from its CDN over OpenStreetMap tiles, and the
        page says where the offline copy is when that fails.
    compact_threshold
        Above this many sites, sites are drawn by compact canvas layers.
    parts
        Shared between maps of the same dataset: layer data built once.
    """
    (miny, minx), (maxy, maxx) = _bounds(ds)
    m = GeoMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=6, control_scale=True,
               tiles=None if self_contained else "OpenStreetMap", prefer_canvas=False, label=f"Map: {ds.layers.theatre.name}")
    GeoFigure(title=f"{ds.layers.theatre.name}: border incidents").add_child(m)
    m.default_js = [] if self_contained else list(CDN_JS)
    m.default_css = [] if self_contained else list(CDN_CSS)
    m.add_child(InlineAssets(self_contained=self_contained), name="geo_inline_assets")
    # The page's script fits the view to CONFIG.bounds (or the URL's view) before anything is drawn.
    key = _reference_layers(m, ds, self_contained=self_contained)
    compact = len(ds.sites) > compact_threshold
    present = _site_layers(m, ds, compact_threshold=compact_threshold, parts=parts)
    _controls(m, ds, present, key, compact=compact, self_contained=self_contained, parts=parts)
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


def render_html(ds: Checked, *, self_contained: bool = False, compact_threshold: int = COMPACT_THRESHOLD, parts: dict | None = None) -> str:
    """The map as one HTML document, identical for identical input.

    ``parts``: a dict shared by several calls for the same dataset (e.g. ``index.html`` and
    ``offline.html``), so that the sites' layer data and the sources list are built once.
    """
    m = build_map(ds, self_contained=self_contained, compact_threshold=compact_threshold, parts=parts)
    root = m.get_root()
    number_elements(root)
    html = root.render()
    return html if html.endswith("\n") else html + "\n"
