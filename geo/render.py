"""Render a Dataset as an interactive Leaflet map (folium), reproducible and optionally self-contained."""

from __future__ import annotations

import base64
import contextlib
import gzip
import itertools
import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import branca.element
import folium
import jinja2
import numpy as np
import pandas as pd
import shapely
from folium.map import Layer
from folium.template import Template
from markupsafe import Markup, escape

from geo.claims import quantity_label
from geo.columns import iso_dates, per_combination, per_value
from geo.pipeline import Dataset

CATEGORY_COLORS = {
    "clash": "#d7301f", "strike": "#7a0177", "blast": "#fe9929",
    "deployment": "#2c7fb8", "crossing": "#41ab5d", "other": "#636363",
}
BORDER_COLOR = "#111111"
COUNTRY_FILLS = ("#f4e3c1", "#d9ead3", "#dde3f0", "#f0dde8")
#: Flags worth a heavier outline on the marker.
LOUD_FLAGS = {"reported_country_mismatch", "reported_country_uncertain", "reported_admin1_mismatch", "outside_theatre"}
#: Coordinates written into the map: 5 decimals is about 1 m.
MAP_DECIMALS = 5
#: Above this many sites the map draws them on a canvas with on-demand popups (see CompactSites).
COMPACT_THRESHOLD = 2000
#: Compact layers store coordinates as integers of 1e-5 degree (about 1 m).
COMPACT_SCALE = 100_000

_HTML = jinja2.Environment(
    loader=jinja2.PackageLoader("geo", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def _template(name: str) -> Template:
    return Template(resources.files("geo").joinpath("templates", name).read_text(encoding="utf-8"))


@contextlib.contextmanager
def stable_ids(prefix: str = "geo") -> Iterator[None]:
    """Give every branca/folium element a sequential id while building and rendering.

    branca draws element ids from ``os.urandom``; sequential ids make two builds of the
    same data byte-identical, so a changed map shows as a meaningful diff.
    """
    counter = itertools.count()
    original = branca.element.Element._generate_id
    branca.element.Element._generate_id = classmethod(lambda cls: f"{prefix}{next(counter):05d}")
    try:
        yield
    finally:
        branca.element.Element._generate_id = original


class _Text(branca.element.Element):
    """Rendered text, added to the figure as it is.

    branca adds a macro's output as ``Element(text)``, which compiles the text as a Jinja
    template: seconds for the megabytes of a large layer, and any ``{{`` in the data would be
    evaluated. This renders what that template would for text without Jinja syntax: the text,
    less one final newline (Jinja's ``keep_trailing_newline=False``) and with newlines as ``\\n``.
    """

    def __init__(self, text: str):
        super().__init__()
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        self._text = text[:-1] if text.endswith("\n") else text

    def render(self, **kwargs) -> str:
        return self._text


class _TextMacro(branca.element.MacroElement):
    """Our MacroElements: their header, html and script go into the figure as :class:`_Text`
    (listed after folium's class, e.g. ``Layer``, whose ``render`` then calls this one)."""

    def render(self, **kwargs):
        figure = self.get_root()
        assert isinstance(figure, branca.element.Figure), "You cannot render this Element if it is not in a Figure."
        module = self._template.module.__dict__
        for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
            macro = module.get(part)
            if macro is not None:
                target.add_child(_Text(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class GeoLayer(Layer, _TextMacro):
    """A GeoJSON overlay whose data reach the page only through ``tojson``.

    Feature properties starting with ``_`` drive the drawing: ``_style`` (Leaflet path
    options), ``_popup`` and ``_tooltip`` (already-escaped HTML), ``_extent_m`` (draw an
    area's extent), ``_date`` and ``_key`` (for the time filter).
    """

    _template = _template("geo_layer.js.j2")

    def __init__(self, data: dict, *, name: str, style: dict, show: bool = True):
        super().__init__(name=str(escape(name)), overlay=True, control=True, show=show)
        self._name = "GeoLayer"
        self.data = data
        self.style = style


class CompactSites(Layer, _TextMacro):
    """Many sites on one canvas: columnar data, popups built on click from text nodes (never HTML).

    Used above :data:`COMPACT_THRESHOLD` sites, where one SVG element and one pre-rendered
    popup per site would make the page heavy and slow to open.
    """

    _template = _template("compact_layer.js.j2")

    def __init__(self, data: dict, *, name: str, show: bool = True):
        super().__init__(name=str(escape(name)), overlay=True, control=True, show=show)
        self._name = "CompactSites"
        # The blobs go into the page as inert <script type="application/octet-stream"> text the
        # script reads when it needs them, so the JavaScript parser never scans megabytes of data.
        self.meta = {k: v for k, v in data.items() if k not in ("draw", "popup")}
        self.blobs = {k: data[k] for k in ("draw", "popup")}


class HtmlControl(_TextMacro):
    """A Leaflet control holding HTML rendered (and escaped) in Python."""

    _template = _template("control.js.j2")

    def __init__(self, html: str, *, position: str, css_class: str):
        super().__init__()
        self._name = "HtmlControl"
        self.html = str(html)
        self.position = position
        self.css_class = css_class


class Timeline(_TextMacro):
    """Wires the legend's date slider to the site markers."""

    _template = _template("timeline.js.j2")

    def __init__(self, dates: list[str]):
        super().__init__()
        self._name = "Timeline"
        self.dates = dates


class InlineAssets(branca.element.MacroElement):
    """Leaflet's CSS and JS inlined from the installed XStatic-Leaflet package (no network needed)."""

    _template = _template("inline_assets.html.j2")

    def __init__(self, *, self_contained: bool):
        super().__init__()
        self._name = "InlineAssets"
        self.own_css = resources.files("geo").joinpath("templates", "map.css").read_text(encoding="utf-8")
        self.css, self.js = (leaflet_assets() if self_contained else ([], []))

    def render(self, **kwargs):
        figure = self.get_root()
        figure.header.add_child(branca.element.Element(self._template.module.header(self, kwargs)), name="geo_assets")


def leaflet_assets() -> tuple[list[str], list[str]]:
    """Leaflet 1.9 CSS (images as data URIs) and JS from the ``xstatic-leaflet`` package."""
    import xstatic.pkg.leaflet as xleaf

    base = Path(xleaf.BASE_DIR)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match) -> str:
        img = base / "images" / match.group(1)
        if not img.is_file():
            return match.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(img.read_bytes()).decode()})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    # Neither file may end the <script>/<style> element it is inlined into.
    js = js.replace("</script", "<\\/script")
    css = css.replace("</style", "<\\/style")
    return [css], [js]


CDN_JS = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")]
CDN_CSS = [("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")]


def _round_geojson(geom: shapely.Geometry) -> dict:
    return shapely.geometry.mapping(shapely.set_precision(geom, 10**-MAP_DECIMALS)) if not geom.is_empty else None


def claims_matrix(claims, claimant_order: list[tuple[str, str]], disputed: set[tuple[str, str]]) -> dict:
    """Claims laid out side by side: one row per quantity (and subject), one column per claimant."""
    present = [c for c in claimant_order if c[0] in set(claims["claimant_id"])]
    rows = []
    keyed: dict[tuple[str, str], dict] = {}
    for c in claims.sort_values(["claim_date", "claim_id"]).to_dict("records"):
        c = {k: _clean(v) for k, v in c.items()}
        subj = c["subject"] or ""
        key = (c["quantity"], subj)
        if key not in keyed:
            label = quantity_label(c["quantity"]) + (f": {subj}" if subj else "")
            keyed[key] = {"label": label, "cells": {cid: [] for cid, _ in present}, "contradiction": (c["quantity"], subj.lower()) in disputed}
            rows.append(keyed[key])
        keyed[key]["cells"][c["claimant_id"]].append(c)
    for r in rows:
        r["cells"] = [r["cells"][cid] for cid, _ in present]
    return {"columns": [{"id": cid, "name": name} for cid, name in present], "rows": rows}


def _side_text(site: dict, countries: dict[str, str]) -> str:
    if site["side"] == "uncertain":
        return "side uncertain (too close to the line to tell)"
    if site["side"] == "outside":
        return "outside both countries"
    return f"{countries.get(site['side'], site['side'])} side"


def _clean(value):
    """NaN and NaT (pandas' missing values) as None, for templates and JSON."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    return value


class _Slot:
    """Stands for one field while a macro is rendered once per pattern of truthy fields: it prints
    as a marker (left alone by escaping) and is true or false as the real values of its rows are."""

    def __init__(self, i: int, truthy: bool):
        self.marker, self.truthy = f"\ue000{i}\ue001", truthy

    def __html__(self) -> str:
        return self.marker

    def __bool__(self) -> bool:
        return self.truthy


def render_rows(macro, columns: dict[str, np.ndarray]) -> np.ndarray:
    """``str(macro(row))`` for every row of ``columns`` (a dict), without calling the macro per row.

    For a macro that only prints fields and tests their truth (``{% if s.url %}``), the output is
    literal text and escaped field values in an order fixed by which fields are true. So the macro
    is rendered once per such pattern, with markers in place of the fields, and each row's text is
    assembled from the pieces and its fields escaped once per distinct value.
    """
    names = list(columns)
    n = len(columns[names[0]]) if names else 0
    out = np.empty(n, dtype=object)
    if not n:
        return out
    truth = [per_value(columns[k], bool).astype(bool) for k in names]
    escaped = [per_value(columns[k], lambda v: str(escape(v))) for k in names]
    pattern = np.zeros(n, dtype=np.int64)
    for t in truth:
        pattern = pattern * 2 + t
    marker = re.compile("\ue000(\\d+)\ue001")
    for p in np.unique(pattern).tolist():
        rows = np.flatnonzero(pattern == p)
        flags = [bool((p >> (len(names) - 1 - i)) & 1) for i in range(len(names))]
        text = str(macro(dict(zip(names, (_Slot(i, f) for i, f in enumerate(flags))))))
        parts = marker.split(text)  # literal, field index, literal, ...
        acc = np.full(len(rows), parts[0], dtype=object)
        for j in range(1, len(parts), 2):
            acc = acc + escaped[int(parts[j])][rows] + parts[j + 1]
        out[rows] = acc
    return out


def sources_html(sources: pd.DataFrame) -> Markup:
    """The panel's list items, one per source (the ``source_item`` macro of ``source_item.html.j2``).

    An events file brings one source per event: the items are assembled column by column
    (:func:`render_rows`), not rendered one by one.
    """
    if not len(sources):
        return Markup("")
    item = _HTML.get_template("source_item.html.j2").module.source_item
    cols = ("url", "outlet", "published", "title", "notes")
    cleaned = {c: per_value(sources[c], _clean) if c in sources else np.full(len(sources), None, dtype=object) for c in cols}
    return Markup("".join(render_rows(item, cleaned).tolist()))


#: A source file with more entries than this (a bulk events file brings one per event) is
#: summarised in the panel, not listed: every event's popup and claims.csv name its source.
SOURCE_LIST_MAX = 200


def panel_sources(sources: pd.DataFrame, *, list_max: int = SOURCE_LIST_MAX, top: int = 5) -> Markup:
    """The panel's sources: every source of the hand-made layers, bulk files summarised.

    Sources are grouped by the file they were read from (``source_file``). A file with at most
    ``list_max`` sources is listed item by item (:func:`sources_html`); a larger one becomes one
    item with its count and its ``top`` most cited outlets, so that a map of a million events does
    not carry a million list items.
    """
    if "source_file" not in sources or not len(sources):
        return sources_html(sources)
    files = sources["source_file"].fillna("").astype(str)
    counts = files.value_counts(sort=False)
    bulk = set(counts.index[counts > list_max])
    parts = [sources_html(sources[~files.isin(bulk)])]
    for name in sorted(bulk):
        outlets = sources.loc[files == name, "outlet"].fillna("(no outlet)").astype(str).value_counts()
        cited = ", ".join(f"{o} ({c:,})" for o, c in outlets.head(top).items())
        parts.append(Markup("<li>{:,} sources from {}, one per event, each named in its popup; most cited: {}{}</li>").format(
            int(counts[name]), Path(name).name, cited, "" if len(outlets) <= top else f", and {len(outlets) - top:,} more outlets"))
    return Markup("").join(parts)


def site_features(ds: Dataset) -> dict[str, list[dict]]:
    """GeoJSON features per category, with escaped popup and tooltip HTML."""
    names = dict(zip(ds.reference.countries["iso_a2"], ds.reference.countries["name"]))
    claimants = [(r.claimant_id, r.name) for r in ds.layers.claimants.itertuples()]
    popup_t = _HTML.get_template("popup.html.j2")
    out: dict[str, list[dict]] = {}
    for site in ds.sites.drop(columns="geometry").to_dict("records"):
        site = {k: _clean(v) for k, v in site.items()}
        site["event_date"] = site["event_date"].isoformat()
        sc = ds.claims[ds.claims["site_id"] == site["site_id"]]
        disputed = {(c["quantity"], c["subject"].lower()) for c in ds.contradictions if c["site_id"] == site["site_id"]}
        located = ", ".join(str(x) for x in (site.get("admin2"), site.get("admin1"), names.get(site["country"] or "", site["country"])) if x)
        color = CATEGORY_COLORS[site["category"]]
        html = popup_t.render(
            site=site, color=color, flags=site["flags"], border_name=ds.border["name"],
            side_text=_side_text(site, names), matrix=claims_matrix(sc, claimants, disputed),
            located=f"{site['lat']:.4f}, {site['lon']:.4f}" + (f" — {located}" if located else ""),
        )
        loud = any(f.code in LOUD_FLAGS for f in site["flags"])
        style = {"color": "#000000" if loud else color, "fillColor": color, "weight": 3 if loud else 1.5,
                 "className": f"geo-site geo-site-{site['site_id']}"}
        props = {
            "site_id": site["site_id"], "name": site["name"], "category": site["category"], "date": site["event_date"],
            "side": site["side"], "distance_km": round(float(site["distance_km"]), 2), "precision": site["precision"],
            "_style": style, "_popup": html, "_tooltip": str(escape(site["name"])), "_date": site["event_date"],
            "_key": site["site_id"],
        }
        if site["precision"] in ("district", "province", "country", "near"):
            props["_extent_m"] = round(float(site["radius_km"]) * 1000.0)
        out.setdefault(site["category"], []).append({
            "type": "Feature", "id": site["site_id"], "properties": props,
            "geometry": {"type": "Point", "coordinates": [round(site["lon"], MAP_DECIMALS), round(site["lat"], MAP_DECIMALS)]},
        })
    return out


def _codes(values, sort: bool = False) -> tuple[np.ndarray, list]:
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy(dtype=object)
    elif not isinstance(values, np.ndarray):
        values = list(values)
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    codes, uniques = pd.factorize(arr, use_na_sentinel=False, sort=sort)
    return codes, ["" if u is None or (isinstance(u, float) and np.isnan(u)) else str(u) for u in uniques]


#: Separator of strings packed into one text (ASCII unit separator; never in report text we keep).
UNIT_SEP = "\u001f"


#: Typed-array codes understood by the compact layer's decoder, and their little-endian dtypes.
ARRAY_TYPES = {"u1": "<u1", "u2": "<u2", "u4": "<u4", "i4": "<i4", "f4": "<f4"}


def _int_array(values) -> tuple[str, np.ndarray]:
    """``values`` in the smallest unsigned/signed 32-bit-or-less little-endian type that holds them."""
    a = np.asarray(values, dtype=np.int64)
    lo, hi = (int(a.min()), int(a.max())) if len(a) else (0, 0)
    for code in ("u1", "u2", "u4", "i4"):
        info = np.iinfo(np.dtype(ARRAY_TYPES[code]))
        if info.min <= lo and hi <= info.max:
            return code, a.astype(ARRAY_TYPES[code])
    raise ValueError("integers out of 32-bit range")


def _pack_strings(values: list[str]) -> str:
    return UNIT_SEP.join(v.replace(UNIT_SEP, " ") for v in values)


def pack_blob(arrays: dict[str, tuple[str, np.ndarray]], texts: dict[str, str], *, compress: bool = True) -> str:
    """Typed arrays and texts as one buffer, base64-encoded, gzip-compressed unless ``compress`` is false.

    Layout before compression: a little-endian ``uint32`` header length, the header (UTF-8 JSON
    ``{"arrays": {name: [type, byte offset, length]}, "texts": {...}}``), then the arrays' raw
    little-endian bytes back to back. ``mtime=0`` keeps the output identical for identical input.
    The page decodes an uncompressed buffer at once and inflates a compressed one asynchronously.

    Parameters
    ----------
    arrays
        Name to ``(type code, array)``, type codes as in :data:`ARRAY_TYPES`.
    texts
        Name to text (packed string dictionaries).
    """
    spec, chunks, offset = {}, [], 0
    for name, (code, a) in arrays.items():
        raw = np.ascontiguousarray(a, dtype=ARRAY_TYPES[code]).tobytes()
        spec[name] = [code, offset, len(a)]
        chunks.append(raw)
        offset += len(raw)
    header = json.dumps({"arrays": spec, "texts": texts}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    payload = len(header).to_bytes(4, "little") + header + b"".join(chunks)
    return base64.b64encode(gzip.compress(payload, compresslevel=6, mtime=0) if compress else payload).decode("ascii")


#: The columns a compact layer reads.
COMPACT_SITE_COLUMNS = ["site_id", "name", "reported_location", "event_date", "precision", "side", "flags", "radius_km",
                        "distance_km", "lon", "lat", "category"]
COMPACT_CLAIM_COLUMNS = ["site_id", "claimant", "quantity", "subject", "outlet", "claim_date", "low", "best", "high"]


def compact_data(sites: pd.DataFrame, claims: pd.DataFrame, *, color: str) -> dict:
    """One category's sites and claims as two blobs (:func:`pack_blob`): what drawing needs, what popups show.

    ``draw`` (coordinates, dates, the area flag) is decoded as soon as the page opens, so it is not
    compressed (inflating is asynchronous and would delay the first picture); sites are ordered by
    longitude and their coordinates, integers of 1e-5 degree (about 1 m), stored as longitude steps
    and latitudes above the minimum, which mostly fit 16 and 32 bits. ``popup`` (ids, names, checks,
    claims) is gzip-compressed and inflated on the first click. Every repeated text is stored once
    and referenced by index; distances are integers of 0.1 km, the precision a popup shows. A map
    of 100,000 sites is then a few megabytes that open in a fraction of a second, where a JSON
    object per site would take seconds.
    """
    site_ids = sites["site_id"].astype(str).to_numpy()
    order = np.lexsort((site_ids, sites["lon"].to_numpy(float)))
    sites = sites[[c for c in COMPACT_SITE_COLUMNS if c in sites]].iloc[order].reset_index(drop=True)
    index = pd.Series(np.arange(len(sites)), index=site_ids[order])
    site_of_claim = claims["site_id"].map(index)
    keep = site_of_claim.notna().to_numpy()
    cl = claims[[c for c in COMPACT_CLAIM_COLUMNS if c in claims]][keep]
    at = site_of_claim.to_numpy()[keep].astype(np.int64)
    # A site's claims in the order of the claims table (their file order).
    by_site = np.argsort(at, kind="stable")
    cl = cl.iloc[by_site].assign(_i=at[by_site])
    dates = iso_dates(sites["event_date"]).tolist()
    cdates = iso_dates(cl["claim_date"]).tolist()
    date_codes, date_values = _codes(["" if d is None else d for d in dates + cdates], sort=True)  # ISO: code order is date order
    site_dates = date_codes[:len(dates)]
    name_codes, names = _codes(sites["name"])
    place_codes, places = _codes(sites["reported_location"])
    prec_codes, precs = _codes(sites["precision"])
    side_codes, sides = _codes(sites["side"])
    flag_codes, flags = _codes([", ".join([f.code for f in fl]) for fl in sites["flags"]])
    claimant_codes, claimant_names = _codes(cl["claimant"])
    q_codes, quantities = _codes(per_combination(lambda q, s: q.replace("_", " ") + (f": {s}" if isinstance(s, str) and s else ""), cl["quantity"], cl["subject"]))
    outlet_codes, outlets = _codes(cl["outlet"])
    x = np.round(sites["lon"].to_numpy(float) * COMPACT_SCALE).astype(np.int64)
    y = np.round(sites["lat"].to_numpy(float) * COMPACT_SCALE).astype(np.int64)
    x0 = int(x[0]) if len(x) else 0
    y0 = int(y.min()) if len(y) else 0
    draw = pack_blob({
        "dx": _int_array(np.diff(x, prepend=x0)), "y": _int_array(y - y0), "date": _int_array(site_dates),
        "area": _int_array(sites["precision"].isin(["near", "district", "province", "country"]).to_numpy(int)),
    }, {"dates": _pack_strings(date_values)}, compress=False)
    arrays = {
        "name": _int_array(name_codes), "prec": _int_array(prec_codes),
        "side": _int_array(side_codes), "flag": _int_array(flag_codes),
        "radius": ("f4", sites["radius_km"].to_numpy(float)),
        "dist": _int_array(np.round(sites["distance_km"].to_numpy(float) * 10)),
        # Claims are ordered by site: a count per site locates them, and a claim's date is the
        # difference of its date code from its site's, mostly 0 (both compress to almost nothing).
        "c_count": _int_array(np.bincount(cl["_i"].to_numpy(int), minlength=len(sites))),
        "c_claimant": _int_array(claimant_codes), "c_q": _int_array(q_codes), "c_outlet": _int_array(outlet_codes),
        "c_date": _int_array(date_codes[len(dates):] - site_dates[cl["_i"].to_numpy(int)]),
    }
    if not (np.array_equal(place_codes, name_codes) and places == names):  # else the page shows the name
        arrays["place"] = _int_array(place_codes)
    for col in ("low", "best", "high"):
        vals = pd.to_numeric(cl[col], errors="coerce").to_numpy(float)
        if np.isfinite(vals).any():  # a column nobody filled in is not shipped
            arrays[f"c_{col}"] = ("f4", vals)
    texts = {
        "ids": _pack_strings(sites["site_id"].astype(str).tolist()), "names": _pack_strings(names),
        "places": _pack_strings(places) if "place" in arrays else "", "precs": _pack_strings(precs), "sides": _pack_strings(sides),
        "flags": _pack_strings(flags), "claimants": _pack_strings(claimant_names), "quantities": _pack_strings(quantities),
        "outlets": _pack_strings(outlets),
    }
    return {
        "scale": COMPACT_SCALE, "color": color, "n": len(sites), "m": len(cl), "x0": x0, "y0": y0,
        "cat": sites["category"].iloc[0] if len(sites) else "",
        "draw": draw, "popup": pack_blob(arrays, texts),
    }


def _shared(parts: dict | None, key: tuple, make):
    """``make()``, or its result from an earlier map of the same dataset when ``parts`` is given."""
    if parts is None:
        return make()
    if key not in parts:
        parts[key] = make()
    return parts[key]


def build_map(ds: Dataset, *, self_contained: bool = False, compact_threshold: int = COMPACT_THRESHOLD, parts: dict | None = None) -> folium.Map:
    """The interactive map: countries, border, buffer bands, sites by category, panel, legend, timeline.

    Parameters
    ----------
    ds
        Output of :func:`geo.pipeline.run`.
    self_contained
        Inline Leaflet from installed packages and draw no web tiles, so the file renders with
        no network at all; otherwise Leaflet comes from its CDN over OpenStreetMap tiles.
    """
    theatre = ds.layers.theatre
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
    countries = ds.reference.countries
    cfeatures = [
        {"type": "Feature", "id": code, "properties": {"iso_a2": code, "name": name, "_tooltip": str(escape(name)),
                                                         "_style": {"fillColor": COUNTRY_FILLS[i % len(COUNTRY_FILLS)]}},
         "geometry": _round_geojson(geom)}
        for i, (code, name, geom) in enumerate(zip(countries["iso_a2"], countries["name"], countries.geometry.values))
    ]
    GeoLayer({"type": "FeatureCollection", "features": cfeatures}, name="Countries",
             style={"color": "#777777", "weight": 1, "fillOpacity": 0.55 if self_contained else 0.25, "className": "geo-country"}).add_to(m)
    bands = ds.bands
    bfeatures = [
        {"type": "Feature", "id": r["band_id"], "properties": {"band": f"{r['from_km']:g}–{r['to_km']:g} km, {r['side']} side",
                                                                  "_tooltip": str(escape(f"{r['from_km']:g}–{r['to_km']:g} km from the line ({r['side']} side)")),
                                                                  "_style": {"fillOpacity": max(0.05, 0.25 - 0.07 * theatre.bands_km.index(r["to_km"]))}},
         "geometry": _round_geojson(r["geometry"])}
        for r in bands.to_dict("records")
    ]
    GeoLayer({"type": "FeatureCollection", "features": bfeatures}, name=f"Buffer bands ({', '.join(f'{b:g}' for b in theatre.bands_km)} km)",
             style={"color": "#8c6bb1", "weight": 0.5, "fillColor": "#8c6bb1", "className": "geo-band"}, show=False).add_to(m)
    border_feature = {"type": "Feature", "id": "border", "properties": {
        "name": ds.border["name"], "_tooltip": str(escape(f"{ds.border['name']}: {ds.border['length_km']:,.0f} km on {ds.border['source']}"))},
        "geometry": _round_geojson(ds.reference.border)}
    GeoLayer({"type": "FeatureCollection", "features": [border_feature]}, name=f"Border: {ds.border['name']}",
             style={"color": BORDER_COLOR, "weight": 2.5, "dashArray": "8 4", "className": "geo-border"}).add_to(m)
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
    else:
        feats = _shared(parts, ("features",), lambda: site_features(ds))
        present = [c for c in CATEGORY_COLORS if c in feats]
        for cat in present:
            GeoLayer({"type": "FeatureCollection", "features": feats[cat]}, name=f"Sites: {cat} ({len(feats[cat])})",
                     style={"color": CATEGORY_COLORS[cat], "fillColor": CATEGORY_COLORS[cat]}).add_to(m)
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
    return m


def render_html(ds: Dataset, *, self_contained: bool = False, compact_threshold: int = COMPACT_THRESHOLD, parts: dict | None = None) -> str:
    """The map as one HTML document, identical for identical input.

    ``parts``: a dict shared by several calls for the same dataset (e.g. ``index.html`` and
    ``offline.html``), so that the sites' layer data and the sources list are built once.
    """
    with stable_ids():
        m = build_map(ds, self_contained=self_contained, compact_threshold=compact_threshold, parts=parts)
        html = m.get_root().render()
    return html if html.endswith("\n") else html + "\n"
