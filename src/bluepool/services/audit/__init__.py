"""The audit log's use cases (``log``), who may run them (``policy``), the in-transaction
handler that turns events into entries (``recorder``), and the two places access facts
are raised: refused writes (``refusals``) and reads across agencies (``reads``)."""
