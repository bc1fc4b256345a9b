"""Front door of the geocoder: a geocoder for a layers directory, names to results, sites to coordinates."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from geo.errors import AmbiguousError, LayerError, NotFoundError, Problem, UsageError
from geo.gazetteer import build_gazetteer
from geo.geocode.geocoder import Geocoder
from geo.geocode.match import PRECISION_CODES, HintError, OutOfScopeError
from geo.schema import MAX_NAME_CHARS

log = logging.getLogger(__name__)


def make_geocoder(layers=None, *, countries: tuple[str, ...] | None = None, gazetteer: Path | None = None) -> Geocoder:
    """Geocoder over the packaged gazetteer plus a layers gazetteer, bounded by the theatre's countries.

    Parameters
    ----------
    layers
        A :class:`geo.layers.Layers`: its ``gazetteer`` rows and its theatre's countries.
    countries
        Scope when there are no layers (None: the world).
    gazetteer
        A ``gazetteer.csv`` to add when there are no layers.
    """
    if layers is not None:
        return Geocoder(build_gazetteer(user_frame=layers.gazetteer), countries=layers.theatre.countries)
    return Geocoder(build_gazetteer(user_path=gazetteer if gazetteer and gazetteer.is_file() else None), countries=countries)


def geocode_names(names: list[str] | tuple[str, ...], *, layers_dir: str | Path | None = None, country: str | None = None,
                  geocoder: Geocoder | None = None) -> list[dict]:
    """Resolve names as ``geo geocode`` does: one dict per name, a result or an ``error``.

    The scope is the countries of ``layers_dir/theatre.toml`` (the world without one), plus
    ``country``, which also hints every name. An error dict has ``query``, ``error``
    ("not_found", "ambiguous" or "out_of_scope"), ``message`` and ``candidates``.
    """
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise UsageError(f"--country: expected an ISO 3166-1 alpha-2 code like PK, got {country!r}")
    country = country.upper() if country else None
    for name in names:
        if not name.strip():
            raise UsageError("empty place name: give a name such as \"Angoor Adda\"")
        if len(name) > MAX_NAME_CHARS:
            raise UsageError(f"place name of {len(name):,} characters: longer than the {MAX_NAME_CHARS} a name may have")
    layers_dir = Path(layers_dir) if layers_dir is not None else None
    if geocoder is None:
        scope: tuple[str, ...] | None = None
        theatre = layers_dir / "theatre.toml" if layers_dir is not None else None
        if theatre is not None and theatre.is_file():
            from geo.layers import read_theatre

            scope = tuple(read_theatre(theatre).countries)
        if country:
            scope = tuple(sorted(set(scope or ()) | {country}))
        geocoder = make_geocoder(countries=scope, gazetteer=layers_dir / "gazetteer.csv" if layers_dir is not None else None)
    out = []
    for name in names:
        try:
            out.append(geocoder.resolve(name, country=country).as_dict())
        except (NotFoundError, AmbiguousError) as exc:
            kind = ("ambiguous" if isinstance(exc, AmbiguousError) else "out_of_scope" if isinstance(exc, OutOfScopeError)
                    else "hint_mismatch" if isinstance(exc, HintError) else "not_found")
            out.append({"query": name, "error": kind, "message": str(exc),
                        "candidates": list(getattr(exc, "candidates", None) or getattr(exc, "suggestions", []))})
    return out


def _text(v) -> str | None:
    return v if isinstance(v, str) and v.strip() else None


#: Columns :func:`locate_sites` adds to the site rows.
LOCATED_COLUMNS = ["precision", "radius_km", "place_id", "admin1", "admin2", "country_geocoded", "geocode_source", "geocode_ref",
                   "geocode_score", "geocode_match", "geocode_note", "alternatives", "claimed_by", "where_prec", "geo_precision"]


def locate_sites(sites: pd.DataFrame, geocoder: Geocoder) -> pd.DataFrame:
    """Coordinates, precision and uncertainty radius for every site row.

    A row with ``lat``/``lon`` is taken as given (precision "point" unless ``radius_km`` says
    more); otherwise its ``place`` (or ``name``) is geocoded with the row's ``reported_country``
    and ``reported_admin1`` as hints. ``radius_km`` in the row widens the geocoded radius.

    Raises
    ------
    LayerError
        Listing every row whose place is unknown, ambiguous or outside the theatre.
    """
    problems: list[Problem] = []
    out = []
    for row in sites.to_dict("records"):
        rec = dict(row)
        given = row["radius_km"] if row["radius_km"] and not pd.isna(row["radius_km"]) else None
        if row["lat"] is not None and not pd.isna(row["lat"]):
            radius = float(given) if given else 1.0
            rec.update(precision="point" if radius <= 5 else "near", radius_km=radius, place_id=None, admin1=None, admin2=None,
                       country_geocoded=None, geocode_source="coordinates given in the layer", geocode_ref=None,
                       geocode_score=None, geocode_match=None, geocode_note=None, alternatives="", claimed_by=None)
        else:
            query = row["place"] or row["name"]
            try:
                m = geocoder.resolve(query, country=_text(row.get("reported_country")), admin1=_text(row.get("reported_admin1")))
            except (NotFoundError, AmbiguousError) as exc:
                problems.append(Problem(row["source_file"], int(row["source_line"]), "place", str(exc) + " — or give lat and lon in the row"))
                continue
            rec.update(lat=m.lat, lon=m.lon, precision=m.precision, radius_km=max(m.radius_km, float(given)) if given else m.radius_km,
                       place_id=m.place_id, admin1=m.admin1, admin2=m.admin2, country_geocoded=m.country, geocode_source=m.source,
                       geocode_ref=m.source_ref, geocode_score=m.score, geocode_match=m.match, geocode_note=m.note,
                       alternatives="; ".join(m.alternatives), claimed_by=m.claimed_by)
            log.debug("%s:%s: %r -> %s", row["source_file"], row["source_line"], query, m.place_id)
        if row.get("precision"):
            # The row knows better than the gazetteer what the report meant (a district named by its town).
            rec["precision"] = row["precision"]
        rec["where_prec"], rec["geo_precision"] = PRECISION_CODES[rec["precision"]]
        out.append(rec)
    if problems:
        raise LayerError(problems)
    # An empty layer (a theatre before its first site) still has every column the checks read.
    columns = list(sites.columns) + [c for c in LOCATED_COLUMNS if c not in sites.columns]
    return pd.DataFrame(out, columns=columns, dtype=object)
