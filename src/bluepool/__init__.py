"""bluepool: one central dispatch for a collective of police agencies."""

__version__ = "0.1.0"
