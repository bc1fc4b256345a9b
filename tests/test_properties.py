"""Property tests: whatever text a hand-edited layer holds, the readers answer with data or our own error.

The contract checked here: malformed input never escapes as a raw exception; every problem
names the file it is about; valid free text survives reading unchanged; the geocoder answers
any string with a Match, NotFoundError or AmbiguousError.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from click.testing import CliRunner
from hypothesis import strategies as st

from geo.cli import cli
from geo.errors import AmbiguousError, LayerError, NotFoundError
from geo.geocode import Match
from geo.layers import MAX_FIELD, Theatre, read_table, read_theatre
from geo.schema import SCHEMAS, all_columns, required_columns

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
KINDS = ["sites", "claims", "sources", "figures", "gazetteer", "claimants"]
_counter = itertools.count()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("props")


def _fresh(workdir: Path, name: str) -> Path:
    """A new file path per example (hypothesis runs many examples in one test call)."""
    d = workdir / f"ex{next(_counter)}"
    d.mkdir()
    return d / name


def _assert_layer_error_names(exc: LayerError, path: Path) -> None:
    assert exc.problems, "a LayerError without problems"
    for p in exc.problems:
        assert p.path == str(path), p
        assert p.line is None or (isinstance(p.line, int) and p.line >= 1), p
        assert p.message.strip(), p
        assert str(p).startswith(str(path))


# --- (a) malformed CSV -------------------------------------------------------------------------

HOSTILE_BITS = ['"', '""', ",", "\n", "\r", "\r\n", "\x00", "\ufeff", " ", "\t", "'", "\\", "=1+1", "\u2028", "\x85",
                "é", "کابل", "😀", "nan", "inf", "-1", "1e400", "2025-02-30", "2025-10-11"]
cell_text = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(HOSTILE_BITS), max_size=6).map("".join),
    st.sampled_from(["", "x1", "clash", "2025-10-11", "34.5", "70.1", "AF", "PK", "point", "area", "km", "killed", "s"]),
)


@st.composite
def header_cells(draw, kind: str) -> list[str]:
    model = SCHEMAS[kind]
    choice = draw(st.sampled_from(["required", "all", "random", "mixed"]))
    if choice == "required":
        cols = required_columns(model)
    elif choice == "all":
        cols = all_columns(model)
    elif choice == "random":
        cols = draw(st.lists(cell_text, min_size=1, max_size=8))
    else:
        cols = draw(st.lists(st.sampled_from(all_columns(model)) | cell_text, min_size=1, max_size=16))
    cols = list(cols)
    if cols and draw(st.booleans()):
        cols = draw(st.permutations(cols))
    if cols and draw(st.booleans()):
        del cols[draw(st.integers(0, len(cols) - 1))]
    return cols


def _join_row(cells: list[str], quote: str) -> str:
    """One CSV record: every cell quoted, none, or only those that need it (as spreadsheets write them).

    (Python's csv.writer quotes a lone CR only when the line terminator contains one.)
    """
    def q(c: str) -> str:
        if quote == "all" or (quote == "minimal" and any(ch in c for ch in ',"\r\n')):
            return '"' + c.replace('"', '""') + '"'
        return c
    return ",".join(q(c) for c in cells)


#: Values that parse as something but may not mean anything: numbers, dates, text with hidden bytes.
ODD_VALUES = ["inf", "-inf", "nan", "NaN", "Infinity", "1e400", "-1e400", "1e-400", "-0", "0", "-1", "1_000", "0x10", " 5 ",
              "2025-02-30", "2025-02-29", "0001-01-01", "9999-12-31", "2025-10-11T10:00", "20251011", "1700000000",
              "a\x00b", "\x00", "\u00a0", "\u2028", "\x1c", "\ufeff", "javascript:alert(1)", "https://x.org/a b", "a|b|", "|"]

#: One valid row per kind: mutating a few of its cells reaches the row validators, not only the header checks.
VALID_ROWS = {
    "sites": {"site_id": "s1", "name": "N", "place": "", "reported_location": "R", "reported_country": "PK",
              "reported_admin1": "", "category": "clash", "event_date": "2025-10-11", "lat": "34.5", "lon": "70.1",
              "radius_km": "2", "precision": "point", "source_ids": "src", "notes": ""},
    "claims": {"claim_id": "c1", "site_id": "s1", "claimant_id": "pk", "speaker": "", "claim_date": "2025-10-12",
               "quantity": "killed", "subject": "", "low": "1", "best": "2", "high": "3", "unit": "", "statement": "S",
               "quote": "", "source_id": "src"},
    "sources": {"source_id": "src", "outlet": "O", "title": "T", "published": "2025-10-12", "url": "https://example.org/a",
                "seed": "", "notes": ""},
    "figures": {"figure_id": "f1", "quantity": "border_length", "value": "2640", "unit": "km", "source_id": "src",
                "statement": ""},
    "gazetteer": {"place_id": "g1", "name": "N", "alt_names": "A|B", "country": "PK", "admin1": "", "admin2": "",
                  "kind": "point", "feature": "town", "lat": "34.5", "lon": "70.1", "radius_km": "2", "area_km2": "",
                  "source": "S", "source_ref": "", "notes": ""},
    "claimants": {"claimant_id": "pk", "name": "N", "country": "PK", "description": ""},
}


@st.composite
def csv_bytes(draw, kind: str) -> bytes:
    mode = draw(st.sampled_from(["structured", "structured", "mutated", "mutated", "text", "binary"]))
    if mode == "binary":
        return draw(st.binary(max_size=300))
    nl = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quote = draw(st.sampled_from(["minimal", "all", "none"]))
    if mode == "text":
        text = draw(st.text(max_size=300))
    elif mode == "mutated":
        header = draw(st.permutations(list(VALID_ROWS[kind])))
        lines = [_join_row(header, quote)]
        for i in range(draw(st.integers(1, 3))):
            row = dict(VALID_ROWS[kind])
            row[header[0]] = f"{row[header[0]]}{i}" if header[0].endswith("_id") else row[header[0]]
            for col in draw(st.lists(st.sampled_from(header), max_size=3, unique=True)):
                row[col] = draw(st.sampled_from(ODD_VALUES) | cell_text)
            lines.append(_join_row([row[c] for c in header], quote))
        text = nl.join(lines) + nl
    else:
        header = draw(header_cells(kind))
        lines = [_join_row(header, quote)]
        n_rows = draw(st.integers(0, 4))
        for _ in range(n_rows):
            n = draw(st.sampled_from([len(header), len(header), max(0, len(header) - 1), len(header) + 1, 0]))
            cells = draw(st.lists(cell_text, min_size=n, max_size=n))
            lines.append(_join_row(cells, quote))
        if draw(st.integers(0, 9)) == 0:  # a field over the csv module's limit, quoted or not
            big = "x" * (MAX_FIELD + draw(st.integers(1, 10)))
            lines.append(_join_row([big] * max(1, len(header)), quote))
        text = nl.join(lines) + draw(st.sampled_from(["", nl, nl + nl, '"']))
    if draw(st.booleans()):
        text = "\ufeff" + text
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8", "utf-16", "utf-16-le", "latin-1"]))
    return text.encode(encoding, errors="replace")


@SETTINGS
@given(data=st.data(), kind=st.sampled_from(KINDS))
def test_malformed_csv_gives_a_frame_or_a_layer_error(workdir, data, kind):
    _check_read_table(workdir, data.draw(csv_bytes(kind)), kind)


def _check_read_table(workdir: Path, raw: bytes, kind: str) -> None:
    path = _fresh(workdir, f"{kind}.csv")
    path.write_bytes(raw)
    try:
        df = read_table(path, kind, id_column=all_columns(SCHEMAS[kind])[0])
    except LayerError as exc:
        _assert_layer_error_names(exc, path)
        return
    _assert_clean_frame(df, path, kind)


def _assert_clean_frame(df, path: Path, kind: str) -> None:
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == all_columns(SCHEMAS[kind]) + ["source_file", "source_line"]
    assert (df["source_file"] == str(path)).all()
    assert all(isinstance(n, int) and n >= 2 for n in df["source_line"])
    # What is accepted is usable downstream: finite numbers, text without NUL (GDAL cuts strings there).
    for value in df.drop(columns=["source_file", "source_line"]).to_numpy().ravel():
        if isinstance(value, float):
            assert math.isfinite(value), df.to_dict("records")
        elif isinstance(value, str):
            assert "\x00" not in value and value == value.strip() and value, df.to_dict("records")


@pytest.mark.parametrize("raw", [
    b"", b"\xff\xfe", b"\xef\xbb\xbf", b"\n\n\n", b'"', b'""\n""', b"\x00\x00\x00\x00", b"\r", b"\r\r\n",
    "site_id,name\n".encode("utf-16"), "site_id,name,reported_location,category,event_date,source_ids\n".encode("utf-16-le"),
    b"site_id,name,reported_location,category,event_date,source_ids\n" + b"a," * 7 + b"\n",
    b"site_id,site_id,name\n", b'site_id,"name\n', b"\xed\xa0\x80",  # CESU-8 surrogate
])
def test_malformed_csv_examples(workdir, raw):
    _check_read_table(workdir, raw, "sites")


KIND_COLUMNS = [(kind, col) for kind, row in VALID_ROWS.items() for col in row]


@SETTINGS
@given(kind_col=st.sampled_from(KIND_COLUMNS), value=st.sampled_from(ODD_VALUES) | cell_text, quote=st.sampled_from(["minimal", "all"]))
# Found by this test: infinite figures were accepted (and crashed the build), NUL bytes were kept (and cut text short).
@example(kind_col=("figures", "value"), value="inf", quote="minimal")
@example(kind_col=("claims", "best"), value="1e400", quote="minimal")
@example(kind_col=("gazetteer", "radius_km"), value="nan", quote="all")
@example(kind_col=("sites", "notes"), value="a\x00b", quote="all")
@example(kind_col=("claims", "high"), value="0", quote="minimal")
def test_one_odd_cell_in_a_valid_row(workdir, kind_col, value, quote):
    """A valid row with one cell replaced: accepted as clean data, or rejected naming line 2 (and that column)."""
    kind, col = kind_col
    row = dict(VALID_ROWS[kind])
    row[col] = value
    path = _fresh(workdir, f"{kind}.csv")
    path.write_bytes((_join_row(list(row), quote) + "\n" + _join_row(list(row.values()), quote) + "\n").encode("utf-8"))
    try:
        df = read_table(path, kind)
    except LayerError as exc:
        _assert_layer_error_names(exc, path)
        for p in exc.problems:
            # The header, the row, or a line a quoted newline in the value ran on to.
            assert 1 <= p.line <= 2 + len(re.findall(r"\r\n|\r|\n", value)), p
            # A broken order (low <= best <= high) is reported on the column where it breaks.
            assert p.column in (None, col) or p.line == 1 or {col, p.column} <= {"low", "best", "high"}, p
        return
    _assert_clean_frame(df, path, kind)


# --- (b) free text survives ---------------------------------------------------------------------

PAYLOADS = ['<img src=x onerror="alert(1)">', "</script><script>alert(1)</script>", "`${alert(1)}`", "${x}", "{{ 7*7 }}",
            "=HYPERLINK(\"http://evil\")", "+1", "@SUM(A1)", "'; DROP TABLE sites; --", "a,b", 'say "hi"', "line\nbreak",
            "cr\rlf\r\n", "\\", "&amp;", "\u202eevil", "\u200b", "نړۍ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "😀👍🏽", "\ufeffbom", "café", "e\u0301"]
# Any character but NUL (rejected: tools cut text at it) and lone surrogates (not encodable as UTF-8).
any_char = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
free_text = st.lists(st.one_of(st.text(any_char, min_size=1, max_size=40), st.sampled_from(PAYLOADS)), min_size=1, max_size=5).map("".join)
# Cells are stripped on reading; text that is already stripped must come back as written.
stripped_text = free_text.map(str.strip).filter(bool)

FREE = {
    "sites": ({"site_id": "s1", "name": None, "reported_location": None, "category": "clash", "event_date": "2025-10-11",
               "source_ids": "src", "notes": None, "place": None}, ["name", "reported_location", "notes", "place"]),
    "claims": ({"claim_id": "c1", "claimant_id": "pk", "claim_date": "2025-10-12", "quantity": "killed", "statement": None,
                "speaker": None, "subject": None, "unit": None, "source_id": "src"}, ["statement", "speaker", "subject", "unit"]),
    "sources": ({"source_id": "src", "outlet": None, "title": None, "published": "2025-10-12", "notes": None},
                ["outlet", "title", "notes"]),
    "claimants": ({"claimant_id": "pk", "name": None, "description": None}, ["name", "description"]),
    "figures": ({"figure_id": "f1", "quantity": "border_length", "value": "2640", "unit": "km", "source_id": "src",
                 "statement": None}, ["statement"]),
}


@SETTINGS
@given(data=st.data(), kind=st.sampled_from(sorted(FREE)), newline=st.sampled_from(["\n", "\r\n"]),
       quoting=st.sampled_from(["minimal", "all"]), bom=st.booleans(), pad=st.booleans())
def test_free_text_survives_reading_unchanged(workdir, data, kind, newline, quoting, bom, pad):
    base, free_cols = FREE[kind]
    row = dict(base)
    texts = {c: data.draw(stripped_text, label=c) for c in free_cols}
    for c, t in texts.items():
        row[c] = f"  {t}\t " if pad else t
    text = newline.join(_join_row(list(r), quoting) for r in (row, row.values())) + newline
    path = _fresh(workdir, f"{kind}.csv")
    path.write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))
    df = read_table(path, kind)
    assert len(df) == 1
    for c, t in texts.items():
        assert df.iloc[0][c] == t, c
    assert df.iloc[0]["source_line"] == 2


@SETTINGS
@given(texts=st.lists(stripped_text, min_size=1, max_size=4))
def test_line_numbers_follow_physical_lines(workdir, texts):
    """source_line is the physical line where a record starts, even after quoted newlines."""
    rows = [["claimant_id", "name"]] + [[f"id{i}", t] for i, t in enumerate(texts)]
    text = "".join(_join_row(r, "minimal") + "\n" for r in rows)
    path = _fresh(workdir, "claimants.csv")
    path.write_bytes(text.encode("utf-8"))
    df = read_table(path, "claimants")
    assert list(df["name"]) == texts
    # Each record's first line begins with its id (ids contain no quote or newline).
    physical = re.split(r"\r\n|\r|\n", text)  # line breaks as editors (and the csv reader) count them
    for i, line in enumerate(df["source_line"]):
        assert physical[line - 1].startswith(f"id{i},"), (line, physical[line - 1][:40])


# --- (c) the geocoder ---------------------------------------------------------------------------

PLACE_WORDS = ["near", "Kabul", "Kunar", "Konar", "Bajaur", "Kurram", "Dir", "Upper", "Behsud", "Torkham", "Nangarhar",
               "Balochistan", "Pakistan", "Afghanistan", "district", "province", "agency", "in", "of", "'s", "’s", ",", "(",
               ")", "-", ".", "K.P.", "Angoor", "Adda", "Chaman", "Spin", "Boldak", "", " ", "\x00", "\t", "بابا"]
place_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(PLACE_WORDS), max_size=6).map(" ".join),
    st.lists(st.sampled_from(PLACE_WORDS) | st.text(max_size=5), max_size=5).map("".join),
)


@settings(max_examples=100, deadline=None)
@given(text=place_text, country=st.sampled_from([None, "AF", "PK", "IN", "ZZ", "af", ""]),
       admin1=st.sampled_from([None, "Kunar", "Khyber Pakhtunkhwa", "nowhere", ""]))
@example(text="", country=None, admin1=None)
@example(text="\x00", country=None, admin1=None)
@example(text="(((", country=None, admin1=None)
@example(text="near near", country="PK", admin1=None)
def test_geocoder_answers_any_string(geocoder, text, country, admin1):
    try:
        m = geocoder.resolve(text, country=country, admin1=admin1)
    except (NotFoundError, AmbiguousError) as exc:
        assert str(exc)  # suggestions are computed lazily, when the message is made
        assert exc.query == text
        return
    assert isinstance(m, Match)
    assert -90 <= m.lat <= 90 and -180 <= m.lon <= 180 and m.radius_km > 0
    assert m.precision in ("point", "near", "district", "province", "country")


# --- (d) theatre.toml ---------------------------------------------------------------------------

THEATRE_KEYS = ["name", "border_name", "countries", "tolerance_km", "bands_km", "border_file", "countries_file", "border_source",
                "other"]
FILE_KEYS = {"border_file", "countries_file"}
#: TOML values for a file key: present, absent, a directory, not a string, a NUL in the name, a name too long for the OS.
path_values = st.sampled_from(['"b.geojson"', '"c.geojson"', '"missing.geojson"', '"."', '"/"', '""', '" "', "5", "[]", "{}",
                               '"a\\u0000b"', '"' + "a" * 5000 + '"', '"' + "a/" * 3000 + '"', '"../b.geojson"', '"b.geojson/"'])
toml_values = st.one_of(
    st.sampled_from(['"AF-PK"', '["AF", "PK"]', '["AF", "AF"]', '["af", "pk"]', '["ÄÖ", "PK"]', '["AF"]', "[]", "2.0", "0", "-1",
                     "1e400", "nan", "inf", "-inf", "true", "1979-05-27", "[5, 25, 50]", "[0]", "[nan]", "[true]", "{}",
                     '{a = 1}', '"b.geojson"', '"c.geojson"', '"missing.geojson"', '"."', '"/"', '"../../etc/passwd"', '""',
                     '"a\\u0000b"', '"' + "a" * 5000 + '"', '"' + "a/" * 3000 + '"', '"\\ud800"', "'''multi\nline'''", '[[1, 2], "x"]']),
    st.text(max_size=20).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.integers(-10**30, 10**30).map(str),
    st.floats().map(repr),
)


@st.composite
def theatre_text(draw) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=200))
    # Unique keys (a repeated key is only a TOML syntax error), starting from a valid file or not.
    doc = {"name": '"x"', "border_name": '"y"', "countries": '["AF", "PK"]'} if draw(st.booleans()) else {}
    for key in draw(st.lists(st.sampled_from(THEATRE_KEYS), max_size=5, unique=True)):
        doc[key] = draw(path_values if key in FILE_KEYS and draw(st.booleans()) else toml_values)
    lines = [f"{k} = {v}" for k, v in doc.items()]
    if draw(st.integers(0, 5)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(st.text(max_size=30) | st.sampled_from(["[theatre]", "[[x]]", "[a.b]", "="])))
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines) + "\n"


@SETTINGS
@given(text=theatre_text(), bom=st.booleans())
# Found by this test: a NUL or an over-long file name crashed path resolution; non-ASCII letters passed as ISO codes.
@example(text='name = "x"\nborder_name = "y"\ncountries = ["AF", "PK"]\nborder_file = "a\\u0000b"\n', bom=False)
@example(text='name = "x"\nborder_name = "y"\ncountries = ["AF", "PK"]\ncountries_file = "' + "a" * 5000 + '"\n', bom=False)
@example(text='name = "x"\nborder_name = "y"\ncountries = ["ÄÖ", "PK"]\n', bom=True)
@example(text='name = "x"\nborder_name = "y"\ncountries = ["AF", "PK"]\nborder_source = 5\n', bom=False)
def test_theatre_gives_a_theatre_or_a_layer_error(workdir, text, bom):
    path = _fresh(workdir, "theatre.toml")
    (path.parent / "b.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    (path.parent / "c.geojson").mkdir()  # a directory, not a file
    path.write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))
    try:
        t = read_theatre(path)
    except LayerError as exc:
        # A problem inside a geometry file names that file (which lies next to theatre.toml).
        file_problems = [p for p in exc.problems if p.path != str(path)]
        assert all(Path(p.path).parent == path.parent and p.column == "geometry" for p in file_problems), file_problems
        if len(file_problems) < len(exc.problems):
            _assert_layer_error_names(LayerError([p for p in exc.problems if p.path == str(path)]), path)
        return
    assert isinstance(t, Theatre)
    assert len(t.countries) == 2 and all(len(c) == 2 and c.isascii() for c in t.countries)
    assert isinstance(t.name, str) and t.name and isinstance(t.border_name, str) and t.border_name
    assert t.border_source is None or isinstance(t.border_source, str)
    for f in (t.border_file, t.countries_file):
        assert f is None or f.is_file()


# --- (e) whole layers directories with hostile text, built end to end ----------------------------

#: Text meant to run or to confuse: HTML/JS, template syntax, rich markup, terminal escapes, control
#: characters, bidirectional marks, spreadsheet formulas, CSV syntax, matplotlib math ("$...$" in a
#: chart label raised ValueError), format strings.
HOSTILE_TEXT = ["<script>alert(1)</script>", "</script><script>alert(1)</script>", '<img src=x onerror="alert(1)">',
                "<a href='javascript:alert(1)'>x</a>", "javascript:alert(1)", '"><svg onload=alert(1)>', "{{ 7*7 }}", "${alert(1)}",
                "`-alert(1)-`", "[/]", "[link=javascript:alert(1)]x[/link]", "[bold red]x", "\x1b[31mred\x1b[0m", "\u202eevil",
                "\u200f\u200e", "\x07\x08\x0b\x0c\x7f", "=HYPERLINK(\"http://evil\")", "+1", "@SUM(A1)", "-2", "a,b\"c", "\r\nx\r",
                "\u2028\u2029", "کابل", "😀", "&amp;&lt;", "\\", "'", "$\\frac{a$", "$x^$", "%s%n", "\ufeff"]
hostile_text = st.lists(st.sampled_from(HOSTILE_TEXT) | st.text(any_char, max_size=8), min_size=1, max_size=4).map("".join)
#: Free text: hostile bits, now and then very long (just under the 20,000-character cap).
free_cell = st.one_of(*[hostile_text] * 12, st.just(("<b>x</b>" * 2500)[:19_999]))
#: Mostly URLs that build (hypothesis favours the first entries); the others must be rejected.
url_cell = st.sampled_from(["", "https://example.org/a?b=1&c=%3C2%3E", "HTTPS://example.org/'x'"] * 4
                           + ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "https://example.org/\"onmouseover=alert(1)"])
#: Coordinates near the Durand Line (lon, lat): no geocoding needed.
POINTS = [(70.5, 34.2), (69.3, 32.5), (66.4, 30.9), (71.4, 35.1)]
EXPECTED_OUTPUTS = {"bands.geojson", "border.geojson", "border_incidents.gpkg", "check.json", "claims.csv", "claims.geojson",
                    "countries.geojson", "index.html", "length_scale.png", "offline.html", "report.md", "sites.csv", "sites.geojson"}


def _csv_text(rows: list[dict]) -> str:
    buf = io.StringIO()
    # "\r\n" so that a lone CR in a cell is quoted too (csv quotes only the terminator's characters).
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _toml_string(text: str) -> str:
    # JSON string syntax is TOML's basic string, except DEL, which TOML wants escaped too.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


@st.composite
def hostile_layers(draw) -> dict[str, str]:
    """The files of a small layers directory, every free-text cell hostile."""
    text = lambda: draw(free_cell)  # noqa: E731
    n_sites, n_claims = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    sources = [{"source_id": f"s{i}", "outlet": text(), "title": text(), "published": "2025-10-12", "url": draw(url_cell),
                "seed": text(), "notes": text()} for i in range(2)]
    claimants = [{"claimant_id": f"p{i}", "name": text(), "country": c, "description": text()} for i, c in enumerate(["AF", "PK"])]
    sites = [{"site_id": f"x{i}", "name": draw(hostile_text), "place": draw(hostile_text), "reported_location": text(),
              "reported_country": draw(st.sampled_from(["", "AF", "PK"])), "reported_admin1": draw(hostile_text),
              "category": draw(st.sampled_from(["clash", "strike", "blast", "deployment", "crossing", "other"])),
              "event_date": "2025-10-11", "lon": POINTS[i][0], "lat": POINTS[i][1], "radius_km": "", "precision": "",
              "source_ids": "s0|s1", "notes": text()} for i in range(n_sites)]
    claims = [{"claim_id": f"c{i}", "site_id": f"x{i}" if i < n_sites else "", "claimant_id": f"p{i % 2}", "speaker": text(),
               "claim_date": "2025-10-12", "quantity": "killed", "subject": text(), "low": "1", "best": "2", "high": "3",
               "unit": text(), "statement": text(), "quote": draw(hostile_text), "source_id": "s0"} for i in range(n_claims)]
    figures = [{"figure_id": "f1", "quantity": "border_length", "value": "2640", "unit": "km", "source_id": "s0", "statement": text()}]
    if draw(st.sampled_from([False] * 7 + [True])):  # one cell over the cap, somewhere
        table = draw(st.sampled_from([t for t in (sources, claimants, sites, claims, figures) if t]))
        row = draw(st.sampled_from(table))
        row[draw(st.sampled_from([k for k, v in row.items() if isinstance(v, str) and not k.endswith(("_id", "_ids", "date"))]))] = "x" * 20_001
    files = {"theatre.toml": f"name = {_toml_string(draw(hostile_text))}\nborder_name = {_toml_string(draw(hostile_text))}\n"
                             'countries = ["AF", "PK"]\n',
             "sources.csv": _csv_text(sources), "claimants.csv": _csv_text(claimants), "figures.csv": _csv_text(figures)}
    empty = {"sites.csv": SCHEMAS["sites"], "claims.csv": SCHEMAS["claims"]}
    for name, rows in (("sites.csv", sites), ("claims.csv", claims)):
        files[name] = _csv_text(rows) if rows else ",".join(all_columns(empty[name])) + "\n"
    return files


_JS_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


class _HtmlScan(HTMLParser):
    """Scripts, event-handler attributes and link targets of an HTML text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.links: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key.startswith("on"):
                self.handlers.append((tag, key))
            if key in ("href", "src", "action", "formaction", "xlink:href", "srcdoc"):
                self.links.append(value or "")
        if tag == "script":
            self.scripts.append("")
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def _assert_no_live_script(html: str, inputs: set[str], *, fragment: bool = False) -> None:
    """No script, handler or link in ``html`` that text from the layers could have made live.

    HTML that the page's scripts carry as JSON strings (popups, panel) is checked the same way;
    a JSON string that is exactly a cell of the input is data (a GeoJSON property), not markup.
    """
    scan = _HtmlScan()
    scan.feed(html)
    scan.close()
    assert not scan.handlers, scan.handlers
    for link in scan.links:
        # In-page anchors, http(s) links, and the constant link to the self-contained map beside the page.
        assert link.startswith("#") or link == "offline.html" or re.match(r"https?://\S+$", link, re.IGNORECASE), link
    assert not (fragment and scan.scripts), scan.scripts
    for body in scan.scripts:
        assert "alert(" not in _JS_STRING.sub('""', body), "script code from the input"
        for literal in _JS_STRING.findall(body):
            try:
                value = json.loads(literal)
            except ValueError:
                continue
            if isinstance(value, str) and "<" in value and value not in inputs:
                _assert_no_live_script(value, inputs, fragment=True)


def _assert_outputs_complete(out: Path, files: dict[str, str]) -> None:
    assert {p.name for p in out.iterdir()} == EXPECTED_OUTPUTS
    n_sites = len(list(csv.DictReader(io.StringIO(files["sites.csv"]))))
    n_claims = len(list(csv.DictReader(io.StringIO(files["claims.csv"]))))
    assert len(json.loads((out / "sites.geojson").read_bytes())["features"]) == n_sites
    assert len(json.loads((out / "claims.geojson").read_bytes())["features"]) == n_claims
    assert len(json.loads((out / "check.json").read_bytes())["sites"]) == n_sites
    for name, n in (("sites.csv", n_sites), ("claims.csv", n_claims)):
        with open(out / name, encoding="utf-8", newline="") as fh:
            assert len(list(csv.DictReader(fh))) == n
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# Check report: ")
    inputs = {cell.strip() for name, text in files.items() if name.endswith(".csv")
              for row in csv.reader(io.StringIO(text, newline="")) for cell in row}
    inputs |= {v.strip() for v in tomllib.loads(files["theatre.toml"]).values() if isinstance(v, str)}
    for name in ("index.html", "offline.html"):
        _assert_no_live_script((out / name).read_text(encoding="utf-8"), inputs)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
          database=None)
@given(files=hostile_layers())
def test_hostile_layers_build_or_fail_cleanly(workdir, files):
    """Any text in any column: exit 0 with complete, parseable, script-free outputs, or exit 2 with our problems."""
    layers = _fresh(workdir, "layers")
    layers.mkdir()
    for name, text in files.items():
        (layers / name).write_bytes(text.encode("utf-8"))
    out = layers.parent / "maps"
    res = CliRunner().invoke(cli, ["build", "--layers", str(layers), "--out", str(out), "-q"])
    event(f"exit {res.exit_code}")
    assert res.exit_code in (0, 2), res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exc_info
    assert "Traceback" not in res.stderr
    if res.exit_code == 2:
        *problems, summary = res.stderr.splitlines()
        assert problems and all(line.startswith(f"error: {layers}/") for line in problems), res.stderr
        assert summary == f"{len(problems)} problem(s); nothing was written."
        assert not out.exists()
        return
    _assert_outputs_complete(out, files)
