"""The published ranking: ``qrank.csv.gz``, its stats JSON, and a plot of the distribution.

``qrank.csv.gz`` is a CSV with the header ``Entity,QRank`` and one row per entity, ``Q4,77``,
sorted by views descending and, for equal views, by numeric entity id ascending (``Q9`` before
``Q10``), as the reference's ``QRankLess``. The gzip stream carries no file name or time, so the
same ranking always gives the same bytes and the same sha256 (which the server uses as ETag).

The stats follow the reference's ``qrank-stats`` JSON: the median and a sample of the rank
distribution as ``[entity, rank, views]`` rows. The sample keeps the top 50 rows, the median row,
the last row, and any other row at least 4 units away from the previously kept one in a 1000 x
1000 plane where x is the rank scaled to the row count and y is log10(views) scaled to the top
value's, so it draws the curve with a few hundred points whatever the row count.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from wikiforge.storage import sha256_file

HEADER = b"Entity,QRank\n"
TOP_SAMPLES = 50
SAMPLE_DISTANCE = 4.0
PLANE = 1000.0
_FETCH_ROWS = 100_000


@dataclass
class RankingStats:
    """What describes one published ranking.

    Attributes:
        entities: Ranked entities (data rows).
        lines: Lines in the CSV, header included.
        sha256: Hex sha256 of the ``qrank.csv.gz`` bytes.
        median_rank: Rank of the median row (``(entities + 1) // 2``), 0 if empty.
        median_views: Views of the median row.
        samples: ``[entity, rank, views]`` rows sampled along the distribution.
    """

    entities: int
    lines: int
    sha256: str
    median_rank: int
    median_views: int
    samples: list[list] = field(default_factory=list)

    def as_json(self, dump_date: str | None = None) -> dict[str, object]:
        """The stats JSON served beside the download (reference names kept where they exist)."""
        data: dict[str, object] = {
            "Sha256": self.sha256,
            "Entities": self.entities,
            "Lines": self.lines,
            "Median": self.median_rank,
            "MedianQRank": self.median_views,
            "Samples": self.samples,
        }
        if dump_date is not None:
            data["DumpDate"] = dump_date
        return data


class _Sampler:
    """Picks the rows of the rank distribution worth drawing (see module docstring)."""

    def __init__(self, total: int, top_value: int) -> None:
        self.total = total
        self.median_rank = (total + 1) // 2 if total else 0
        self.log_top = math.log10(top_value) if top_value > 1 else 1.0
        self.samples: list[list] = []
        self.last_point: tuple[float, float] | None = None

    def _point(self, rank: int, value: int) -> tuple[float, float]:
        x = PLANE * (rank - 1) / max(1, self.total - 1)
        y = PLANE * (math.log10(value) if value > 0 else 0.0) / self.log_top
        return x, y

    def offer(self, entity: str, rank: int, value: int) -> None:
        point = self._point(rank, value)
        keep = rank <= TOP_SAMPLES or rank == self.median_rank or rank == self.total
        if not keep and self.last_point is not None:
            dx, dy = point[0] - self.last_point[0], point[1] - self.last_point[1]
            keep = math.hypot(dx, dy) >= SAMPLE_DISTANCE
        if keep:
            self.samples.append([entity, rank, value])
            self.last_point = point


def write_qrank(
    qviews_path: str | os.PathLike, out_path: str | os.PathLike, threads: int = 2
) -> RankingStats:
    """Rank the entities of a qviews Parquet file (qid, views) into ``qrank.csv.gz``.

    The file is streamed: rows come sorted from DuckDB in batches, are formatted and gzipped as
    they come; the output appears (atomic rename) only when complete.

    Returns:
        The ranking's stats, including the sha256 of the written file.
    """
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".tmp")
    source = f"read_parquet('{Path(qviews_path).as_posix()}')"
    con = duckdb.connect()
    try:
        con.execute(f"SET threads={max(1, threads)}")
        total, top = con.execute(
            f"SELECT COUNT(*), COALESCE(MAX(views), 0) FROM {source}"
        ).fetchall()[0]
        sampler = _Sampler(int(total), int(top))
        median_views = 0
        rank = 0
        digest = hashlib.sha256()
        with open(tmp, "wb") as raw:
            hashing = _HashingWriter(raw, digest)
            with gzip.GzipFile(
                fileobj=hashing, mode="wb", compresslevel=9, mtime=0, filename=""
            ) as gz:
                gz.write(HEADER)
                result = con.execute(
                    f"SELECT qid, views FROM {source} ORDER BY views DESC, qid ASC"
                )
                while True:
                    rows = result.fetchmany(_FETCH_ROWS)
                    if not rows:
                        break
                    buf = io.StringIO()
                    for qid, views in rows:
                        rank += 1
                        entity = f"Q{qid}"
                        buf.write(f"{entity},{views}\n")
                        sampler.offer(entity, rank, views)
                        if rank == sampler.median_rank:
                            median_views = views
                    gz.write(buf.getvalue().encode("ascii"))
    finally:
        con.close()
    os.replace(tmp, out_path)
    return RankingStats(
        entities=rank,
        lines=rank + 1,
        sha256=digest.hexdigest(),
        median_rank=sampler.median_rank,
        median_views=median_views,
        samples=sampler.samples,
    )


class _HashingWriter(io.RawIOBase):
    """A write-only file that hashes what passes through it."""

    def __init__(self, target, digest) -> None:
        self.target = target
        self.digest = digest

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.digest.update(data)
        return self.target.write(data)


def read_qrank(path: str | os.PathLike) -> list[tuple[str, int]]:
    """All rows of a ``qrank.csv.gz`` as (entity, views), for tests and small files.

    Raises:
        ValueError: if the header is not ``Entity,QRank``.
    """
    with gzip.open(path, "rt", encoding="ascii") as f:
        header = f.readline()
        if header != HEADER.decode():
            raise ValueError(f"{path}: unexpected header {header!r}")
        rows = []
        for line in f:
            entity, views = line.rstrip("\n").split(",")
            rows.append((entity, int(views)))
    return rows


def plot_distribution(stats: RankingStats, title: str = "QRank distribution") -> bytes:
    """A PNG (bytes) of views against rank, both log-scaled, from the stats' samples."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    ranks = [row[1] for row in stats.samples]
    views = [row[2] for row in stats.samples]
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    try:
        if ranks:
            ax.plot(ranks, views, marker=".", linewidth=1)
            ax.set_xscale("log")
            ax.set_yscale("log")
            if stats.median_rank:
                ax.axvline(stats.median_rank, color="grey", linestyle="--", linewidth=0.8)
                ax.annotate(
                    f"median {stats.median_views:,}",
                    (stats.median_rank, max(1, stats.median_views)),
                    fontsize=8,
                )
        else:
            ax.text(0.5, 0.5, "no ranked entities", ha="center", va="center")
        ax.set_xlabel("rank")
        ax.set_ylabel("views in 12 months")
        ax.set_title(f"{title} ({stats.entities:,} entities)")
        out = io.BytesIO()
        fig.savefig(out, format="png", metadata={"Software": None})
    finally:
        plt.close(fig)
    return out.getvalue()


def top_entities(path: str | os.PathLike, n: int) -> list[str]:
    """The first ``n`` entities of a ``qrank.csv.gz``, in rank order (streams, stops early)."""
    result: list[str] = []
    with gzip.open(path, "rt", encoding="ascii") as f:
        f.readline()
        for line in f:
            if len(result) >= n:
                break
            result.append(line.split(",", 1)[0])
    return result


def top_changes(before: list[str], after: list[str]) -> dict[str, int]:
    """How two top-n lists differ: entities that left the top, and entities that moved."""
    before_rank = {entity: i for i, entity in enumerate(before)}
    after_set = set(after)
    moved = sum(1 for i, entity in enumerate(after) if before_rank.get(entity) not in (None, i))
    return {
        "n": len(before),
        "left_top": sum(1 for entity in before if entity not in after_set),
        "changed_rank": moved,
    }


def _iter_rows(path: str | os.PathLike):
    with gzip.open(path, "rt", encoding="ascii", newline="\n") as f:
        header = f.readline()
        if header != HEADER.decode():
            raise ValueError(f"{path}: header is {header!r}, expected 'Entity,QRank'")
        for line in f:
            entity, _, views = line.rstrip("\n").partition(",")
            yield entity, views


def qrank_file_stats(path: str | os.PathLike) -> RankingStats:
    """Stats of a published ``qrank.csv.gz``, read in two streaming passes like the reference's
    (first the row count, then the samples).

    Raises:
        ValueError: if the file does not start with the ``Entity,QRank`` header.
    """
    total = 0
    top = 0
    for _entity, views in _iter_rows(path):
        if total == 0:
            top = int(views)
        total += 1
    sampler = _Sampler(total, top)
    median_views = 0
    for rank, (entity, views) in enumerate(_iter_rows(path), start=1):
        value = int(views)
        sampler.offer(entity, rank, value)
        if rank == sampler.median_rank:
            median_views = value
    return RankingStats(
        entities=total,
        lines=total + 1,
        sha256=sha256_file(Path(path)),
        median_rank=sampler.median_rank,
        median_views=median_views,
        samples=sampler.samples,
    )


def validate_qrank(path: str | os.PathLike) -> dict[str, object]:
    """What the qrank asset checks assert, from one streaming pass over the file.

    Returns:
        ``rows``; ``invalid_ids`` (entities that are not ``Q<positive int>`` or views that are
        not a non-negative integer); ``unsorted_at`` (first 1-based data row that breaks the
        order views desc, id asc; 0 if none); ``duplicates`` (entities listed more than once).
    """
    import numpy as np

    rows = invalid = unsorted_at = 0
    previous: tuple[int, int] | None = None
    ids: list[int] = []
    for entity, views in _iter_rows(path):
        rows += 1
        number = entity[1:]
        if not (entity[:1] == "Q" and number.isdigit() and number[:1] != "0" and views.isdigit()):
            invalid += 1
            continue
        current = (-int(views), int(number))
        if previous is not None and current <= previous and not unsorted_at:
            unsorted_at = rows
        previous = current
        ids.append(current[1])
    arr = np.sort(np.array(ids, dtype=np.int64))
    duplicates = int(np.count_nonzero(arr[1:] == arr[:-1])) if arr.size else 0
    return {
        "rows": rows,
        "invalid_ids": invalid,
        "unsorted_at": unsorted_at,
        "duplicates": duplicates,
    }
