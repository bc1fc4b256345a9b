"""Render checked layers (:class:`geo.pipeline.Checked`) as an interactive Leaflet map (folium), reproducible and optionally self-contained.

Modules: ``_style`` (palette, symbols), ``_assets`` (Leaflet from XStatic or its CDN), ``_elements``
(one branca class per map feature, templates in ``geo/templates/``), ``_texts`` (the words of a
popup, for both kinds of map), ``_popup`` (popups of the SVG site layer), ``_panel`` (the panel's
sources), ``_compact`` (blobs of many sites), ``_build`` (the map). The page's script
``templates/app.js`` holds the analyst's tools (filters, search, list, URL, export, keyboard).
"""

from geo.render._assets import CDN_CSS, CDN_JS, leaflet_assets
from geo.render._build import build_map, number_elements, render_html
from geo.render._compact import ARRAY_TYPES, COMPACT_CLAIM_COLUMNS, COMPACT_SITE_COLUMNS, UNIT_SEP, compact_data, pack_blob
from geo.render._panel import SOURCE_LIST_MAX, panel_sources, render_rows, sources_html
from geo.render._popup import claims_matrix, site_features
from geo.render._style import (BORDER_COLOR, CATEGORY_COLORS, COMPACT_SCALE, COMPACT_THRESHOLD, COUNTRY_FILLS, LOUD_FLAGS,
                               MAP_DECIMALS)

__all__ = [
    "ARRAY_TYPES", "BORDER_COLOR", "CATEGORY_COLORS", "CDN_CSS", "CDN_JS", "COMPACT_CLAIM_COLUMNS", "COMPACT_SCALE",
    "COMPACT_SITE_COLUMNS", "COMPACT_THRESHOLD", "COUNTRY_FILLS", "LOUD_FLAGS", "MAP_DECIMALS", "SOURCE_LIST_MAX", "UNIT_SEP",
    "build_map", "claims_matrix", "compact_data", "leaflet_assets", "number_elements", "pack_blob", "panel_sources",
    "render_html", "render_rows", "site_features", "sources_html",
]
