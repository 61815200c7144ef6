"""Readers of Wikidata JSON dumps: entities, their sitelinks and claims."""
