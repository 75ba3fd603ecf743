"""Spatial statistics on the calls: H3 cells, Getis-Ord Gi* (esda), kernel density."""
