"""Leaflet (and MarkerCluster) from the installed XStatic packages, or their CDN links."""

from __future__ import annotations

import base64
import re
from pathlib import Path

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
