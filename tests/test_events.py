"""Bulk event imports: ACLED exports and UCDP GED CSVs become sites with claims (geo/events/)."""

import bz2
import csv
import datetime as dt
import gzip
import io
import json
import lzma
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from geo.cli import cli
from geo.errors import LayerError
from geo.events import ACLED_COLUMNS, UCDP_COLUMNS, detect_format, iso2_from_name, iso2_from_numeric, read_events

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ROOT / "layers"

#: A few Durand Line events of 11-12 October 2025 in ACLED's export layout (places and coordinates
#: from the packaged gazetteer; actors and sources as ACLED names them).
ACLED_ROWS = [
    dict(event_id_cnty="PAK1001", event_date="2025-10-11", year="2025", time_precision="1", disorder_type="Political violence",
         event_type="Battles", sub_event_type="Armed clash", actor1="Military Forces of Pakistan (2024-)",
         actor2="Military Forces of Afghanistan (2021-)", interaction="State forces-External/Other forces", civilian_targeting="",
         iso="586", region="Caucasus and Central Asia", country="Pakistan", admin1="Khyber Pakhtunkhwa", admin2="South Waziristan",
         location="Angoor Adda", latitude="32.5156", longitude="69.2825", geo_precision="1", source="Dawn; Radio Pakistan",
         source_scale="National", notes="On 11 October 2025, Afghan forces opened fire on Pakistani posts at Angoor Adda; Pakistani forces returned fire. 3 fatalities.",
         fatalities="3", tags="", timestamp="1760486400"),
    dict(event_id_cnty="PAK1002", event_date="12 October 2025", year="2025", time_precision="1", disorder_type="Political violence",
         event_type="Explosions/Remote violence", sub_event_type="Shelling/artillery/missile attack", actor1="Military Forces of Afghanistan (2021-)",
         actor2="Civilians (Pakistan)", iso="586", country="Pakistan", admin1="Khyber Pakhtunkhwa", admin2="Bajaur", location="Bajaur",
         latitude="34.683", longitude="71.5", geo_precision="2", source="The Express Tribune", source_scale="National",
         notes="Mortar shells fired from Kunar landed in Bajaur district.", fatalities="0", timestamp="1760572800"),
    dict(event_id_cnty="PAK1003", event_date="2025-10-11", year="2025", time_precision="2", disorder_type="Political violence",
         event_type="Battles", sub_event_type="Armed clash", actor1="Military Forces of Pakistan (2024-)", actor2="Military Forces of Afghanistan (2021-)",
         iso="586", country="Pakistan", admin1="Khyber Pakhtunkhwa", admin2="Kurram", location="Parachinar",
         latitude="33.8997", longitude="70.1001", geo_precision="3", source="Geo News", source_scale="National",
         notes="Exchange of fire along the Kurram border; intermittent gunfire reported by residents.", fatalities="5", timestamp="1760486400"),
    dict(event_id_cnty="AFG2001", event_date="2025-10-12", year="2025", time_precision="1", disorder_type="Political violence",
         event_type="Explosions/Remote violence", sub_event_type="Air/drone strike", actor1="Military Forces of Pakistan (2024-)",
         actor2="Civilians (Afghanistan)", civilian_targeting="Civilian targeting", iso="4", country="Afghanistan", admin1="Kandahar",
         admin2="Spin Boldak", location="Spin Boldak", latitude="31.0058", longitude="66.4000", geo_precision="1",
         source="Pajhwok Afghan News; TOLOnews", source_scale="National", notes="Pakistani drone strike in Spin Boldak; 4 civilians killed.",
         fatalities="4", timestamp="1760572800"),
    dict(event_id_cnty="AFG2002", event_date="2025-10-12", year="2025", time_precision="1", disorder_type="Strategic developments",
         event_type="Strategic developments", sub_event_type="Headquarters or base established", actor1="Military Forces of Afghanistan (2021-)",
         iso="4", country="Afghanistan", admin1="Nangarhar", admin2="Momand Dara", location="Torkham", latitude="34.1147",
         longitude="71.0847", geo_precision="1", source="Khaama Press", source_scale="National",
         notes="Afghan forces set up new positions near the Torkham crossing.", fatalities="0", timestamp=""),
    dict(event_id_cnty="PAK1004", event_date="2025-10-12", year="2025", time_precision="1", disorder_type="Political violence",
         event_type="Explosions/Remote violence", sub_event_type="Suicide bomb", actor1="TTP: Tehreek-i-Taliban Pakistan",
         actor2="Police Forces of Pakistan (2024-)", iso="586", country="Pakistan", admin1="Khyber Pakhtunkhwa", admin2="Bajaur",
         location="Khar", latitude="34.7361", longitude="71.5274", geo_precision="1", source="Dawn", source_scale="National",
         notes="", fatalities="2", timestamp="1760572800"),
]

#: The same border in UCDP GED layout (49 columns; dates as the GED CSV writes them).
UCDP_ROWS = [
    dict(id="555001", relid="PAK-2025-1-1", year="2025", active_year="1", code_status="Clear", type_of_violence="1",
         conflict_new_id="15301", conflict_name="Afghanistan - Pakistan", dyad_new_id="17301", dyad_name="Government of Afghanistan - Government of Pakistan",
         side_a="Government of Afghanistan", side_b="Government of Pakistan", number_of_sources="3",
         source_article='"Dawn,2025-10-12,Afghan forces attack border posts"', source_office="Dawn;Reuters", source_date="2025-10-12;2025-10-13",
         source_headline="Afghan forces attack border posts", where_prec="1", where_coordinates="Angoor Adda town",
         where_description="Angoor Adda, South Waziristan", adm_1="Khyber Pakhtunkhwa province", adm_2="South Waziristan district",
         latitude="32.51556", longitude="69.2825", geom_wkt="POINT (69.2825 32.51556)", priogrid_gid="187419", country="Pakistan",
         country_id="770", region="Asia", event_clarity="1", date_prec="1", date_start="2025-10-11 00:00:00.000",
         date_end="2025-10-12 00:00:00.000", deaths_a="7", deaths_b="3", deaths_civilians="2", deaths_unknown="0", best="12", high="15", low="10",
         gwnoa="700", gwnob="770"),
    dict(id="555002", relid="AFG-2025-1-2", year="2025", active_year="1", type_of_violence="1", conflict_name="Afghanistan - Pakistan",
         side_a="Government of Afghanistan", side_b="Government of Pakistan", source_office="Pajhwok", source_date="2025-10-12",
         source_headline="Clashes in Spin Boldak district", where_prec="3", where_coordinates="Spin Boldak district",
         adm_1="Kandahar province", adm_2="Spin Boldak district", latitude="31.00575", longitude="66.40001", country="Afghanistan",
         event_clarity="1", date_prec="1", date_start="2025-10-12", date_end="2025-10-12", deaths_a="2", deaths_b="3",
         deaths_civilians="0", deaths_unknown="0", best="5", high="8", low="5"),
    dict(id="555003", type_of_violence="3", conflict_name="TTP - Civilians", side_a="TTP", side_b="Civilians", where_prec="4",
         where_coordinates="Khyber Pakhtunkhwa province", adm_1="Khyber Pakhtunkhwa province", latitude="34.5", longitude="72.0",
         country="Pakistan", date_prec="2", date_start="2025-10-10", date_end="2025-10-12", deaths_civilians="4", best="4", high="4", low="4"),
    dict(id="555004", type_of_violence="2", side_a="ISKP", side_b="Taliban", where_prec="6", where_coordinates="Afghanistan",
         latitude="33.83", longitude="66.03", country="Afghanistan", date_prec="4", date_start="2025-10-01", date_end="2025-10-31",
         deaths_unknown="6", best="6", high="9", low="6"),
    dict(id="555005", type_of_violence="1", side_a="Government of Pakistan", side_b="TTP", where_prec="5",
         where_coordinates="Kurram and Orakzai", adm_1="Khyber Pakhtunkhwa province", latitude="33.7", longitude="70.6",
         country="Pakistan", date_prec="1", date_start="2025-10-12", date_end="2025-10-12", deaths_a="1", deaths_b="2", best="3", high="3", low="3"),
]


def write_csv(path: Path, columns, rows, *, newline="\n") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), restval="", lineterminator=newline)
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def acled_csv(tmp_path):
    return write_csv(tmp_path / "acled_2025-10.csv", ACLED_COLUMNS, ACLED_ROWS)


@pytest.fixture
def ucdp_csv(tmp_path):
    return write_csv(tmp_path / "GEDEvent_2025.csv", UCDP_COLUMNS, UCDP_ROWS)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# ---------------------------------------------------------------------------------------------- mapping


def test_acled_rows_become_sites_with_their_precision_codes(acled_csv):
    sites, claims, sources, claimants, problems = read_events(acled_csv)
    assert problems == []
    s = sites.set_index("site_id")
    assert list(s.index) == ["acled-PAK1001", "acled-PAK1002", "acled-PAK1003", "acled-AFG2001", "acled-AFG2002", "acled-PAK1004"]
    # geo_precision 1/2/3 -> point/near/province, the ACLED code kept and the UCDP one derived
    assert s.loc["acled-PAK1001", ["precision", "geo_precision", "where_prec", "radius_km"]].tolist() == ["point", 1, 1, 2.0]
    assert s.loc["acled-PAK1002", ["precision", "geo_precision", "where_prec"]].tolist() == ["near", 2, 2]
    assert s.loc["acled-PAK1003", ["precision", "geo_precision", "where_prec", "radius_km"]].tolist() == ["province", 3, 4, 75.0]
    # categories from event_type, refined by sub_event_type
    assert s["category"].to_dict() == {"acled-PAK1001": "clash", "acled-PAK1002": "strike", "acled-PAK1003": "clash",
                                       "acled-AFG2001": "strike", "acled-AFG2002": "deployment", "acled-PAK1004": "blast"}
    # both date layouts of ACLED files; numeric ISO -> alpha-2
    assert s.loc["acled-PAK1001", "event_date"] == dt.date(2025, 10, 11)
    assert s.loc["acled-PAK1002", "event_date"] == dt.date(2025, 10, 12)
    assert s["reported_country"].tolist() == ["PK", "PK", "PK", "AF", "AF", "PK"]
    assert s.loc["acled-AFG2001", "reported_admin1"] == "Kandahar"
    assert s.loc["acled-PAK1001", "name"] == "Angoor Adda"
    assert s.loc["acled-PAK1001", "reported_location"] == "Angoor Adda, South Waziristan, Khyber Pakhtunkhwa, Pakistan"
    assert s.loc["acled-PAK1001", ["lat", "lon"]].tolist() == [32.5156, 69.2825]
    assert s["place"].isna().all()  # never geocoded
    assert s["source_line"].tolist() == [2, 3, 4, 5, 6, 7]
    assert "Armed clash" in s.loc["acled-PAK1001", "notes"] and "time_precision 1" in s.loc["acled-PAK1001", "notes"]
    # the actors have their own column (the map's Actor filter), not a segment of the notes
    assert s.loc["acled-PAK1001", "actors"] == "Military Forces of Pakistan (2024-); Military Forces of Afghanistan (2021-)"
    assert "Military Forces" not in s.loc["acled-PAK1001", "notes"]
    # one fatality claim per event, attributed to ACLED with its sources
    c = claims.set_index("site_id")
    assert c.loc["acled-PAK1003", "best"] == 5 and np.isnan(c.loc["acled-PAK1003", "low"]) and np.isnan(c.loc["acled-PAK1003", "high"])
    assert set(c["claimant_id"]) == {"acled"} and set(c["quantity"]) == {"killed"}
    assert c.loc["acled-PAK1001", "statement"].startswith("On 11 October 2025, Afghan forces")
    assert c.loc["acled-PAK1004", "statement"] == "ACLED codes this event as Explosions/Remote violence / Suicide bomb at Khar"
    assert c.loc["acled-PAK1001", "claim_date"] == dt.date(2025, 10, 15)  # ACLED's timestamp
    assert c.loc["acled-AFG2002", "claim_date"] == dt.date(2025, 10, 12)  # no timestamp: the event date
    src = sources.set_index("source_id")
    assert src.loc["acled-AFG2001", "outlet"] == "ACLED: Pajhwok Afghan News; TOLOnews"
    assert claimants["name"].tolist() == ["ACLED"]


def test_ucdp_rows_keep_where_prec_and_low_best_high(ucdp_csv):
    sites, claims, sources, claimants, problems = read_events(ucdp_csv)
    assert problems == []
    s = sites.set_index("site_id")
    prec = s[["precision", "where_prec", "geo_precision"]].apply(tuple, axis=1).to_dict()
    assert prec == {
        "ucdp-555001": ("point", 1, 1),
        "ucdp-555002": ("district", 3, 2),
        "ucdp-555003": ("province", 4, 3),
        "ucdp-555004": ("country", 6, 3),
        "ucdp-555005": ("province", 5, 3),  # UCDP's own code stays 5
    }
    assert s.loc["ucdp-555004", "radius_km"] == 500.0
    assert s["category"].tolist() == ["clash", "clash", "other", "clash", "clash"]
    assert s.loc["ucdp-555001", "event_date"] == dt.date(2025, 10, 11)  # date_start, time part dropped
    assert s["reported_country"].tolist() == ["PK", "AF", "PK", "AF", "PK"]
    assert s.loc["ucdp-555001", "name"] == "Angoor Adda town"
    assert s.loc["ucdp-555001", "reported_location"] == "Angoor Adda, South Waziristan"
    assert s.loc["ucdp-555002", "reported_location"] == "Spin Boldak district, Spin Boldak district, Kandahar province, Afghanistan"
    assert "2025-10-11 to 2025-10-12 (date_prec 1)" in s.loc["ucdp-555001", "notes"]
    assert s.loc["ucdp-555001", "actors"] == "Government of Afghanistan; Government of Pakistan"
    assert s.loc["ucdp-555004", "actors"] == "ISKP; Taliban"
    c = claims.set_index("site_id")
    assert c.loc["ucdp-555001", ["low", "best", "high"]].tolist() == [10, 12, 15]
    assert c.loc["ucdp-555002", ["low", "best", "high"]].tolist() == [5, 5, 8]
    assert c.loc["ucdp-555001", "statement"] == (
        "UCDP GED best estimate 12 deaths: of which side A (Government of Afghanistan) 7, side B (Government of Pakistan) 3, civilians 2, unknown 0.")
    assert c.loc["ucdp-555001", "claim_date"] == dt.date(2025, 10, 12)  # first source date
    assert c.loc["ucdp-555004", "claim_date"] == dt.date(2025, 10, 31)  # no source date: date_end
    assert set(c["claimant_id"]) == {"ucdp-ged"} and claimants["name"].tolist() == ["UCDP GED"]
    assert sources.set_index("source_id").loc["ucdp-555001", "outlet"] == "UCDP GED: Dawn;Reuters"


def test_country_codes():
    import pandas as pd

    assert list(iso2_from_numeric(pd.Series(["4", "586", "364", "", "999"], dtype=object))) == ["AF", "PK", "IR", None, None]
    names = pd.Series(["Afghanistan", "Pakistan", "Myanmar (Burma)", "DR Congo (Zaire)", "Russia (Soviet Union)", "Atlantis"], dtype=object)
    assert list(iso2_from_name(names)) == ["AF", "PK", "MM", "CD", "RU", None]


# ---------------------------------------------------------------------------------------------- formats


def test_format_is_detected_from_the_header(acled_csv, ucdp_csv, tmp_path):
    assert detect_format(list(ACLED_COLUMNS)) == "acled"
    assert detect_format(list(UCDP_COLUMNS)) == "ucdp"
    assert detect_format(["site_id", "name", "lat", "lon"]) is None
    assert read_events(acled_csv, "acled").claimants["claimant_id"].tolist() == ["acled"]
    # an older ACLED export with inter1/inter2 and without the 2023 columns still reads
    old_cols = [c for c in ACLED_COLUMNS if c not in ("disorder_type", "civilian_targeting", "tags")] + ["inter1", "inter2"]
    rows = [{k: v for k, v in r.items() if k in old_cols} for r in ACLED_ROWS[:2]]
    old = write_csv(tmp_path / "old.csv", old_cols, rows)
    assert len(read_events(old).sites) == 2


def test_wrong_format_or_unknown_header_is_reported(acled_csv, tmp_path):
    with pytest.raises(LayerError) as exc:
        read_events(acled_csv, "ucdp")
    cols = {p.column for p in exc.value.problems}
    assert {"id", "date_start", "type_of_violence", "where_prec", "best"} <= cols
    assert all(p.line == 1 for p in exc.value.problems)
    other = tmp_path / "sites.csv"
    other.write_text("site_id,name\nx,y\n", encoding="utf-8")
    with pytest.raises(LayerError, match="not an ACLED export or a UCDP GED CSV"):
        read_events(other)
    with pytest.raises(LayerError, match="events file not found"):
        read_events(tmp_path / "nope.csv")


def test_crlf_and_bom_files_read_the_same(tmp_path):
    path = write_csv(tmp_path / "a.csv", ACLED_COLUMNS, ACLED_ROWS, newline="\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    sites = read_events(path).sites
    assert len(sites) == 6 and sites["source_line"].tolist() == [2, 3, 4, 5, 6, 7]



# ---------------------------------------------------------------------------------------------- compressed files


@pytest.mark.parametrize("name", ["acled.csv.gz", "acled_export.csv"])  # gzip by its magic bytes, whatever the name
def test_a_gzipped_csv_reads_like_the_plain_file(acled_csv, tmp_path, name):
    rows = [dict(r) for r in ACLED_ROWS]
    rows[2]["notes"] = "Two lines\nof notes"  # records after it start a line later
    plain = write_csv(tmp_path / "plain.csv", ACLED_COLUMNS, rows)
    packed = tmp_path / name
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    want, got = read_events(plain), read_events(packed)
    assert got.sites["source_line"].tolist() == [2, 3, 4, 6, 7, 8]
    assert set(got.sites["source_file"]) == {str(packed)}
    for a, b in zip(want[:3], got[:3]):
        assert a.drop(columns="source_file").equals(b.drop(columns="source_file"))


def test_a_bad_row_in_a_gzipped_csv_names_its_line(tmp_path):
    rows = [dict(r) for r in ACLED_ROWS]
    rows[3]["latitude"] = "north"
    path = tmp_path / "acled.csv.gz"
    path.write_bytes(gzip.compress(write_csv(tmp_path / "a.csv", ACLED_COLUMNS, rows).read_bytes()))
    with pytest.raises(LayerError) as exc:
        read_events(path)
    assert [str(p) for p in exc.value.problems] == [f"{path}:5: latitude: 'north': not a number"]


def _zipped(raw: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("acled.csv", raw)
    return buffer.getvalue()


@pytest.mark.parametrize("name, pack, what, todo", [
    ("acled.zip", _zipped, "a zip archive", "unzip it and pass the CSV inside"),
    ("acled.csv.bz2", bz2.compress, "bzip2-compressed", "decompress it (bunzip2) or compress it with gzip instead"),
    ("acled.csv.xz", lzma.compress, "xz-compressed", "decompress it (unxz) or compress it with gzip instead"),
    ("acled.csv", lambda raw: b"\x28\xb5\x2f\xfd" + raw, "zstd-compressed", "decompress it (unzstd) or compress it with gzip instead"),
])
def test_other_compressed_files_are_refused_saying_what_to_do(acled_csv, tmp_path, name, pack, what, todo):
    path = tmp_path / name
    path.write_bytes(pack(acled_csv.read_bytes()))
    with pytest.raises(LayerError) as exc:
        read_events(path)
    assert str(exc.value) == f"{path}: {what}, not CSV text: {todo} (a gzipped CSV, .csv.gz, is read as it is)"
    res = run("check", "--layers", LAYERS, "--events", path)
    assert res.exit_code == 2 and f"{path}: {what}, not CSV text" in res.stderr and "Traceback" not in res.output


def test_a_truncated_gzip_file_is_an_error_not_a_traceback(acled_csv, tmp_path):
    path = tmp_path / "acled.csv.gz"
    path.write_bytes(gzip.compress(acled_csv.read_bytes())[:200])
    with pytest.raises(LayerError, match=r"acled\.csv\.gz: cannot decompress the gzip file \(.*\): check that it is complete"):
        read_events(path)


# ---------------------------------------------------------------------------------------------- long cells


@pytest.mark.parametrize("column", ["notes", "tags"])  # a column the import uses, and one it ignores
def test_a_cell_longer_than_20000_characters_is_a_row_error(tmp_path, column):
    rows = [dict(r) for r in ACLED_ROWS]
    rows[1][column] = "x" * 50_000    # line 3
    rows[2][column] = "é" * 20_000    # line 4: at the cap (40,000 bytes), accepted
    path = write_csv(tmp_path / "long.csv", ACLED_COLUMNS, rows)
    with pytest.raises(LayerError) as exc:
        read_events(path)
    assert [str(p) for p in exc.value.problems] == [
        f"{path}:3: {column}: text of 50,000 characters: longer than the 20,000 a cell may hold"]
    kept = read_events(path, skip_invalid=True).sites
    assert "acled-PAK1002" not in set(kept["site_id"]) and len(kept) == 5


def test_a_long_cell_in_parquet_names_its_row(tmp_path):
    import pandas as pd

    rows = [dict(r) for r in UCDP_ROWS]
    rows[3]["source_original"] = "y" * 20_001
    path = tmp_path / "ged.parquet"
    pd.DataFrame([{c: r.get(c, "") for c in UCDP_COLUMNS} for r in rows]).to_parquet(path)
    with pytest.raises(LayerError) as exc:
        read_events(path)
    assert [str(p) for p in exc.value.problems] == [
        f"{path}:4: source_original: text of 20,001 characters: longer than the 20,000 a cell may hold"]


def test_a_timestamp_no_date_can_hold_is_a_row_error(tmp_path):
    rows = [dict(r) for r in ACLED_ROWS]
    rows[0]["timestamp"] = "1e20"
    rows[1]["timestamp"] = "253402300799"  # 9999-12-31 23:59:59, the last day a date can hold
    path = write_csv(tmp_path / "ts.csv", ACLED_COLUMNS, rows)
    with pytest.raises(LayerError) as exc:
        read_events(path)
    assert [str(p) for p in exc.value.problems] == [f"{path}:2: timestamp: '1e20': not a Unix timestamp"]
    claims = read_events(path, skip_invalid=True).claims.set_index("site_id")
    assert claims.loc["acled-PAK1002", "claim_date"] == dt.date(9999, 12, 31)


# ---------------------------------------------------------------------------------------------- bad rows


def _bad_acled(tmp_path) -> Path:
    rows = [dict(r) for r in ACLED_ROWS]
    rows[1]["latitude"] = ""                      # line 3
    rows[2]["longitude"] = "70.1.3"               # line 4
    rows[3]["event_date"] = "2025-13-45"          # line 5
    rows[4]["event_id_cnty"] = "PAK1001"          # line 6: duplicate of line 2
    rows[5]["geo_precision"] = "4"                # line 7
    rows.append(dict(ACLED_ROWS[0], event_id_cnty="PAK1009", latitude="95.2", fatalities="-1"))  # line 8
    rows.append(dict(ACLED_ROWS[0], event_id_cnty="PAK1010", notes="Two lines\nof notes"))       # lines 9-10
    rows.append(dict(ACLED_ROWS[0], event_id_cnty="PAK1011", fatalities="lots"))                 # line 11
    return write_csv(tmp_path / "bad.csv", ACLED_COLUMNS, rows)


def test_every_bad_row_is_reported_with_line_and_column(tmp_path):
    path = _bad_acled(tmp_path)
    with pytest.raises(LayerError) as exc:
        read_events(path)
    got = [(p.line, p.column) for p in exc.value.problems]
    assert got == [(3, "latitude"), (4, "longitude"), (5, "event_date"), (6, "event_id_cnty"), (7, "geo_precision"),
                   (8, "latitude"), (8, "fatalities"), (11, "fatalities")]
    msgs = {(p.line, p.column): p.message for p in exc.value.problems}
    assert "missing coordinate" in msgs[(3, "latitude")]
    assert msgs[(4, "longitude")] == "'70.1.3': not a number"
    assert msgs[(6, "event_id_cnty")] == "duplicate id 'PAK1001' (first used on line 2)"
    assert "'95.2'" in msgs[(8, "latitude")] and "'-1'" in msgs[(8, "fatalities")]
    assert all(p.path == str(path) for p in exc.value.problems)
    assert str(exc.value.problems[0]) == f"{path}:3: latitude: missing coordinate (imported events are never geocoded)"


def test_skip_invalid_keeps_the_good_rows(tmp_path):
    path = _bad_acled(tmp_path)
    sites, claims, sources, claimants, problems = read_events(path, skip_invalid=True)
    assert sites["site_id"].tolist() == ["acled-PAK1001", "acled-PAK1010"]
    assert sites["source_line"].tolist() == [2, 9]  # the record with a quoted newline starts on line 9
    assert claims["site_id"].tolist() == sources["source_id"].tolist() == ["acled-PAK1001", "acled-PAK1010"]
    assert len(problems) == 8



@pytest.mark.parametrize("distinct", [False, True])
def test_a_cell_of_spaces_is_blank_however_many_values_the_column_has(tmp_path, distinct):
    rows = [dict(ACLED_ROWS[0], event_id_cnty=f"PAK{i}", latitude=f"32.{i:03d}" if distinct else "32.5") for i in range(40)]
    rows[5]["latitude"] = "   "     # line 7
    rows[9]["fatalities"] = " "     # line 11
    path = write_csv(tmp_path / "spaces.csv", ACLED_COLUMNS, rows)
    with pytest.raises(LayerError) as exc:
        read_events(path)
    assert [str(p) for p in exc.value.problems] == [
        f"{path}:7: latitude: missing coordinate (imported events are never geocoded)",
        f"{path}:11: fatalities: missing figure (use 0 when none were reported)"]


def test_ucdp_bad_rows(tmp_path):
    rows = [dict(r) for r in UCDP_ROWS]
    rows[0]["low"] = "20"                      # above best
    rows[1]["type_of_violence"] = "4"
    rows[2]["date_end"] = "2025-10-01"         # before date_start
    rows[3]["where_prec"] = "8"
    rows[4]["best"] = ""
    path = write_csv(tmp_path / "ged.csv", UCDP_COLUMNS, rows)
    with pytest.raises(LayerError) as exc:
        read_events(path)
    assert [(p.line, p.column) for p in exc.value.problems] == [(2, "low"), (3, "type_of_violence"), (4, "date_end"), (5, "where_prec"), (6, "best")]


def test_a_row_with_too_many_fields_is_reported(tmp_path):
    path = write_csv(tmp_path / "a.csv", ACLED_COLUMNS, ACLED_ROWS[:2])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(",".join(["PAK1099", "2025-10-12"] + ["x"] * 29) + "\n")
    with pytest.raises(LayerError) as exc:
        read_events(path)
    assert [p.line for p in exc.value.problems] == [4] and "expected 29 fields, saw 31" in exc.value.problems[0].message
    assert len(read_events(path, skip_invalid=True).sites) == 2


# ---------------------------------------------------------------------------------------------- pipeline and CLI


def test_check_json_lists_events_under_sites(acled_csv, ucdp_csv):
    res = run("check", "--json", "--layers", LAYERS, "--events", acled_csv, "--events", ucdp_csv)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    sites = {s["site_id"]: s for s in doc["sites"]}
    assert "angoor-adda" in sites and len(sites) == 9 + len(ACLED_ROWS) + len(UCDP_ROWS)
    ev = sites["acled-PAK1001"]
    assert set(ev) == set(sites["angoor-adda"])  # the same fields as any site
    assert ev["precision"] == "point" and ev["geo_precision"] == 1 and ev["country"] == "PK"
    assert ev["side"] == sites["angoor-adda"]["side"] == "uncertain"  # on the line, like the layer's own Angoor Adda
    assert sites["acled-PAK1004"]["side"] == "PK" and sites["acled-PAK1004"]["distance_km"] > 10
    assert ev["event_date"] == "2025-10-11" and ev["source_line"] == "acled_2025-10.csv:2"
    assert ev["geocode_source"].startswith("ACLED coordinates")
    assert sites["acled-AFG2001"]["country"] == "AF" and sites["acled-AFG2001"]["reported_country"] == "AF"
    u = sites["ucdp-555005"]
    assert (u["precision"], u["where_prec"], u["geo_precision"], u["radius_km"]) == ("province", 5, 3, 75.0)
    assert sites["ucdp-555004"]["side"] == "uncertain"  # a country-wide event cannot be put on a side
    assert "area_location" in {f["code"] for f in sites["ucdp-555004"]["flags"]}


def test_build_with_events_puts_them_on_the_map(acled_csv, tmp_path):
    out = tmp_path / "maps"
    res = run("build", "-q", "--layers", LAYERS, "--out", out, "--events", acled_csv)
    assert res.exit_code == 0, res.output
    gj = json.loads((out / "sites.geojson").read_text(encoding="utf-8"))
    ids = {f["properties"]["site_id"] for f in gj["features"]}
    assert {"acled-PAK1001", "acled-AFG2001", "bajaur"} <= ids
    claims = json.loads((out / "claims.geojson").read_text(encoding="utf-8"))
    ev = [f["properties"] for f in claims["features"] if f["properties"]["site_id"] == "acled-PAK1003"]
    assert len(ev) == 1 and ev[0]["claimant"] == "ACLED" and ev[0]["best"] == 5
    html = (out / "offline.html").read_text(encoding="utf-8")
    assert "Angoor Adda" in html and "ACLED: Dawn; Radio Pakistan" in html


def test_cli_exit_codes_and_warnings(tmp_path):
    bad = _bad_acled(tmp_path)
    res = run("check", "--json", "--layers", LAYERS, "--events", bad)
    assert res.exit_code == 2 and res.stdout == ""
    assert f"error: {bad}:3: latitude: missing coordinate" in res.stderr
    assert f"error: {bad}:6: event_id_cnty: duplicate id 'PAK1001' (first used on line 2)" in res.stderr
    res = run("check", "--json", "--layers", LAYERS, "--events", bad, "--skip-invalid")
    assert res.exit_code == 0, res.output
    assert f"warning: {bad}:7: geo_precision: '4': unknown precision code (one of 1, 2, 3)" in res.stderr
    assert "skipped 7 invalid row(s); kept 2 event(s)" in res.stderr
    ids = [s["site_id"] for s in json.loads(res.stdout)["sites"] if s["site_id"].startswith("acled-")]
    assert ids == ["acled-PAK1001", "acled-PAK1010"]
    # a UCDP file forced to be read as ACLED: usage of the wrong format is an input error too
    ged = write_csv(tmp_path / "ged.csv", UCDP_COLUMNS, UCDP_ROWS)
    res = run("check", "--layers", LAYERS, "--events", ged, "--events-format", "acled")
    assert res.exit_code == 2 and "event_id_cnty: required ACLED column is missing" in res.stderr
    res = run("build", "--layers", LAYERS, "--out", tmp_path / "m", "--events", bad)
    assert res.exit_code == 2 and not (tmp_path / "m").exists()


def test_event_ids_that_clash_with_layer_sites_are_reported(tmp_path):
    layers = tmp_path / "layers"
    layers.mkdir()
    for p in LAYERS.iterdir():
        if p.is_file():
            (layers / p.name).write_bytes(p.read_bytes())
    sites = (layers / "sites.csv").read_text(encoding="utf-8")
    (layers / "sites.csv").write_text(sites + "acled-PAK1001,Angoor Adda,Angoor Adda,Angoor Adda,PK,,clash,2025-10-11,,,,,aj-2025-10-12,\n",
                                      encoding="utf-8")
    path = write_csv(tmp_path / "a.csv", ACLED_COLUMNS, ACLED_ROWS[:1])
    res = run("check", "--json", "--layers", layers, "--events", path)
    assert res.exit_code == 2 and "site_id 'acled-PAK1001' is already used" in res.stderr


def test_generator_output_reads_cleanly(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_events", ROOT / "bench" / "make_events.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    df = mod.make_events(500, seed=3)
    path = tmp_path / "gen.csv"
    df.to_csv(path, index=False)
    sites, claims, _, _, problems = read_events(path)
    assert problems == [] and len(sites) == 500
    assert set(sites["reported_country"]) == {"AF", "PK"}
    assert sites["event_date"].map(lambda d: d.year).eq(2025).all()
    assert (claims["best"] >= 0).all()


@pytest.mark.parametrize("raw", [
    b"a,b\n1,2\n", b"\xef\xbb\xbfa,b\n1,2\n", b"a,b\r\n1,2\r\n3,4", b'a,b\n"x\ny",2\n', b"a,b\n\n1,2\n\n3,4\n",
    b'a,b\nab"c,2\n', b'a,b\n"a""b",2\n', b"a,b\n", b"a,b\n 1 , 2 \n", b'a,b\n,\n\n"",""\n', b"a, b\n1,2\n",
    b"a,b\nNA,null\n", b"a,b\n\xc3\xa9,\xe2\x80\x99\n", b"a,b\r\n\r\n1,2\r\n",
])
def test_arrow_csv_reader_gives_the_cells_pandas_gives(raw):
    """The fast CSV path (Arrow) gives the same text cells as pandas' reader for the files it takes."""
    import pandas as pd

    from geo.events._files import _parse_regular_csv

    expected = pd.read_csv(io.BytesIO(raw), dtype=object, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
    fast = _parse_regular_csv(raw)
    assert fast is not None
    assert fast.to_dict("list") == expected.to_dict("list")
    assert list(fast.columns) == list(expected.columns)


@pytest.mark.parametrize("raw", [b"a,b\n1,2,3\n", b"a,b\n1\n", b"a,b\n\xff,2\n", b'a,b\n"x,2\n', b"a,,c\n1,2,3\n", b'"a",b\n1,2\n'])
def test_arrow_csv_reader_leaves_irregular_files_to_pandas(raw):
    """Files with bad records, bad text or unusual column names go to pandas, which reports them."""
    from geo.events._files import _parse_regular_csv

    assert _parse_regular_csv(raw) is None
