"""The call history: an embedded DuckDB store (docs/history.md)."""
