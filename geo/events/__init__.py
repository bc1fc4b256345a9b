"""Import bulk conflict-event data (ACLED exports, UCDP GED) as sites with one fatality claim each.

Every event becomes a site at the coordinates the dataset gives (never geocoded), with the
dataset's own location precision code kept (ACLED ``geo_precision``, UCDP ``where_prec``) and
translated to our precision names, and one claim attributed to the dataset (claimant "ACLED" or
"UCDP GED") with the dataset's source text. Reading is vectorised (pandas' C CSV reader, column-wise
validation): a million rows take seconds. Bad rows are reported as :class:`geo.errors.Problem`
with the line and the dataset's column name.

Modules, one job each: ``_files`` (what kind of file: CSV, gzipped CSV or Parquet; header; cells
as text; each record's line), ``_validate`` (the row-check collector and the checks both formats
share, including the 20,000-character cap on a cell), ``_cells`` (column-wise text building),
``_countries`` (country codes and names to ISO alpha-2), ``acled`` and ``ucdp`` (each dataset's
columns, codes and converter; the codebooks are cited there), ``_read`` (the format dispatch
table and :func:`read_events`), ``_tables`` (layer-shaped frames) and ``_merge`` (into the
layers, and located without geocoding).
"""

from geo.events._countries import iso2_from_name, iso2_from_numeric
from geo.events._files import is_parquet
from geo.events._merge import imported_rows, locate_events, merge_events
from geo.events._read import DIALECTS, FORMATS, detect_format, read_events
from geo.events._tables import EventTables
from geo.events.acled import COLUMNS as ACLED_COLUMNS
from geo.events.ucdp import COLUMNS as UCDP_COLUMNS

__all__ = [
    "ACLED_COLUMNS",
    "DIALECTS",
    "FORMATS",
    "UCDP_COLUMNS",
    "EventTables",
    "detect_format",
    "imported_rows",
    "is_parquet",
    "iso2_from_name",
    "iso2_from_numeric",
    "locate_events",
    "merge_events",
    "read_events",
]
