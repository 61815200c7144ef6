"""The Litestar app that serves the materialized datasets."""
