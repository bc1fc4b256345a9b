"""Write geo/data/country_words.csv (names, demonyms, capitals per country) from mledoze/countries.

    python scripts/derive_country_words.py path/to/countries.json

``countries.json`` is the data file of https://github.com/mledoze/countries (ODbL 1.0). Only
English names are kept: the common and official name, the demonyms (masculine and feminine, split
where one cell lists two, plus the stem of a "-stan" name: Kyrgyz, Tajik) and the capitals ("Washington D.C." is written "Washington").
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "geo" / "data" / "country_words.csv"


def rows(countries: list[dict]) -> list[dict]:
    """One row per country, sorted by ISO code."""
    out = []
    for c in sorted(countries, key=lambda c: c["cca2"]):
        dem = c.get("demonyms", {}).get("eng", {})
        dems = {x.strip() for v in (dem.get("m"), dem.get("f")) if v for x in v.split(",") if x.strip()}
        stem = c["name"]["common"].removesuffix("istan").removesuffix("stan")
        if stem != c["name"]["common"] and len(stem) >= 4:
            dems.add(stem)  # today's "Kyrgyz", "Tajik" beside the table's "Kirghiz", "Tadzhik"
        dems = sorted(dems)
        caps = [x.replace(" D.C.", "") for x in c.get("capital", [])]
        out.append({"iso2": c["cca2"], "name": c["name"]["common"], "official_name": c["name"]["official"],
                    "demonyms": ";".join(dems), "capitals": ";".join(caps)})
    return out


def main(path: str) -> None:
    table = rows(json.loads(Path(path).read_text(encoding="utf-8")))
    with OUT.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(table[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(table)
    print(f"{OUT}: {len(table)} countries")


if __name__ == "__main__":
    main(sys.argv[1])
