"""QRank line library: page views, Wikidata sitelinks and the ranking of entities."""
