"""mca reporting: the `mca-report` CLI, the warehouse connection, sample data and the reports."""

__version__ = "0.1.0"
