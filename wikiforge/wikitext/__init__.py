"""Wikitext helpers shared by product lines: casing, titles, link extraction, plain text, tokens.

Everything here is pure (no dagster, no litestar) and works on any script, including languages
written without spaces.
"""
