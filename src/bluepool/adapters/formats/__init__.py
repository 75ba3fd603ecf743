"""Writers of the documents bluepool hands out: the printed forms."""
