"""What the collective's history says about its fleet: pure functions over incidents and
units (no I/O, no clock; the period comes in as arguments)."""
