"""The map's branca elements: one class and one Jinja template (``geo/templates/``) per map feature."""

from __future__ import annotations

from importlib import resources

import branca.element
import folium
from folium.map import Layer
from folium.template import Template
from markupsafe import escape

from geo.render._assets import leaflet_assets


def _template(name: str) -> Template:
    return Template(resources.files("geo").joinpath("templates", name).read_text(encoding="utf-8"))


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


class GeoMap(folium.Map):
    """folium's Map in a ``<main>`` landmark, with page zoom allowed and panes for bands and border lines."""

    _template = _template("map.html.j2")

    def __init__(self, *args, label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.label = label


class GeoFigure(branca.element.Figure):
    """The page: ``<html lang>`` and an escaped ``<title>``."""

    _template = _template("figure.html.j2")

    def __init__(self, *, title: str, lang: str = "en"):
        super().__init__(title=str(escape(title)))
        self.lang = lang


class GeoLayer(Layer, _TextMacro):
    """A GeoJSON overlay (countries, bands, border lines) whose data reach the page only through ``tojson``.

    Feature properties starting with ``_`` drive the drawing: ``_style`` (Leaflet path options) and
    ``_label`` and ``_label_at`` (text of a label and its [lat, lon], e.g. a country's name). ``pane`` puts the
    layer in one of the map's panes (see ``map.html.j2``).
    """

    _template = _template("geo_layer.js.j2")

    def __init__(self, data: dict, *, name: str, style: dict, show: bool = True, pane: str | None = None):
        super().__init__(name=str(escape(name)), overlay=True, control=True, show=show)
        self._name = "GeoLayer"
        self.data = data
        self.style = style if pane is None else {**style, "pane": pane}


class SiteLayer(Layer, _TextMacro):
    """One category's sites as keyboard-reachable SVG markers (the category's symbol), popups from Python.

    Its sites join the page's app (``app.js``), which filters, lists, searches and exports them.
    """

    _template = _template("site_layer.js.j2")

    def __init__(self, data: dict, *, category: str, color: str, symbol: str, labels: bool):
        super().__init__(name=category, overlay=True, control=False, show=True)
        self._name = "SiteLayer"
        self.data = data
        self.meta = {"cat": category, "color": color, "symbol": symbol, "labels": labels}


class CompactSites(Layer, _TextMacro):
    """Many sites on one canvas: columnar data, popups built on click from text nodes (never HTML).

    Used above :data:`COMPACT_THRESHOLD` sites, where one SVG element and one pre-rendered
    popup per site would make the page heavy and slow to open. While many sites are in view they
    are counted in grid cells; closer in, each is drawn with its category's symbol.
    """

    _template = _template("compact_layer.js.j2")

    def __init__(self, data: dict, *, name: str, aggregate_above: int):
        super().__init__(name=str(escape(name)), overlay=True, control=False, show=True)
        self._name = "CompactSites"
        # The blobs go into the page as inert <script type="application/octet-stream"> text the
        # script reads when it needs them, so the JavaScript parser never scans megabytes of data.
        self.meta = {k: v for k, v in data.items() if k not in ("draw", "popup")} | {"aggregate_above": aggregate_above}
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


class LayerSwitch(folium.LayerControl, _TextMacro):
    """Leaflet's layer control, collapsible (expanded at first on wide screens only)."""

    _template = _template("layer_switch.js.j2")


class App(_TextMacro):
    """The analyst's tools over every site layer: filters, search, list, shareable URL, export, keyboard."""

    _template = _template("app.js.j2")

    def __init__(self, config: dict):
        super().__init__()
        self._name = "App"
        self.config = config
        self.code = resources.files("geo").joinpath("templates", "app.js").read_text(encoding="utf-8")


class NeedsNetwork(_TextMacro):
    """A message shown where Leaflet could not be loaded from its CDN (a page opened offline)."""

    _template = _template("needs_network.html.j2")

    def __init__(self, *, offline_name: str):
        super().__init__()
        self._name = "NeedsNetwork"
        self.offline_name = offline_name


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
