"""The cost ledger's use cases: posting from the dispatch timeline, period close,
statements, settlement (docs/ledger.md)."""
