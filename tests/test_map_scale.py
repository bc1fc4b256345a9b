"""Maps of many sites: the compact layer's data format and the panel of a bulk events map (geo/render/)."""

import base64
import gzip
import json

import numpy as np
import pandas as pd
import pytest

from geo import render
from geo.claims import format_figure
from geo.render import _compact

DTYPES = {"u1": "<u1", "u2": "<u2", "u4": "<u4", "i4": "<i4", "f4": "<f4"}


def unpack(b64: str, compressed: bool) -> tuple[dict, dict]:
    """Read a pack_blob buffer as the page does: header length, JSON header, typed arrays."""
    raw = base64.b64decode(b64)
    if compressed:
        raw = gzip.decompress(raw)
    hlen = int.from_bytes(raw[:4], "little")
    head = json.loads(raw[4:4 + hlen].decode("utf-8"))
    base = 4 + hlen
    arrays = {}
    for name, (code, offset, length) in head["arrays"].items():
        dt = np.dtype(DTYPES[code])
        arrays[name] = np.frombuffer(raw[base + offset: base + offset + length * dt.itemsize], dtype=dt)
    return arrays, {k: v.split("\u001f") for k, v in head["texts"].items()}


@pytest.mark.parametrize("compress", [True, False])
def test_pack_blob_round_trips_and_is_reproducible(compress):
    rng = np.random.default_rng(3)
    arrays = {"a": _compact._int_array(rng.integers(0, 200, 1001)), "b": _compact._int_array(np.append(rng.integers(0, 70_000, 999), -5)),
              "f": ("f4", rng.normal(size=17)), "empty": _compact._int_array([])}
    texts = {"names": _compact._pack_strings(["Angoor Adda", "Spīn Boldak", "a\u001fb", ""])}
    blob = render.pack_blob(arrays, texts, compress=compress)
    assert blob == render.pack_blob(arrays, texts, compress=compress)  # same input, same bytes
    got, got_texts = unpack(blob, compress)
    assert arrays["a"][0] == "u1" and arrays["b"][0] == "i4"
    for name, (_, a) in arrays.items():
        np.testing.assert_array_equal(got[name], np.asarray(a, dtype=got[name].dtype))
    assert got_texts["names"] == ["Angoor Adda", "Spīn Boldak", "a b", ""]  # the separator never leaks from the data


def _sites(n: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(60, 75, n), rng.uniform(28, 38, n)
    ids = [f"EV{i}" for i in range(n)]
    sites = pd.DataFrame({
        "site_id": ids, "name": [f"Village {i % 7}" for i in range(n)], "reported_location": "somewhere",
        "event_date": pd.Timestamp("2025-10-12").date(), "precision": rng.choice(["point", "near", "district"], n),
        "side": rng.choice(["AF", "PK", "uncertain"], n), "flags": [[] for _ in range(n)], "radius_km": 2.0,
        "distance_km": rng.uniform(0, 300, n), "lon": lon, "lat": lat, "category": "clash"}, dtype=object)
    # Figures as the pipeline words them (geo.claims.format_figure): "up to 50", "1,200", "10–20", ...
    cases = [(None, 50, 50), (None, 1200, None), (10, None, 20), (58, 58, None), (None, 3, None)]
    low, best, high = (np.array([cases[i % len(cases)][k] for i in range(n)], dtype=object) for k in range(3))
    claims = pd.DataFrame({
        "claim_id": [f"C{i}" for i in range(n)], "site_id": ids, "claimant": "ACLED", "quantity": "killed", "subject": None,
        "outlet": "ACLED: Dawn", "claim_date": pd.Timestamp("2025-10-13").date(), "low": low, "best": best, "high": high,
        "figure": [format_figure(a, b, c) for a, b, c in zip(low, best, high)]}, dtype=object)
    return sites, claims


def test_compact_layer_keeps_every_site_to_a_metre_and_its_popup_facts():
    sites, claims = _sites(3000)
    data = render.compact_data(sites, claims, category="clash")
    assert data["n"] == 3000 and data["m"] == 3000
    draw, _ = unpack(data["draw"], compressed=False)
    x = data["x0"] + np.cumsum(draw["dx"].astype(np.int64))
    y = data["y0"] + draw["y"].astype(np.int64)
    assert draw["dx"].dtype == np.uint16  # longitude steps of sorted sites fit 16 bits
    popup, texts = unpack(data["popup"], compressed=True)
    # Sites come back in longitude order; match them by id and compare.
    back = pd.DataFrame({"site_id": texts["ids"], "lon": x / 1e5, "lat": y / 1e5, "dist": popup["dist"] / 10,
                         "side": np.array(texts["side"])[popup["side"]]}).set_index("site_id").loc[sites["site_id"]]
    assert np.all(np.diff(x) >= 0)
    np.testing.assert_allclose(back["lon"], sites["lon"].astype(float), atol=0.5e-5)
    np.testing.assert_allclose(back["lat"], sites["lat"].astype(float), atol=0.5e-5)
    np.testing.assert_allclose(back["dist"], sites["distance_km"].astype(float), atol=0.05)
    assert list(back["side"]) == list(sites["side"])
    site_of_claim = np.repeat(np.arange(len(texts["ids"])), popup["c_count"])
    figure = pd.Series(np.array(texts["c_fig"])[popup["c_fig"]], index=np.array(texts["ids"])[site_of_claim]).loc[sites["site_id"]]
    assert list(figure) == list(claims["figure"])
    assert {"up to 50", "1,200", "10–20", "at least 58", "3"} == set(figure)
    # Claim dates are days after the site's date (13 October against 12 October).
    assert set(popup["c_date"].tolist()) == {1}


def test_panel_lists_hand_made_sources_and_summarises_a_bulk_file():
    layer = pd.DataFrame([{"source_id": "aj", "outlet": "Al Jazeera", "title": "Clashes", "published": "2025-10-12", "url": "https://aljazeera.com/x",
                           "notes": None, "source_file": "layers/sources.csv"}], dtype=object)
    outlets = ["ACLED: Dawn"] * 300 + ["ACLED: <b>TOLOnews</b>"] * 200 + [f"ACLED: outlet {i}" for i in range(10)]
    bulk = pd.DataFrame({"source_id": [f"e{i}" for i in range(len(outlets))], "outlet": outlets, "title": "t", "published": "2025-10-12",
                         "url": None, "notes": None, "source_file": "/data/acled_export.csv"}, dtype=object)
    html = str(render.panel_sources(pd.concat([layer, bulk], ignore_index=True)))
    assert html.count("<li>") == 2
    assert 'href="https://aljazeera.com/x"' in html and "Al Jazeera" in html
    assert "510 sources from acled_export.csv" in html
    assert "ACLED: Dawn (300)" in html and "ACLED: &lt;b&gt;TOLOnews&lt;/b&gt; (200)" in html and "<b>" not in html
    assert "and 7 more outlets" in html
    # A small file of events is listed like any other.
    assert str(render.panel_sources(pd.concat([layer, bulk.head(5)], ignore_index=True))).count("<li>") == 6


def test_a_map_of_many_events_stays_small_and_lists_no_source_per_event(tmp_path, synthetic_events):
    from pathlib import Path

    from click.testing import CliRunner

    from geo.cli import cli

    root = Path(__file__).resolve().parent.parent
    events = synthetic_events(5000, seed=2)
    res = CliRunner().invoke(cli, ["build", "-q", "--layers", str(root / "layers"), "--out", str(tmp_path / "maps"), "--events", str(events)])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "maps" / "offline.html").read_text()
    assert "5,000 sources from acled_5000_2.csv" in html
    assert 'type="application/octet-stream"' in html  # compact layers, data outside the script
    # Leaflet and the reference geometry are most of it; the 5,000 events about 150 bytes each at most.
    base = (root / "maps" / "offline.html").stat().st_size
    assert len(html.encode()) - base < 5000 * 150


def test_serial_build_writes_what_is_committed():
    from pathlib import Path

    from click.testing import CliRunner

    from geo.cli import cli

    root = Path(__file__).resolve().parent.parent
    res = CliRunner().invoke(cli, ["build", "--check", "--serial", "--layers", str(root / "layers"), "--out", str(root / "maps")])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("available_gb, parallel", [(100.0, True), (1.0, False), (None, False)])
def test_forked_writers_only_when_memory_allows(monkeypatch, available_gb, parallel):
    """Forked writers roughly double the peak memory: a big build on a small machine stays serial."""
    from geo.export import _parallel

    monkeypatch.setattr(_parallel, "_meminfo_bytes", lambda field: None if available_gb is None else int(available_gb * 2**30))
    monkeypatch.setattr(_parallel, "_rss_bytes", lambda: 2 * 2**30)
    monkeypatch.setattr(_parallel, "can_fork", lambda: True)
    assert _parallel.should_fork(_parallel.PARALLEL_MIN_ROWS + 10) == parallel
    assert not _parallel.should_fork(20)


def test_two_renders_are_identical_and_leave_branca_unpatched():
    """Sequential ids come from numbering this map's elements, not from a patched id generator."""
    import branca.element

    from geo.layers import read_layers
    from geo.pipeline import run

    before = branca.element.Element.__dict__["_generate_id"]
    from pathlib import Path

    ds = run(read_layers(Path(__file__).resolve().parent.parent / "layers"))
    first, second = render.render_html(ds, self_contained=True), render.render_html(ds, self_contained=True)
    assert first == second
    assert branca.element.Element.__dict__["_generate_id"] is before
    assert len(branca.element.Element()._id) == 32  # still branca's random ids elsewhere
