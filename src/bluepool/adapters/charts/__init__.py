"""Figures drawn with matplotlib, off-screen, as SVG the same bytes for the same data."""
