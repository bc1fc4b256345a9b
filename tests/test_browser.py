"""The map as a person sees it: headless Debian Chromium, no network, driven by Playwright."""

import csv
import io
import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
from click.testing import CliRunner

from geo.cli import cli

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE_DIR = ROOT / "tests" / ".axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
IN_CI = os.environ.get("CI") == "true"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}

pytestmark = pytest.mark.browser


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _unavailable(reason: str):
    """A missing browser is a skip on a developer's machine and a failure in CI."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}: .ci/run must install it")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        _unavailable("no chromium on PATH (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"Playwright cannot be imported ({exc})")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def axe_js() -> str:
    """axe-core's script, from the npm package .ci/run installs into tests/.axe (installed here if npm can)."""
    if not AXE_JS.is_file() and shutil.which("npm"):
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR), "axe-core@4.14.1"],
                       check=False, timeout=300, capture_output=True)
    if not AXE_JS.is_file():
        _unavailable(f"no axe-core at {AXE_JS} (npm install --prefix tests/.axe axe-core@4.14.1)")
    return AXE_JS.read_text(encoding="utf-8")


def _build(layers: Path, out: Path) -> Path:
    res = CliRunner().invoke(cli, ["build", "--layers", str(layers), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out / "offline.html"


class Page:
    """A page with every network request refused and every console error collected."""

    def __init__(self, browser, path: Path | str, *, viewport: dict = DESKTOP, wait: str = ".geo-site", phone: bool = False):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.ctx = browser.new_context(viewport=viewport, accept_downloads=True, is_mobile=phone, has_touch=phone)
        self.ctx.route("**/*", self._route)
        self.page = self.ctx.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path if isinstance(path, str) else path.as_uri())
        if wait:
            self.page.wait_for_selector(wait)

    def _route(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def shown(self) -> int:
        """Site markers on the map (a filtered-out marker is taken off it)."""
        return self.page.locator(".leaflet-marker-pane .geo-site").count()

    def details(self):
        """The open site's details: the popup, or the bottom sheet on a phone, once faded in.

        Leaflet fades a popup in over 0.2 s; on a loaded machine a check made during the fade
        (axe's colour contrast) sees half-transparent text.
        """
        loc = self.page.locator(".geo-hits")
        loc.wait_for()
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.leaflet-popup')].every(e => getComputedStyle(e).opacity === '1')")
        return loc

    def close(self):
        self.ctx.close()


def layers_control(p):
    """Leaflet's layer control, hovered a moment first: it ignores clicks in the tick it expands in."""
    control = p.locator(".leaflet-control-layers")
    control.hover()
    p.wait_for_timeout(50)
    return control


@pytest.fixture(scope="module")
def seed_map(tmp_path_factory):
    return _build(LAYERS, tmp_path_factory.mktemp("maps"))


@pytest.fixture
def page(browser, seed_map):
    pg = Page(browser, seed_map)
    yield pg
    assert pg.errors == []
    assert pg.requests == [], "the offline map tried to reach the network"
    pg.close()


def test_offline_map_renders_every_site_and_its_claims(page):
    pg, p = page, page.page
    assert pg.shown() == 9
    # One path per reference line of the bundled theatre (OpenStreetMap, used, and Natural Earth 1:10m).
    assert p.locator("path.geo-border").count() == len(json.loads((LAYERS.parent / "maps" / "border.geojson").read_text())["features"]) == 2
    assert p.locator("path.geo-country").count() == 2
    assert p.title().startswith("Afghanistan–Pakistan") and p.locator("html").get_attribute("lang") == "en"
    # Claims about the whole border, side by side, with the disputed figure highlighted.
    panel = p.locator(".geo-panel")
    panel.locator("summary").click()
    assert "at least 58" in panel.inner_text() and "23" in panel.inner_text()
    assert panel.locator("tr.geo-contradiction").count() >= 1
    panel.locator("summary").click()
    # A site whose claims come from both sides.
    p.locator(".geo-site-kabul").click()
    text = pg.details().inner_text()
    p.wait_for_timeout(400)  # let the autopan animation settle
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "map.png"))
    assert "Kabul" in text
    assert "Afghan Taliban administration" in text and "Pakistan government and military" in text
    assert "2" in p.locator(".geo-hits .geo-figure").first.inner_text()
    assert "Afghanistan side" in text
    # The popup fits beside the open "Find and filter" box.
    popup, find = p.locator(".leaflet-popup").bounding_box(), p.locator(".geo-find").bounding_box()
    assert popup["x"] >= 0 and popup["x"] + popup["width"] <= find["x"]
    p.locator(".leaflet-popup-close-button").click()
    p.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 0")
    # Bahram Chah: the report's placement is flagged, the side is not guessed.
    p.locator(".geo-site-bahram-chah").dispatch_event("click")  # may be panned out of view
    text = pg.details().inner_text()
    assert "side uncertain" in text and "reported_admin1_mismatch" in text
    p.keyboard.press("Escape")
    # Buffer bands have a key and never take a click meant for a site inside them.
    layers_control(p).get_by_label("Buffer bands (5, 25, 50 km)").check()
    p.wait_for_selector("path.geo-band")
    assert "buffer band 0–5 km from the line" in p.locator(".geo-legend").inner_text()
    p.evaluate("window.geoApp.map.setView([32.52, 69.28], 9, {animate: false})")  # Angoor Adda, 1 km from the line
    p.locator(".geo-site-angoor-adda").click()  # a real click: fails if a band is on top
    assert "Angoor Adda" in pg.details().locator("h3").inner_text()


def test_filters_slider_and_category_boxes_share_one_state(page):
    pg, p = page, page.page
    clash = p.get_by_label("Sites: clash (6)")
    clash.uncheck()
    assert pg.shown() == 3
    # The date range: only the 9 October strikes remain at the slider's first position...
    p.locator("#geo-time-slider").fill("0")
    assert pg.shown() == 2
    assert p.locator("#geo-time-label").inner_text() == "2025-10-09"
    # ...and switching a category back on does not bring back later sites.
    clash.check()
    assert pg.shown() == 2
    assert p.locator("#geo-count").inner_text().startswith("2 of 9")
    p.locator("#geo-time-slider").fill("2")
    assert pg.shown() == 9
    # A range, not "up to": from 12 October on, only Kunar (12 October) is left.
    p.locator("#geo-time-from").fill("2")
    assert p.locator("#geo-time-from-label").inner_text() == "2025-10-12"
    assert pg.shown() == 1
    p.locator("#geo-time-from").fill("0")
    # Claimant: the sites where the Afghan Taliban administration made a claim (claims.csv: Kabul, Paktika).
    p.get_by_label("Claimant", exact=True).select_option(label="Afghan Taliban administration")
    p.wait_for_function("document.querySelectorAll('.leaflet-marker-pane .geo-site').length === 2")
    assert sorted(p.locator(".leaflet-marker-pane .geo-site").evaluate_all("es => es.map(e => e.dataset.site)")) == ["kabul", "paktika"]
    p.get_by_label("Claimant", exact=True).select_option("")
    # Flag: Bahram Chah's report placed it in another province.
    p.get_by_label("Flag", exact=True).select_option("reported_admin1_mismatch")
    p.wait_for_function("document.querySelectorAll('.leaflet-marker-pane .geo-site').length === 1")
    # The list follows the same state.
    p.wait_for_function("[...document.querySelectorAll('.geo-list-item')].map(e => e.dataset.site).join() === 'bahram-chah'")


def test_search_flies_to_a_site_and_opens_it(page):
    p = page.page
    box = p.locator("input[type=search]")
    box.fill("kurram")
    box.press("Enter")
    assert "Kurram" in page.details().locator("h3").inner_text()
    box.fill("bahram-chah")  # an id
    box.press("Enter")
    p.wait_for_function("document.querySelector('.geo-hits h3').textContent.includes('Bahram Chah')")
    assert p.evaluate("window.geoApp.map.getZoom()") >= 11
    box.fill("no such place")
    box.press("Enter")
    p.wait_for_function("document.getElementById('geo-search-status').textContent.startsWith('No site')")


def test_list_of_sites_in_view_sorts_and_opens(page, seed_map):
    p = page.page
    p.wait_for_function("document.querySelectorAll('.geo-list-item').length > 0")
    listed = p.locator(".geo-list-item").evaluate_all("es => es.map(e => e.dataset.site)")
    in_view = p.evaluate("""window.geoApp.sources.flatMap(s => [...Array(s.n).keys()].filter(i => s.shown(i)
        && window.geoApp.map.getBounds().contains(s.latlng(i))).map(i => s.id(i)))""")
    assert sorted(listed) == sorted(in_view)
    sites = list(csv.DictReader((seed_map.parent / "sites.csv").open(encoding="utf-8")))
    p.get_by_label("Sort by", exact=True).select_option("distance")
    p.wait_for_function("document.querySelector('.geo-list-item').dataset.site !== undefined")
    p.wait_for_timeout(100)
    listed = p.locator(".geo-list-item").evaluate_all("es => es.map(e => e.dataset.site)")
    km = {s["site_id"]: float(s["distance_km"]) for s in sites}
    assert [km[s] for s in listed] == sorted(km[s] for s in listed)
    # Panning keeps the list in step with the map.
    p.evaluate("window.geoApp.map.setView([34.53, 69.17], 10, {animate: false})")  # Kabul
    p.wait_for_function("[...document.querySelectorAll('.geo-list-item')].map(e => e.dataset.site).join() === 'kabul'")
    p.locator(".geo-list-item").first.click()
    assert "Kabul" in page.details().locator("h3").inner_text()


def test_url_hash_restores_view_filters_and_open_site(browser, page):
    p = page.page
    p.get_by_label("Sites: blast (1)").uncheck()
    p.get_by_label("Claimant", exact=True).select_option(label="Pakistan government and military")
    p.locator("#geo-time-from").fill("2")
    p.locator("#geo-time-from").fill("1")
    p.evaluate("window.geoApp.map.setView([33.9, 70.1], 8, {animate: false})")
    p.locator(".geo-site-kurram").dispatch_event("click")
    page.details()
    url = p.evaluate("location.href")
    assert "site=kurram" in url and "from=2025-10-11" in url and "cats=" in url and "blast" not in url.split("cats=")[1].split("&")[0]
    assert "claimant=" + "Pakistan government and military" in unquote(url)
    other = Page(browser, url, wait=".geo-hits")
    try:
        q = other.page
        assert "Kurram" in q.locator(".geo-hits h3").inner_text()
        assert q.evaluate("window.geoApp.map.getZoom()") == 8
        assert not q.get_by_label("Sites: blast (1)").is_checked() and q.get_by_label("Sites: clash (6)").is_checked()
        assert q.get_by_label("Claimant", exact=True).input_value() == "Pakistan government and military"
        assert q.locator("#geo-time-from-label").inner_text() == "2025-10-11"
        assert q.evaluate("location.href") == url
        assert other.errors == []
    finally:
        other.close()


def test_export_downloads_the_selection_as_csv_and_geojson(page):
    p = page.page
    p.get_by_label("Sites: clash (6)").uncheck()
    with p.expect_download() as info:
        p.locator("#geo-export-csv").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert info.value.suggested_filename.endswith("-selection.csv")
    assert sorted(r["site_id"] for r in rows) == ["kabul", "kunar", "paktika"]
    kabul = next(r for r in rows if r["site_id"] == "kabul")
    assert kabul["category"] == "strike" and abs(float(kabul["lat"]) - 34.5281) < 1e-3
    with p.expect_download() as info:
        p.locator("#geo-export-geojson").click()
    fc = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert sorted(f["id"] for f in fc["features"]) == ["kabul", "kunar", "paktika"]
    assert all(f["geometry"]["type"] == "Point" for f in fc["features"])


def test_keyboard_opens_a_site_moves_focus_in_and_escape_closes(page):
    p = page.page
    marker = p.locator(".geo-site-kabul")
    assert marker.get_attribute("aria-label").startswith("Kabul, strike, 2025-10-09")
    marker.focus()
    p.keyboard.press("Enter")
    page.details()
    assert p.evaluate("document.activeElement.closest('.leaflet-popup') !== null")
    p.keyboard.press("Escape")
    p.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 0")
    assert p.evaluate("document.activeElement.dataset.site") == "kabul"


def test_phone_layout_fits_the_screen(browser, seed_map):
    pg = Page(browser, seed_map, viewport=PHONE, phone=True)
    p = pg.page
    try:
        assert "user-scalable=no" not in p.locator("meta[name=viewport]").get_attribute("content")
        # Collapsed at first: the controls cover little of the screen.
        assert p.locator("details[open]").count() == 0
        boxes = p.locator(".leaflet-control").evaluate_all("es => es.map(e => { const r = e.getBoundingClientRect(); return r.width * r.height; })")
        assert sum(boxes) / (PHONE["width"] * PHONE["height"]) < 0.12
        ARTIFACTS.mkdir(exist_ok=True)
        p.screenshot(path=str(ARTIFACTS / "phone.png"))
        p.locator(".geo-site-kabul").dispatch_event("click")
        sheet = pg.details()
        p.wait_for_timeout(200)
        box = p.locator(".geo-sheet").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["y"] + box["height"] <= PHONE["height"]
        close = p.locator(".geo-sheet-close").bounding_box()
        assert 0 <= close["x"] and close["x"] + close["width"] <= PHONE["width"] and close["y"] >= 0
        # Both claimants' columns are on screen.
        for th in p.locator(".geo-sheet .geo-claimant").all():
            b = th.bounding_box()
            assert b["x"] + b["width"] <= PHONE["width"] + 1
        assert "Pakistan government and military" in sheet.inner_text()
        p.screenshot(path=str(ARTIFACTS / "phone-site.png"))
        assert p.evaluate("document.activeElement.classList.contains('geo-sheet-content')")
        p.keyboard.press("Escape")
        p.wait_for_function("!document.querySelector('.geo-sheet')")
        # Every panel opens on demand.
        for summary in ("Find and filter", "Key", "Claims and checks"):
            p.get_by_text(summary, exact=True).click()
            assert p.locator("details[open]").count() == 1
            p.get_by_text(summary, exact=True).click()
        assert pg.errors == []
    finally:
        pg.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_serious_violation(browser, seed_map, axe_js, viewport):
    pg = Page(browser, seed_map, viewport=viewport, phone=viewport is PHONE)
    p = pg.page
    try:
        p.locator(".geo-site-kabul").dispatch_event("click")
        pg.details()
        p.add_script_tag(content=axe_js)
        result = p.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == []
    finally:
        pg.close()


def test_index_without_network_points_to_the_offline_map(browser, seed_map):
    pg = Page(browser, seed_map.parent / "index.html", wait="")
    p = pg.page
    try:
        msg = p.locator("#geo-needs-network")
        msg.wait_for()
        assert msg.is_visible() and "offline.html" in msg.inner_text()
        assert msg.locator("a").get_attribute("href") == "offline.html"
        assert any("cdn.jsdelivr.net" in r for r in pg.requests)
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
        page.locator(".geo-site-angoor-adda").dispatch_event("click")
        page.locator(".geo-site-kurram").dispatch_event("click")
        page.evaluate("window.geoApp.map.setView([32.5, 69.3], 9, {animate: false})")  # labels on, the list shows the name
        page.locator("input[type=search]").fill("<img")
        page.locator("input[type=search]").press("Enter")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned") is None
        assert pg.dialogs == []
        # The text is shown, as text.
        assert "<img src=x" in page.locator(".geo-hits").inner_text()
        assert "<img src=x" in page.locator(".geo-list").inner_text()
        page.locator(".geo-panel summary").click()
        assert "<img src=x" in page.locator(".geo-panel").inner_text()
        assert page.locator(".geo-panel img, .geo-hits img, .geo-list img, .leaflet-tooltip img").count() == 0
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


def _click_site(page, lat: float, lon: float, zoom: int = 15) -> None:
    """Zoom onto a point (retried until the map takes it) and click its pixel."""
    page.wait_for_function(f"(() => {{ const m = window.geoCompact.map; m.setView([{lat}, {lon}], {zoom}, {{animate: false}});"
                           f" return m.getZoom() === {zoom}; }})()")
    page.wait_for_function("window.geoCompact.complete()")
    pt = page.evaluate(f"(() => {{ const p = window.geoCompact.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }})()")
    box = page.locator(".leaflet-container").bounding_box()
    page.mouse.click(box["x"] + pt[0], box["y"] + pt[1])


@pytest.mark.slow  # 3,009 sites, every popup opened
def test_thousands_of_sites_draw_on_canvas_and_every_popup_is_reachable(browser, tmp_path):
    layers = tmp_path / "layers"
    shutil.copytree(LAYERS, layers)
    _many_sites(layers, 3000, payload=PAYLOAD)
    pg = Page(browser, _build(layers, tmp_path / "maps"), wait="")
    page = pg.page
    try:
        page.wait_for_function("window.geoCompact && window.geoCompact.complete()")
        assert page.evaluate("window.geoCompact.layers.reduce((s, l) => s + l.count, 0)") == 3009
        # The opening view holds every site, counted in cells (more than 1,500 in view).
        assert page.evaluate("window.geoCompact.layers.reduce((s, l) => s + l.drawn, 0)") == 3009
        assert page.evaluate("window.geoCompact.aggregated") is True
        assert page.evaluate("window.geoCompact.cells.reduce((s, c) => s + c.n, 0)") == 3009
        # Any site can be opened: zoom onto a few, click their pixel, read the popup.
        for site_id in ("ev7", "ev1234", "ev2999"):
            lat, lon = page.evaluate(
                f"(async () => {{ for (const l of window.geoCompact.layers) {{ const i = await l.indexOf('{site_id}'); if (i >= 0) return l._latlon(i); }} }})()")
            _click_site(page, lat, lon)
            text = pg.details().inner_text()
            assert site_id in text
            if site_id == "ev7":  # its name is hostile text: shown as text, never run
                assert "<img src=x" in text and page.locator(".geo-hits img").count() == 0
            page.keyboard.press("Escape")
            page.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 0")
        assert page.evaluate("window.__pwned") is None
        # The date range filters the canvas too.
        page.evaluate("window.geoApp.map.fitBounds(window.geoApp.config.bounds, {animate: false})")
        page.wait_for_function("window.geoCompact.complete()")
        before = page.evaluate("window.geoCompact.layers.reduce((s, l) => s + l.drawn, 0)")
        page.locator("#geo-time-slider").fill("0")
        page.wait_for_function(f"window.geoCompact.complete() && window.geoCompact.layers.reduce((s, l) => s + l.drawn, 0) < {before}")
        assert pg.errors == []
    finally:
        pg.close()


def _card_text(browser, path: Path, site_id: str) -> str:
    pg = Page(browser, path, wait="")
    try:
        pg.page.wait_for_function("window.geoApp && window.geoApp.openId")
        pg.page.evaluate(f"window.geoApp.openId({site_id!r}, true)")
        text = pg.details().locator(".geo-card").inner_text()
        assert pg.errors == []
        return re.sub(r"\s+", " ", text).strip()
    finally:
        pg.close()


def test_small_and_big_maps_say_the_same_about_a_site(browser, tmp_path):
    """One formatter: the SVG map's popup (Python) and the canvas map's (script) show the same words."""
    from geo.layers import read_layers
    from geo.pipeline import run
    from geo.render import render_html

    layers = tmp_path / "layers"
    shutil.copytree(LAYERS, layers)
    with open(layers / "claims.csv", "a", encoding="utf-8") as fh:  # "up to", thousands, a range without best
        fh.write("f1,kunar,media,,2025-10-12,killed,civilians,,50,50,people,Up to fifty.,,aj-2025-10-12\n")
        fh.write("f2,kunar,pk-govt,,2025-10-12,displaced,,,1200,,people,Many fled.,,aj-2025-10-12\n")
        fh.write("f3,kunar,af-taliban,,2025-10-12,wounded,,10,,20,people,Some hurt.,,aj-2025-10-12\n")
    ds = run(read_layers(layers))
    small, big = tmp_path / "small.html", tmp_path / "big.html"
    small.write_text(render_html(ds, self_contained=True), encoding="utf-8")
    big.write_text(render_html(ds, self_contained=True, compact_threshold=0), encoding="utf-8")
    assert "application/octet-stream" in big.read_text() and "application/octet-stream" not in small.read_text()
    for site_id in ("kunar", "kabul", "bahram-chah"):
        text = _card_text(browser, small, site_id)
        assert _card_text(browser, big, site_id) == text
        if site_id == "kunar":
            assert "up to 50" in text and "1,200" in text and "10–20" in text


def test_reference_lines_disagreement_layer_and_osm_attribution(browser, tmp_path):
    import geopandas as gpd
    import shapely

    from geo.layers import read_layers
    from geo.pipeline import run
    from geo.render import render_html

    ds = run(read_layers(LAYERS))
    ne = ds.reference.lines[ds.reference.lines["key"] == "ne10m"].iloc[0].copy()  # tolerance 3.4 km, measured
    osm = ne.copy()
    osm["source"], osm["licence"], osm["scale"], osm["used"] = "OpenStreetMap (test copy)", "ODbL 1.0", "about 1:25k", True
    osm["geometry"] = shapely.affinity.translate(ne["geometry"], 0.02, 0.0)
    ne["used"] = False
    lines = gpd.GeoDataFrame([osm, ne], geometry="geometry", crs=ds.reference.lines.crs)
    disagree = gpd.GeoDataFrame({"description": ["the lines put this strip on different sides"]},
                                geometry=[shapely.box(69.0, 32.4, 69.2, 32.6)], crs="EPSG:4326")
    ds2 = replace(ds, reference=replace(ds.reference, lines=lines, disagreement=disagree))
    path = tmp_path / "two-lines.html"
    path.write_text(render_html(ds2, self_contained=True), encoding="utf-8")
    pg = Page(browser, path)
    p = pg.page
    try:
        dashes = p.locator("path.geo-border").evaluate_all("es => es.map(e => e.getAttribute('stroke-dasharray'))")
        assert sorted(dashes, key=str) == sorted([None, "7 5"], key=str)  # the used line solid, the other dashed
        # Above every other layer: the border pane is over the markers' and overlays'.
        z = p.evaluate("['geoBorder', 'markerPane', 'overlayPane'].map(n => +getComputedStyle(window.geoApp.map.getPane(n)).zIndex)")
        assert z[0] > z[1] > z[2]
        key = p.locator(".geo-legend").inner_text()
        assert "OpenStreetMap (test copy) (about 1:25k, ±3.4 km), used for sides and distances" in key
        assert "Natural Earth" in key and "for comparison" in key
        layers_control(p).get_by_label("Where the sources disagree").check()
        p.wait_for_selector("path.geo-disagree")
        assert "OpenStreetMap contributors" in p.locator(".leaflet-control-attribution").inner_text()
        assert pg.errors == []
    finally:
        pg.close()


@pytest.fixture(scope="module")
def map_100k(tmp_path_factory):
    """A 100,000-event map (bench/bench_map.py's synthetic events), 155 of them at one spot."""
    import importlib.util

    from geo.pipeline import run
    from geo.render import render_html

    spec = importlib.util.spec_from_file_location("bench_map", ROOT / "bench" / "bench_map.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    layers = bench.synthetic_layers(100_000)
    sites = layers.sites.copy()
    sites.loc[:154, "lat"], sites.loc[:154, "lon"] = 31.61234, 65.71234  # Kandahar
    ds = run(replace(layers, sites=sites))
    path = tmp_path_factory.mktemp("map100k") / "offline.html"
    path.write_text(render_html(ds, self_contained=True), encoding="utf-8")
    return path


@pytest.mark.slow
def test_100k_events_are_counted_in_cells_and_a_dense_spot_says_how_many(browser, map_100k):
    pg = Page(browser, map_100k, wait="")
    p = pg.page
    try:
        p.wait_for_function("window.geoCompact && window.geoCompact.complete()", timeout=60_000)
        # Every event is in the opening view, counted in cells, categories told apart (a slice each).
        assert p.evaluate("window.geoCompact.layers.reduce((s, l) => s + l.drawn, 0)") == 100_000
        assert p.evaluate("window.geoCompact.aggregated") is True
        assert p.evaluate("window.geoCompact.cells.reduce((s, c) => s + c.n, 0)") == 100_000
        assert p.evaluate("window.geoCompact.cells.filter(c => c.by.filter(x => x > 0).length > 1).length") > 10
        ARTIFACTS.mkdir(exist_ok=True)
        p.screenshot(path=str(ARTIFACTS / "map-100k.png"))
        # A click on a cell says how many events it holds, and steps through them.
        n, x, y = p.evaluate("(() => { const c = window.geoCompact.cells.reduce((a, b) => a.n > b.n ? a : b); return [c.n, c.x, c.y]; })()")
        box = p.locator(".leaflet-container").bounding_box()
        p.mouse.click(box["x"] + x, box["y"] + y)
        assert pg.details().locator(".geo-hits-count").inner_text() == f"{n:,} events in this cell"
        p.keyboard.press("Escape")
        p.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 0")
        # Zoomed in to the last level, 155 events on one spot: one click, "155 events here", a stepper.
        _click_site(p, 31.61234, 65.71234, zoom=18)
        hits = pg.details()
        assert p.evaluate("window.geoCompact.aggregated") is False
        assert hits.locator(".geo-hits-count").inner_text() == "155 events here"
        assert hits.locator(".geo-step").inner_text() == "1 of 155"
        first = hits.locator(".geo-card").get_attribute("data-site")
        hits.locator(".geo-next").click()
        p.wait_for_function("document.querySelector('.geo-step').textContent === '2 of 155'")
        assert hits.locator(".geo-card").get_attribute("data-site") != first
        p.keyboard.press("Escape")
        p.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 0")
        # Search by id, and a category filter, at this size too.
        p.locator("input[type=search]").fill("EV0099999")
        p.locator("input[type=search]").press("Enter")
        assert "EV0099999" in pg.details().inner_text()
        p.keyboard.press("Escape")
        p.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 0")
        clash = p.evaluate("window.geoApp.config.categories.find(c => c.key === 'clash').count")
        p.get_by_label(re.compile(r"^Sites: clash")).uncheck()
        p.wait_for_function(f"document.getElementById('geo-count').textContent.startsWith('{100_000 - clash:,} of')")
        assert pg.errors == []
    finally:
        pg.close()


def test_actor_filter_reads_the_sites_actors_column(browser, tmp_path):
    """The Actor menu lists the actors of the sites' ``actors`` column; picking one keeps its sites only."""
    layers = tmp_path / "layers"
    shutil.copytree(LAYERS, layers)
    sites = pd.read_csv(layers / "sites.csv", dtype=str, keep_default_na=False)
    sites["actors"] = ""
    sites.loc[sites["site_id"] == "kurram", "actors"] = "Pakistani security forces; Afghan Taliban forces"
    sites.loc[sites["site_id"] == "kabul", "actors"] = "Pakistan Air Force ; TTP <b>leadership</b>"
    sites.to_csv(layers / "sites.csv", index=False)
    pg = Page(browser, _build(layers, tmp_path / "maps"))
    p = pg.page
    try:
        menu = p.get_by_label("Actor", exact=True)
        assert menu.locator("option").all_inner_texts() == [
            "any", "Afghan Taliban forces", "Pakistan Air Force", "Pakistani security forces", "TTP <b>leadership</b>"]
        menu.select_option(label="Pakistani security forces")
        p.wait_for_function("document.querySelectorAll('.leaflet-marker-pane .geo-site').length === 1")
        assert p.locator(".leaflet-marker-pane .geo-site").evaluate_all("es => es.map(e => e.dataset.site)") == ["kurram"]
        menu.select_option(label="TTP <b>leadership</b>")  # text from a layer is shown as text, not markup
        p.wait_for_function("[...document.querySelectorAll('.leaflet-marker-pane .geo-site')].map(e => e.dataset.site).join() === 'kabul'")
        assert "actor=TTP" in p.evaluate("location.hash")
        assert pg.errors == []
    finally:
        pg.close()
