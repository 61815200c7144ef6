"""The links product line: link recommendation (Wikimedia's mwaddlink, rebuilt and improved).

Pure functions only (no dagster, no litestar): redirects, anchors, exclusion filters, sentences,
embeddings, features, candidate generation, model training, scoring and backtests.
"""
