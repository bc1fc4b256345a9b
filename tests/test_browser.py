"""The map as a person sees it: headless Debian Chromium, no network, driven by Playwright."""

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from geo.cli import cli

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.browser


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no chromium on PATH: .ci/run must install Debian's chromium")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _build(layers: Path, out: Path) -> Path:
    res = CliRunner().invoke(cli, ["build", "--layers", str(layers), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out / "offline.html"


class Page:
    """A page with every network request refused and every console error collected."""

    def __init__(self, browser, path: Path):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        self.ctx.route("**/*", self._route)
        self.page = self.ctx.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("path.geo-site")

    def _route(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def close(self):
        self.ctx.close()


@pytest.fixture(scope="module")
def seed_map(tmp_path_factory):
    return _build(LAYERS, tmp_path_factory.mktemp("maps"))


def test_offline_map_renders_every_site_and_its_claims(browser, seed_map):
    pg = Page(browser, seed_map)
    page = pg.page
    try:
        assert page.locator("path.geo-site").count() == 9
        assert page.locator("path.geo-border").count() == 1
        assert page.locator("path.geo-country").count() == 2
        # Claims about the whole border, side by side, with the disputed figure highlighted.
        panel = page.locator(".geo-panel")
        panel.locator("summary").click()
        assert "at least 58" in panel.inner_text() and "23" in panel.inner_text()
        assert panel.locator("tr.geo-contradiction").count() >= 1
        panel.locator("summary").click()
        # A site whose claims come from both sides.
        page.locator("path.geo-site-kabul").click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        page.wait_for_timeout(400)  # let the autopan animation settle
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map.png"))
        text = popup.inner_text()
        assert "Kabul" in text
        assert "Afghan Taliban administration" in text and "Pakistan government and military" in text
        assert "2" in popup.locator(".geo-figure").first.inner_text()
        assert "Afghanistan side" in text
        page.locator(".leaflet-popup-close-button").click(force=True)
        page.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 0")
        # Bahram Chah: the report's placement is flagged, the side is not guessed.
        page.locator("path.geo-site-bahram-chah").dispatch_event("click")  # may be panned out of view
        text = page.locator(".leaflet-popup-content").inner_text()
        assert "side uncertain" in text and "reported_admin1_mismatch" in text
        # Toggling a layer hides its markers.
        page.get_by_label("Sites: clash (6)").uncheck()
        assert page.locator("path.geo-site").count() == 3
        page.get_by_label("Sites: clash (6)").check()
        assert page.locator("path.geo-site").count() == 9
        # The date slider: only the 9 October strikes remain at its first position.
        # (Counted by their display style: Leaflet leaves paths outside the view empty, so
        # Playwright's :visible would also depend on where the map is panned.)
        shown = "Array.from(document.querySelectorAll('path.geo-site')).filter(e => e.style.display !== 'none').length"
        page.locator("#geo-time-slider").fill("0")
        assert page.evaluate(shown) == 2
        assert page.locator("#geo-time-label").inner_text() == "2025-10-09"
        page.locator("#geo-time-slider").fill("2")
        assert page.evaluate(shown) == 9
        assert pg.errors == []
        assert pg.requests == [], "the offline map tried to reach the network"
    finally:
        pg.close()


PAYLOAD = '<img src=x onerror="window.__pwned=1;alert(1)">`${window.__pwned=2}`</script><script>window.__pwned=3</script>'


def test_hostile_report_text_never_executes(browser, tmp_path):
    layers = tmp_path / "layers"
    shutil.copytree(LAYERS, layers)
    quoted = '"' + PAYLOAD.replace('"', '""') + '"'
    sites = (layers / "sites.csv").read_text().replace("angoor-adda,Angoor Adda,Angoor Adda", f"angoor-adda,{quoted},Angoor Adda")
    (layers / "sites.csv").write_text(sites)
    claims = (layers / "claims.csv").read_text().replace("Afghan forces wounded 30 Pakistani soldiers.", quoted)
    (layers / "claims.csv").write_text(claims.replace("Residents of Kurram (via Al Jazeera)", quoted))
    pg = Page(browser, _build(layers, tmp_path / "maps"))
    page = pg.page
    try:
        page.locator("path.geo-site-angoor-adda").dispatch_event("click")
        page.locator("path.geo-site-angoor-adda").dispatch_event("mouseover")
        page.locator("path.geo-site-kurram").dispatch_event("click")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__pwned") is None
        assert pg.dialogs == []
        # The text is shown, as text.
        page.locator(".geo-panel summary").click()
        assert "<img src=x" in page.locator(".geo-panel").inner_text()
        assert page.locator(".geo-panel img").count() == 0
        assert pg.errors == []
    finally:
        pg.close()


def _many_sites(layers: Path, n: int, *, payload: str = "") -> None:
    """Append ``n`` coordinate-given sites (and one claim each) to a copy of the seed layers."""
    import numpy as np

    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(66, 72, n), rng.uniform(30, 35, n)
    with open(layers / "sites.csv", "a", encoding="utf-8") as fh:
        for i in range(n):
            name = f"Event {i}" if i != 7 else '"' + (payload or "Event 7").replace('"', '""') + '"'
            fh.write(f"ev{i},{name},,near a village,,,clash,2025-10-{11 + i % 2},{lat[i]:.5f},{lon[i]:.5f},1,,aj-2025-10-12,\n")
    with open(layers / "claims.csv", "a", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(f"e{i},ev{i},media,,2025-10-12,killed,,,{i % 5},,people,synthetic,,aj-2025-10-12\n")


def test_thousands_of_sites_draw_on_canvas_and_every_popup_is_reachable(browser, tmp_path):
    layers = tmp_path / "layers"
    shutil.copytree(LAYERS, layers)
    _many_sites(layers, 3000, payload=PAYLOAD)
    path = _build(layers, tmp_path / "maps")
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(path.as_uri())
        page.wait_for_function("window.geoCompact && window.geoCompact.layers.length > 0 && window.geoCompact.layers[0].drawn > 0")
        assert page.evaluate("window.geoCompact.layers.reduce((s, l) => s + l.count, 0)") == 3009
        # The opening view holds every site, and every one of them is drawn.
        page.wait_for_function("window.geoCompact.complete()")
        assert page.evaluate("window.geoCompact.layers.reduce((s, l) => s + l.drawn, 0)") == 3009
        # Any site can be opened: zoom onto a few, click their pixel, read the popup.
        for site_id in ("ev7", "ev1234", "ev2999"):
            lat, lon = page.evaluate(
                f"(async () => {{ for (const l of window.geoCompact.layers) {{ const i = await l.indexOf('{site_id}'); if (i >= 0) return l._latlon(i); }} }})()")
            # Zoom onto the site (retried until the map takes it: a view change right after load can be ignored).
            page.wait_for_function(f"(() => {{ const m = window.geoCompact.map; m.setView([{lat}, {lon}], 15, {{animate: false}});"
                                   f" return m.getZoom() === 15; }})()")
            page.wait_for_function("!window.geoCompact.pending")
            pt = page.evaluate(f"(() => {{ const p = window.geoCompact.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }})()")
            box = page.locator(".leaflet-container").bounding_box()
            page.mouse.click(box["x"] + pt[0], box["y"] + pt[1])
            popup = page.locator(".leaflet-popup-content")
            popup.wait_for()
            text = popup.inner_text()
            assert site_id in text
            if site_id == "ev7":  # its name is hostile text: shown as text, never run
                assert "<img src=x" in text and popup.locator("img").count() == 0
            page.evaluate("window.geoCompact.map.closePopup()")
            page.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 0")
        assert page.evaluate("window.__pwned") is None
        # The date slider filters the canvas too.
        before = page.evaluate("window.geoCompact.layers.reduce((s, l) => s + l.drawn, 0)")
        page.locator("#geo-time-slider").fill("0")
        page.wait_for_function("!window.geoCompact.pending")
        assert page.evaluate("window.geoCompact.layers.reduce((s, l) => s + l.drawn, 0)") < before
        assert errors == []
    finally:
        ctx.close()
