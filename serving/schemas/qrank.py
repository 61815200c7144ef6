"""Response structs of the qrank line."""

from __future__ import annotations

import msgspec


class QRankEntry(msgspec.Struct):
    """One entity's place in the newest published ranking.

    Attributes:
        entity: The Q-id asked for (``Q42``).
        rank: 1 for the most viewed entity; ties share the order of their numeric ids.
        views: Page views summed over the 12 months before the dump's month (the QRank value).
        dump_date: Date (``YYYYMMDD``) of the Wikidata dump the ranking was built from.
        ranked_entities: How many entities the ranking holds.
        checksum: sha256 of the ``qrank.csv.gz`` the answer comes from (its download ETag).
    """

    entity: str
    rank: int
    views: int
    dump_date: str
    ranked_entities: int
    checksum: str
