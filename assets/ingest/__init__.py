"""Ingest assets: the pages of a wiki's XML dump, shared by the lines that read wikitext."""
