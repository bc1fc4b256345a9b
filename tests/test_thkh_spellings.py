"""Thailand–Cambodia spellings as 2025 reports write them -> the place meant, with and without the example's gazetteer.

Expected coordinates are written here from their sources, never read from the gazetteers:
G = a GeoNames record (id given; https://www.geonames.org/<id>), W = a Wikipedia infobox
(degrees-minutes-seconds as printed there). A point must lie within POINT_TOL_KM of its reference,
an area within its radius. ``None`` as the reference checks only country, province and precision
(provinces are placed from the spread of their towns: there is no independent point to compare).
The traps are names that also belong to a place far away (Samrong, Prasat, Ban Phue, Surin in
France) or to nothing cited (Ban Nong Chan): the answer must be an error, never a wrong place.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rapidfuzz import fuzz

from geo.errors import AmbiguousError, NotFoundError
from geo.gazetteer import normalise
from geo.geocode import HintError, OutOfScopeError, make_geocoder
from geo.geocode.match import km
from geo.layers import read_layers

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "thailand-cambodia"
POINT_TOL_KM = 3.0
OM, BM, PV, SSK, UBN = "Oddar Meanchey", "Banteay Meanchey", "Preah Vihear", "Si Sa Ket", "Ubon Ratchathani"


def dms(d: float, m: float = 0.0, s: float = 0.0) -> float:
    return d + m / 60 + s / 3600


REF = {
    "Surin": (14.88181, 103.49364),              # G 1606030
    "Kantharalak": (14.64056, 104.64992),        # G 1610227
    "Kap Choeng": (14.47486, 103.59439),         # G 1618616
    "Phanom Dong Rak": (14.44575, 103.30508),    # G 1954056
    "Samraong": (14.18175, 103.51761),           # G 1825093
    "Anlong Veng": (14.23223, 104.08107),        # G 1831898
    "Banteay Ampil": (14.23663, 103.12949),      # G 1830049
    "Si Sa Ket": (15.11481, 104.32938),          # G 1606239
    "Ubon Ratchathani": (15.23844, 104.84866),   # G 1605245
    "Buri Ram": (14.99433, 103.10392),           # G 1611453
    "Aranyaprathet": (13.69276, 102.50128),      # G 1621020
    "Poipet": (13.65805, 102.56365),             # G 1830194 (Paoy Paet)
    "Trat": (12.24364, 102.51514),               # G 1605279
    "Pailin": (12.84895, 102.60928),             # G 1830205
    "Chanthaburi": (12.60961, 102.10447),        # G 1611269
    "Battambang": (13.10271, 103.19822),         # G 1831797
    "Sisophon": (13.58588, 102.97369),           # G 1822207
    "Koh Kong": (11.61531, 102.9838),            # G 1830468
    "Sangkha": (14.6362, 103.85278),             # G 1606543
    "Prasat": (14.64039, 103.40447),             # G 1607244
    "Ban Kruat": (14.42313, 103.09974),          # G 1617331
    "Khun Han": (14.61739, 104.42506),           # G 1609688
    "Det Udom": (14.90598, 105.07836),           # G 1610940
    "Ta Phraya": (14.00527, 102.80508),          # G 1605742
    "Khok Sung": (13.83851, 102.62232),          # G 1617816
    "Ou Smach": (14.42479, 103.69571),           # G 11591267
    "Thma Puok": (13.93987, 103.05307),          # G 1823887
    "Svay Chek": (13.80539, 102.96184),          # G 1822003
    "Ou Chrov": (13.63885, 102.58356),           # G 11338555
    "Tbeng Meanchey": (13.80731, 104.98046),     # G 1830098
    "Siem Reap": (13.36179, 103.86056),          # G 1822214
    "Chong Kal": (13.95544, 103.57379),          # G 1831515
    "Buntharik": (14.75639, 105.41147),          # G 1611461
    "Phu Sing": (14.54744, 104.13167),           # G 7510997
    "Khlong Yai": (11.77653, 102.88728),         # G 1609863
    "Lahan Sai": (14.41142, 102.85936),          # G 1609258
    "Non Din Daeng": (14.31353, 102.74814),      # G 7510956
    "Sa Kaeo": (13.81411, 102.07222),            # G 1606807
    "Pursat": (12.53878, 103.9192),              # G 1822768
    "Preah Vihear Province": (dms(13, 47), dms(104, 58)),             # W Preah Vihear Province
    "Ta Muen Thom": (dms(14, 20, 57), dms(103, 15, 59)),              # W Prasat Ta Muen Thom
    "Ta Krabey": (dms(14, 21, 10), dms(103, 22, 24)),                 # W Prasat Ta Krabey
    "Preah Vihear Temple": (dms(14, 23, 35), dms(104, 40, 49)),       # W Preah Vihear Temple
}

# (query, hints, country, admin1, reference, precision)
THEATRE_ONLY = [
    ("Surin", {}, "TH", "Surin", "Surin", "point"),
    ("Surin, Thailand", {}, "TH", "Surin", "Surin", "point"),
    ("SURIN", {}, "TH", "Surin", "Surin", "point"),
    ("Kantharalak", {}, "TH", SSK, "Kantharalak", "point"),
    ("Kantharalak district", {}, "TH", SSK, "Kantharalak", "district"),
    ("Kap Choeng", {}, "TH", "Surin", "Kap Choeng", "point"),
    ("Kab Choeng", {}, "TH", "Surin", "Kap Choeng", "point"),
    ("Kap Choeng district of Surin", {}, "TH", "Surin", "Kap Choeng", "district"),
    ("Phanom Dong Rak", {}, "TH", "Surin", "Phanom Dong Rak", "point"),
    ("Phanom Dongrak", {}, "TH", "Surin", "Phanom Dong Rak", "point"),
    ("Samraong", {}, "KH", OM, "Samraong", "point"),
    ("Samraong, Oddar Meanchey", {}, "KH", OM, "Samraong", "point"),
    ("Samrong", {"country": "KH"}, "KH", OM, "Samraong", "point"),
    ("Anlong Veng", {}, "KH", OM, "Anlong Veng", "point"),
    ("Banteay Ampil", {}, "KH", OM, "Banteay Ampil", "point"),
    ("Si Sa Ket", {}, "TH", SSK, "Si Sa Ket", "point"),
    ("Sisaket", {}, "TH", SSK, "Si Sa Ket", "point"),
    ("Sisaket province", {}, "TH", SSK, None, "province"),
    ("Ubon Ratchathani", {}, "TH", UBN, "Ubon Ratchathani", "point"),
    ("Ubon Ratchathani province", {}, "TH", UBN, None, "province"),
    ("Buriram", {}, "TH", "Buri Ram", "Buri Ram", "point"),
    ("Buriram province", {}, "TH", "Buri Ram", None, "province"),
    ("Aranyaprathet", {}, "TH", "Sa Kaeo", "Aranyaprathet", "point"),
    ("Poipet", {}, "KH", BM, "Poipet", "point"),
    ("Paoy Paet", {}, "KH", BM, "Poipet", "point"),
    ("Trat", {}, "TH", "Trat", "Trat", "point"),
    ("Pailin", {}, "KH", "Pailin", "Pailin", "point"),
    ("Chanthaburi", {}, "TH", "Chanthaburi", "Chanthaburi", "point"),
    ("Battambang", {}, "KH", "Battambang", "Battambang", "point"),
    ("Sisophon", {}, "KH", BM, "Sisophon", "point"),
    ("Serei Saophoan", {}, "KH", BM, "Sisophon", "point"),
    ("Koh Kong", {}, "KH", "Koh Kong", "Koh Kong", "point"),
    ("Sangkha", {}, "TH", "Surin", "Sangkha", "point"),
    ("Prasat, Surin", {}, "TH", "Surin", "Prasat", "point"),
    ("Prasat", {"admin1": "Surin"}, "TH", "Surin", "Prasat", "point"),
    ("Ban Kruat", {}, "TH", "Buri Ram", "Ban Kruat", "point"),
    ("Khun Han", {}, "TH", SSK, "Khun Han", "point"),
    ("Det Udom", {}, "TH", UBN, "Det Udom", "point"),
    ("Ta Phraya", {}, "TH", "Sa Kaeo", "Ta Phraya", "point"),
    ("Khok Sung", {}, "TH", "Sa Kaeo", "Khok Sung", "point"),
    ("Khok Sung district", {}, "TH", "Sa Kaeo", "Khok Sung", "district"),
    ("Ou Smach", {}, "KH", OM, "Ou Smach", "point"),
    ("O'Smach", {}, "KH", OM, "Ou Smach", "point"),
    ("Thma Puok", {}, "KH", BM, "Thma Puok", "point"),
    ("Svay Chek", {}, "KH", BM, "Svay Chek", "point"),
    ("Ou Chrov", {}, "KH", BM, "Ou Chrov", "point"),
    ("Tbeng Meanchey", {}, "KH", PV, "Tbeng Meanchey", "point"),
    ("Siem Reap", {}, "KH", "Siem Reap", "Siem Reap", "point"),
    ("Chong Kal", {}, "KH", OM, "Chong Kal", "point"),
    ("Buntharik", {}, "TH", UBN, "Buntharik", "point"),
    ("Phu Sing", {}, "TH", SSK, "Phu Sing", "point"),
    ("Khlong Yai", {}, "TH", "Trat", "Khlong Yai", "point"),
    ("Lahan Sai", {}, "TH", "Buri Ram", "Lahan Sai", "point"),
    ("Non Din Daeng", {}, "TH", "Buri Ram", "Non Din Daeng", "point"),
    ("Sa Kaeo", {}, "TH", "Sa Kaeo", "Sa Kaeo", "point"),
    ("Pursat", {}, "KH", "Pursat", "Pursat", "point"),
    ("Oddar Meanchey", {}, "KH", OM, None, "province"),
    ("Oddar Meanchey province", {}, "KH", OM, None, "province"),
    ("Otdar Mean Chey", {}, "KH", OM, None, "province"),
    ("Banteay Meanchey", {}, "KH", BM, None, "province"),
    ("Banteay Meanchey province", {}, "KH", BM, None, "province"),
    ("Preah Vihear province", {}, "KH", PV, "Preah Vihear Province", "province"),
    ("Surin province", {}, "TH", "Surin", None, "province"),
    ("Thailand", {}, "TH", None, None, "country"),
    ("Cambodia", {}, "KH", None, None, "country"),
]

WITH_EXAMPLE = [
    ("Ta Muen Thom", {}, "KH", OM, "Ta Muen Thom", "point"),
    ("Prasat Ta Muen Thom", {}, "KH", OM, "Ta Muen Thom", "point"),
    ("Ta Moan Thom", {}, "KH", OM, "Ta Muen Thom", "point"),
    ("Prasat Ta Muen Thom", {"country": "TH"}, "KH", OM, "Ta Muen Thom", "point"),  # claimed by TH
    ("Ta Krabey", {}, "KH", None, "Ta Krabey", "point"),
    ("Ta Kwai", {}, "KH", None, "Ta Krabey", "point"),
    ("Prasat Ta Khwai", {}, "KH", None, "Ta Krabey", "point"),
    ("Preah Vihear Temple", {}, "KH", PV, "Preah Vihear Temple", "point"),
    ("Khao Phra Wihan", {}, "KH", PV, "Preah Vihear Temple", "point"),
    ("Surin", {}, "TH", "Surin", "Surin", "point"),
    ("Oddar Meanchey", {}, "KH", OM, None, "province"),
    ("Ta Muen Thom temple", {}, "KH", OM, "Ta Muen Thom", "point"),
    ("Ta Kwai temple", {}, "KH", None, "Ta Krabey", "point"),
    ("Preah Vihear temple", {}, "KH", PV, "Preah Vihear Temple", "point"),
    ("Kap Choeng hospital", {}, "TH", "Surin", "Kap Choeng", "near"),
]

# (query, hints, error class): names that must not be answered with a place
TRAPS = [
    ("Samrong", {}, AmbiguousError),               # Samraong (KH) or Samrong, Ubon (TH), 165 km apart
    ("Prasat", {}, AmbiguousError),                # Prasat (Surin) or Takeo ("Prasat"), 430 km apart
    ("Ban Phue, Si Sa Ket", {}, HintError),        # the only Ban Phue known is in Udon Thani, 370 km away
    ("Ban Phue", {"admin1": "Si Sa Ket"}, HintError),
    ("Ban Nong Chan", {}, NotFoundError),          # no cited place: not found, not a look-alike far away
    ("Kabul", {}, OutOfScopeError),                # a real place, outside the theatre
    ("Xqzzy Thom", {}, NotFoundError),
    ("Phu Makhua", {}, NotFoundError),             # skeleton of "Pa Mak" (Wang Thong, Phitsanulok), 400 km away
]


def _id(case) -> str:
    return case[0] + ("" if not case[1] else " " + ",".join(f"{k}={v}" for k, v in case[1].items()))


@pytest.fixture(scope="module")
def theatre_only():
    return make_geocoder(countries=("TH", "KH"))


@pytest.fixture(scope="module")
def with_example():
    return make_geocoder(read_layers(EXAMPLE))


def _check(m, country, admin1, ref, precision):
    assert (m.country, m.admin1, m.precision) == (country, admin1, precision), m
    if ref is not None:
        lat, lon = REF[ref]
        tol = POINT_TOL_KM if precision in ("point", "near") else max(POINT_TOL_KM, m.radius_km)
        d = km(lat, lon, m.lat, m.lon)
        assert d <= tol, f"{m.query!r} -> {m.name} at {m.lat:.4f},{m.lon:.4f}: {d:.1f} km from {ref}"


@pytest.mark.parametrize("query, kw, country, admin1, ref, precision", THEATRE_ONLY, ids=[_id(c) for c in THEATRE_ONLY])
def test_theatre_only(theatre_only, query, kw, country, admin1, ref, precision):
    _check(theatre_only.resolve(query, **kw), country, admin1, ref, precision)


def test_a_temple_the_theatre_does_not_know_is_not_its_province(theatre_only):
    with pytest.raises(NotFoundError):
        theatre_only.resolve("Preah Vihear temple")


@pytest.mark.parametrize("query, kw, country, admin1, ref, precision", WITH_EXAMPLE, ids=[_id(c) for c in WITH_EXAMPLE])
def test_with_the_example_gazetteer(with_example, query, kw, country, admin1, ref, precision):
    _check(with_example.resolve(query, **kw), country, admin1, ref, precision)


@pytest.mark.parametrize("query, kw, error", TRAPS, ids=[_id(c) for c in TRAPS])
def test_traps_are_errors_not_places(theatre_only, with_example, query, kw, error):
    for g in (theatre_only, with_example):
        with pytest.raises(error):
            g.resolve(query, **kw)


def test_table_is_big_enough():
    assert len(THEATRE_ONLY) + len(WITH_EXAMPLE) + len(TRAPS) >= 60


def test_chong_bok_and_techo_morakot_are_the_pass_not_a_district_seat(with_example):
    bok, techo = with_example.resolve("Chong Bok"), with_example.resolve("Techo Morakot")
    assert bok.place_id == techo.place_id == "th-chong-bok"
    assert bok.claimed_by == "KH" and bok.claimants() == {"TH", "KH"}
    # Nam Yuen's district seat (W Nam Yuen district, 14°29′21″N 105°0′3″E) is 25 km away: not the pass.
    assert km(bok.lat, bok.lon, dms(14, 29, 21), dms(105, 0, 3)) > 20
    assert bok.radius_km == 10


def test_scope_surin_is_never_afghan_or_pakistani():
    for g in (make_geocoder(countries=("AF", "PK")), make_geocoder()):
        try:
            m = g.resolve("Surin")
        except (NotFoundError, AmbiguousError) as exc:
            assert "Sharana" not in str(exc)
            continue
        assert m.country not in ("AF", "PK")


def test_out_of_scope_names_the_place():
    with pytest.raises(OutOfScopeError) as exc:
        make_geocoder(countries=("AF", "PK")).resolve("Surin")
    assert any("TH" in c for c in exc.value.candidates)


def test_packaged_af_pk_gazetteer_is_not_searched_for_th_kh(theatre_only):
    assert not (theatre_only.curated.places["country"].isin(["AF", "PK"])).any()


def test_result_says_how_it_matched_and_the_runner_up(theatre_only):
    exact = theatre_only.resolve("Kantharalak")
    assert (exact.match, exact.score) == ("exact", 100.0)
    fuzzy = theatre_only.resolve("Kab Choeng")
    assert fuzzy.match in ("skeleton", "fuzzy") and fuzzy.score < 95
    d = theatre_only.resolve("Sisophon").as_dict()
    assert {"match", "score", "runner_up", "claimed_by"} <= set(d)


NAMES = [r for r in REF if r not in ("Preah Vihear Province", "Ta Muen Thom", "Ta Krabey", "Preah Vihear Temple")]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("mangle", ["upper", "hyphen", "suffix", "drop"])
def test_every_answer_is_a_place_carrying_that_name(theatre_only, name, mangle):
    """Property: an exit-0 answer lies within its radius of a place whose name or alias it matched."""
    text = {"upper": name.upper(), "hyphen": name.replace(" ", "-"), "suffix": name + " district",
            "drop": name[:-2] + name[-1] if len(name) > 6 else name}[mangle]
    try:
        m = theatre_only.resolve(text)
    except (NotFoundError, AmbiguousError):
        return
    assert fuzz.ratio(normalise(text), m.matched_name) >= 60
    places = [theatre_only.reference(), theatre_only.curated]
    carriers = [idx.row(h.row) for idx in places for h in idx.exact(m.matched_name)]
    assert carriers, f"{text!r}: no place carries {m.matched_name!r}"
    assert min(km(m.lat, m.lon, float(c["lat"]), float(c["lon"])) for c in carriers) <= m.radius_km
