"""Dagster assets, one module per step; each line's assets live in its own package."""
