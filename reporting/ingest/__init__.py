"""File ingest: append CSV/text exports to the raw tables through a YAML mapping.

``ingest_files(settings, "campaigns", [path], Path("mappings/online_ads_q2_2020.yml"))`` reads
each file through the mapping (:mod:`.mapping`), sets aside the lines that cannot be loaded with
their line number and reason (:mod:`.reader`), and appends the rest to the raw table in one
transaction per file, recorded in the load log so the same content is never loaded twice
(:mod:`.loader`). The tables and their columns are in :mod:`reporting.contract`;
``mca-report ingest`` (reporting/cli.py) is the command line over it.
"""

from reporting.ingest.loader import FileOutcome, Loader, PreviousLoad, ingest_files
from reporting.ingest.mapping import FileFormat, Mapping, load_mapping, parse_mapping
from reporting.ingest.reader import ReadResult, read_bytes, read_file

__all__ = [
    "FileFormat",
    "FileOutcome",
    "Loader",
    "Mapping",
    "PreviousLoad",
    "ReadResult",
    "ingest_files",
    "load_mapping",
    "parse_mapping",
    "read_bytes",
    "read_file",
]
