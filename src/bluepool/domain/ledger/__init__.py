"""The cost ledger: accounts, double entries, usage pricing, settlement and statements."""
