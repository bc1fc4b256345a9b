"""Write a synthetic ACLED-layout CSV of N events near the Durand Line, then time reading it.

Run: .venv/bin/python bench/make_events.py [--n 1000000] [--seed 1] [--out /tmp/acled_1m.csv] [--no-read]

Events are random points within 150 km of the packaged Afghanistan–Pakistan border (a random
point on the line moved a random distance up to 150 km in a random direction, kept only if it
falls in Afghanistan or Pakistan), named after the nearest place of the packaged gazetteer,
dated uniformly in 2025, with ACLED event and sub-event types, actors, sources and fatalities in
plausible proportions. Not a test: it prints the file size and how long ``read_events`` takes.
An ``--out`` ending in ``.gz`` writes a gzipped CSV (pandas infers it from the name), which
``read_events`` reads as it is.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.events import ACLED_COLUMNS, read_events  # noqa: E402
from geo.gazetteer import build_gazetteer  # noqa: E402

#: (event_type, sub_event_type, disorder_type, weight, fatality mean)
TYPES = [
    ("Battles", "Armed clash", "Political violence", 30, 2.5),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", "Political violence", 14, 1.5),
    ("Explosions/Remote violence", "Air/drone strike", "Political violence", 10, 3.0),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "Political violence", 9, 1.2),
    ("Explosions/Remote violence", "Suicide bomb", "Political violence", 2, 6.0),
    ("Explosions/Remote violence", "Grenade", "Political violence", 2, 0.5),
    ("Violence against civilians", "Attack", "Political violence", 10, 1.0),
    ("Violence against civilians", "Abduction/forced disappearance", "Political violence", 3, 0.0),
    ("Strategic developments", "Headquarters or base established", "Strategic developments", 3, 0.0),
    ("Strategic developments", "Arrests", "Strategic developments", 5, 0.0),
    ("Strategic developments", "Disrupted weapons use", "Strategic developments", 3, 0.0),
    ("Protests", "Peaceful protest", "Demonstrations", 7, 0.0),
    ("Riots", "Mob violence", "Demonstrations", 2, 0.2),
]
ACTORS = {
    "PK": ["Military Forces of Pakistan (2024-)", "Police Forces of Pakistan (2024-)", "TTP: Tehreek-i-Taliban Pakistan",
           "Unidentified Armed Group (Pakistan)", "Civilians (Pakistan)", "Frontier Corps", "Lashkar-e-Islam"],
    "AF": ["Military Forces of Afghanistan (2021-)", "Police Forces of Afghanistan (2021-)", "ISKP: Islamic State (Khorasan Province)",
           "Unidentified Armed Group (Afghanistan)", "Civilians (Afghanistan)", "NRF: National Resistance Front"],
}
SOURCES = ["Dawn", "The Express Tribune", "Pajhwok Afghan News", "Khaama Press", "TOLOnews", "Radio Pakistan", "Geo News",
           "Twitter", "Amu TV", "The News International", "Afghanistan International"]
SCALES = ["National", "Subnational", "National-Regional", "Local partner-National", "New media"]
ISO = {"PK": ("586", "Pakistan"), "AF": ("4", "Afghanistan")}


def _border_and_countries():
    import json

    data = ROOT / "geo" / "data"
    border = shapely.from_geojson(json.dumps(json.load(open(data / "AF-PK.border.geojson"))["features"][0]["geometry"]))
    feats = json.load(open(data / "AF-PK.countries.geojson"))["features"]
    polys = {}
    for f in feats:
        props = f["properties"]
        code = props.get("iso_a2") or props.get("ISO_A2")
        polys[code] = shapely.from_geojson(json.dumps(f["geometry"]))
    return border, polys


def make_events(n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` random ACLED-like events within 150 km of the Durand Line, as a frame of strings."""
    rng = np.random.default_rng(seed)
    border, polys = _border_and_countries()
    geod = Geod(ellps="WGS84")
    lat = np.empty(0)
    lon = np.empty(0)
    country = np.empty(0, dtype=object)
    while len(lat) < n:
        m = int((n - len(lat)) * 1.3) + 100
        on = shapely.line_interpolate_point(border, rng.random(m), normalized=True)
        xy = shapely.get_coordinates(on)
        dist = 150_000.0 * np.sqrt(rng.random(m))
        lo, la, _ = geod.fwd(xy[:, 0], xy[:, 1], rng.uniform(0, 360, m), dist)
        cc = np.full(m, None, dtype=object)
        for code, poly in polys.items():
            shapely.prepare(poly)
            cc[shapely.contains_xy(poly, lo, la) & (cc == None)] = code  # noqa: E711
        ok = cc != None  # noqa: E711
        lat, lon, country = np.concatenate([lat, la[ok]]), np.concatenate([lon, lo[ok]]), np.concatenate([country, cc[ok]])
    lat, lon, country = lat[:n], lon[:n], country[:n]

    places = build_gazetteer()
    pts = places[places["kind"] == "point"] if "kind" in places else places
    plat, plon = pts["lat"].to_numpy(float), pts["lon"].to_numpy(float)
    nearest = np.empty(n, dtype=np.int64)
    for i in range(0, n, 50_000):
        d = (lat[i:i + 50_000, None] - plat) ** 2 + ((lon[i:i + 50_000, None] - plon) * np.cos(np.radians(lat[i:i + 50_000, None]))) ** 2
        nearest[i:i + 50_000] = d.argmin(axis=1)
    loc = pts["name"].to_numpy(object)[nearest]
    adm1 = pts["admin1"].fillna("").to_numpy(object)[nearest]
    adm2 = pts["admin2"].fillna("").to_numpy(object)[nearest]
    # the nearest gazetteer place may be across the line: keep the admin names only when the country agrees
    same = pts["country"].to_numpy(object)[nearest] == country
    adm1 = np.where(same, adm1, "")
    adm2 = np.where(same, adm2, "")

    w = np.array([t[3] for t in TYPES], float)
    kind = rng.choice(len(TYPES), size=n, p=w / w.sum())
    etype = np.array([t[0] for t in TYPES], dtype=object)[kind]
    sub = np.array([t[1] for t in TYPES], dtype=object)[kind]
    disorder = np.array([t[2] for t in TYPES], dtype=object)[kind]
    fatalities = rng.poisson(np.array([t[4] for t in TYPES])[kind])
    day = rng.integers(0, 365, n)
    dates = np.array([(dt.date(2025, 1, 1) + dt.timedelta(days=int(d))).isoformat() for d in range(365)], dtype=object)[day]
    ts = (np.datetime64("2025-01-01").astype("datetime64[s]").astype(np.int64) + day * 86400 + rng.integers(7, 30, n) * 86400).astype(str)
    pk = country == "PK"
    a1 = np.where(pk, rng.choice(ACTORS["PK"], n), rng.choice(ACTORS["AF"], n))
    a2 = np.where(pk, rng.choice(ACTORS["PK"], n), rng.choice(ACTORS["AF"], n))
    a2 = np.where(a1 == a2, "", a2)
    a2 = np.where(etype == "Protests", "", a2)
    iso = np.where(pk, ISO["PK"][0], ISO["AF"][0])
    cname = np.where(pk, ISO["PK"][1], ISO["AF"][1])
    prefix = np.where(pk, "PAK", "AFG")
    ids = prefix + (np.arange(n) + 100000).astype(str)
    geo_prec = rng.choice(["1", "2", "3"], size=n, p=[0.7, 0.22, 0.08])
    src = np.array(SOURCES, dtype=object)
    s1 = src[rng.integers(0, len(src), n)]
    s2 = src[rng.integers(0, len(src), n)]
    source = np.where(rng.random(n) < 0.4, s1 + "; " + s2, s1)
    notes = (np.char.add(np.char.add(np.asarray(dates, dtype=str), ": "), np.asarray(sub, dtype=str)).astype(object)
             + " near " + loc + " (" + adm2 + ", " + adm1 + "). " + a1.astype(object) + " involved; "
             + fatalities.astype(str).astype(object) + " reported fatalities.")
    return pd.DataFrame({
        "event_id_cnty": ids, "event_date": dates, "year": "2025", "time_precision": rng.choice(["1", "2", "3"], size=n, p=[0.85, 0.12, 0.03]),
        "disorder_type": disorder, "event_type": etype, "sub_event_type": sub, "actor1": a1, "assoc_actor_1": "",
        "actor2": a2, "assoc_actor_2": "", "interaction": rng.choice(["State forces-Rebel group", "State forces-Civilians", "Rebel group-Civilians"], n),
        "civilian_targeting": np.where(etype == "Violence against civilians", "Civilian targeting", ""), "iso": iso, "region": "Caucasus and Central Asia",
        "country": cname, "admin1": adm1, "admin2": adm2, "admin3": "", "location": loc,
        "latitude": np.round(lat, 4).astype(str), "longitude": np.round(lon, 4).astype(str), "geo_precision": geo_prec,
        "source": source, "source_scale": rng.choice(SCALES, n), "notes": notes, "fatalities": fatalities.astype(str),
        "tags": "", "timestamp": ts,
    }, columns=list(ACLED_COLUMNS))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/acled_events.csv"))
    ap.add_argument("--no-read", action="store_true", help="only write the file")
    ap.add_argument("--read-only", action="store_true", help="only time reading an existing --out file")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if not args.read_only:
        df = make_events(args.n, args.seed)
        df.to_csv(args.out, index=False, quoting=csv.QUOTE_MINIMAL)
        print(f"wrote {args.n:,} events to {args.out} ({args.out.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t0:.1f} s")
    if args.no_read:
        return
    t0, c0 = time.perf_counter(), time.process_time()
    pd.read_csv(args.out, dtype=object, keep_default_na=False, na_filter=False)
    print(f"pandas.read_csv alone (C parser, text cells): {time.perf_counter() - t0:.2f} s wall, {time.process_time() - c0:.2f} s CPU")
    t0, c0 = time.perf_counter(), time.process_time()
    sites, claims, sources, claimants, problems = read_events(args.out)
    t, c = time.perf_counter() - t0, time.process_time() - c0
    print(f"read_events: {len(sites):,} sites, {len(claims):,} claims, {len(problems)} problems in {t:.2f} s wall, "
          f"{c:.2f} s CPU ({len(sites) / t:,.0f} rows/s)")


if __name__ == "__main__":
    main()
