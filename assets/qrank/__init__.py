"""QRank line assets: monthly page views, sitelinks, quality views and the ranking."""
