"""Colours, symbols and precision of the map's features, shared by its Python and its templates."""

from __future__ import annotations

#: Okabe–Ito colours (safe for the common colour-vision deficiencies), one per category; black
#: is kept for the border. Each category also has its own symbol (:data:`CATEGORY_SYMBOLS`), so
#: colour is never the only cue.
CATEGORY_COLORS = {
    "clash": "#D55E00", "strike": "#0072B2", "blast": "#E69F00",
    "deployment": "#CC79A7", "crossing": "#009E73", "other": "#666666",
}
#: One SVG path per category in a 16 × 16 box centred on (8, 8): the SVG markers, the legend and
#: the canvas markers of big maps (rasterised from the same path) all draw these shapes.
CATEGORY_SYMBOLS = {
    "clash": "M8 1.5A6.5 6.5 0 1 1 7.99 1.5Z",             # circle
    "strike": "M8 1L15 14H1Z",                              # triangle
    "blast": "M8 0.5L15.5 8L8 15.5L0.5 8Z",                 # diamond
    "deployment": "M2 2H14V14H2Z",                          # square
    "crossing": "M1 2H15L8 15Z",                            # triangle pointing down
    "other": "M5.5 1H10.5V5.5H15V10.5H10.5V15H5.5V10.5H1V5.5H5.5Z",  # cross
}
BORDER_COLOR = "#111111"
COUNTRY_FILLS = ("#f4e3c1", "#d9ead3", "#dde3f0", "#f0dde8")
#: Buffer bands: one purple, lighter with distance (the legend shows the same fills).
BAND_COLOR = "#8c6bb1"
#: Flags worth a heavier outline on the marker.
LOUD_FLAGS = {"reported_country_mismatch", "reported_country_uncertain", "reported_admin1_mismatch", "outside_theatre"}
#: Coordinates written into the map: 5 decimals is about 1 m.
MAP_DECIMALS = 5
#: Above this many sites the map draws them on a canvas with on-demand popups (see CompactSites).
COMPACT_THRESHOLD = 2000
#: Compact layers store coordinates as integers of 1e-5 degree (about 1 m).
COMPACT_SCALE = 100_000
#: A big map counts events in grid cells while more than this many are in view.
AGGREGATE_ABOVE = 1500
#: Precisions drawn as an area (hollow marker, dashed extent), not a point.
AREA_PRECISIONS = ("near", "district", "province", "country")


def band_opacity(index: int) -> float:
    """Fill opacity of the ``index``-th buffer band from the line."""
    return max(0.05, 0.25 - 0.07 * index)
