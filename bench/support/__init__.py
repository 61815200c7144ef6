"""Generators of large benchmark inputs by resampling the bundled real files (never product code)."""
