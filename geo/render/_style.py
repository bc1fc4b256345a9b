"""Colours, symbols and precision of the map's features, shared by its Python and its templates."""

from __future__ import annotations

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
