"""The audit log: entries chained by hash, verified by a pure function, sealed by signed
checkpoints (``entries``, ``chain``, ``checkpoints``)."""
