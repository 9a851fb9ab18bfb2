"""Scenario data in and out as files other tools open (``docs/import-format.md``).

``readers`` (GeoJSON, CSV and GeoPackage files into rows), ``importer`` (rows into checked
records, :class:`ImportJob` for long imports), ``export`` (the same rows back out, and KML via
``kml``), ``columns`` (the row schema both ways share), ``snapshot`` (the state of every place on
one date, as GeoJSON or CSV) and ``folder`` (a whole scenario as the open-file folder format).
"""

from mapdata.exchange.columns import EXPORT_FORMATS, Format, ImportRefused
from mapdata.exchange.export import export, export_rows
from mapdata.exchange.importer import Additions, ImportJob, import_file, read_import
from mapdata.model.records import MAX_GPKG_BYTES, MAX_TEXT_BYTES

__all__ = [
    "EXPORT_FORMATS",
    "MAX_GPKG_BYTES",
    "Format",
    "MAX_TEXT_BYTES",
    "Additions",
    "ImportJob",
    "ImportRefused",
    "export",
    "export_rows",
    "import_file",
    "read_import",
]
