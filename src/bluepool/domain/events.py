"""Every event the collective raises, listed in one place (filled in as contexts add theirs)."""
