"""Geocode place names offline within a theatre's countries: gazetteers, GeoNames, provinces, ranking, hints."""

from geo.geocode.api import geocode_names, locate_sites, make_geocoder
from geo.geocode.geocoder import OUTSIDE, Geocoder
from geo.geocode.index import NameIndex
from geo.geocode.match import PRECISION_CODES, HintError, Match, OutOfScopeError
from geo.geocode.query import Query, parse_query

__all__ = [
    "OUTSIDE", "PRECISION_CODES", "Geocoder", "HintError", "Match", "NameIndex", "OutOfScopeError", "Query",
    "geocode_names", "locate_sites", "make_geocoder", "parse_query",
]
