"""Reports on the collective's history for its board and analysts."""
