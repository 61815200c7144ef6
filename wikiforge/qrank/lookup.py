"""Look up one entity's rank in a published ``qrank.csv.gz``, for the server.

The file is loaded once per published version into three numpy arrays sorted by entity number
(ids, ranks, views: 20 bytes per entity, so ~550 MB for today's 27 million ranked entities); a
lookup is a binary search.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

QID_PATTERN = re.compile(r"^Q[1-9][0-9]{0,18}$")


def parse_entity(text: str) -> int | None:
    """``Q42`` -> 42; None for anything that is not an item id."""
    if not QID_PATTERN.match(text):
        return None
    number = int(text[1:])
    return number if number < 2**63 else None


@dataclass(frozen=True)
class Ranked:
    """One entity's place in the ranking."""

    rank: int
    views: int


class QRankIndex:
    """Entity number -> (rank, views) over one ranking file."""

    def __init__(self, ids: np.ndarray, ranks: np.ndarray, views: np.ndarray) -> None:
        self.ids = ids
        self.ranks = ranks
        self.views = views

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> QRankIndex:
        """Read a ``qrank.csv.gz`` (header ``Entity,QRank``); rank = 1-based row number."""
        table = pacsv.read_csv(
            str(path),
            read_options=pacsv.ReadOptions(block_size=16 << 20),
            convert_options=pacsv.ConvertOptions(
                column_types={"Entity": pa.string(), "QRank": pa.int64()}
            ),
        )
        if table.column_names != ["Entity", "QRank"]:
            raise ValueError(f"{path}: columns {table.column_names}, expected Entity,QRank")
        numbers = pc.cast(pc.utf8_slice_codeunits(table.column("Entity"), 1), pa.int64())
        ids = numbers.to_numpy()
        views = table.column("QRank").to_numpy()
        order = np.argsort(ids, kind="stable")
        ranks = (order + 1).astype(np.int64)
        return cls(ids[order], ranks, views[order])

    def __len__(self) -> int:
        return int(self.ids.size)

    def lookup(self, number: int) -> Ranked | None:
        """The rank and views of entity ``Q<number>``, or None if it is not ranked."""
        at = int(np.searchsorted(self.ids, number))
        if at < self.ids.size and int(self.ids[at]) == number:
            return Ranked(rank=int(self.ranks[at]), views=int(self.views[at]))
        return None
