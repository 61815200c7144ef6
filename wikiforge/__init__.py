"""wikiforge: pure library code (parsing, features, scoring) shared by the Dagster assets and the Litestar app. No module here imports dagster or litestar."""
