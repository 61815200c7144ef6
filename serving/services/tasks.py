"""Task search over every published crawl's index, and TaskMap lookup by id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from serving.datasets import DatasetCatalog, Loaded
from serving.schemas.tasks import TaskHit, TaskSearchResponse
from serving.services.errors import InvalidParameter, NotFound, Unavailable, Unprocessable
from wikiforge.storage import StoredAsset
from wikiforge.tasks.encoder import DEFAULT_ENCODER_KEY, StaticEncoder
from wikiforge.tasks.index import EncoderMismatch, TaskIndex, rrf

ASSET = "task_index"
ENCODER_ASSET = "task_encoder"
MAX_QUERY_CHARS = 500
MAX_TASKMAP_ID_CHARS = 64
MODES = ("hybrid", "sparse", "dense")


def load_index(stored: StoredAsset) -> TaskIndex:
    """Catalog loader: open a published task_index version."""
    return TaskIndex.load(stored.dir)


def load_encoder(stored: StoredAsset) -> StaticEncoder:
    """Catalog loader: open a published task_encoder version (the distilled model2vec)."""
    return StaticEncoder(stored.dir)


@dataclass(frozen=True)
class FoundTaskMap:
    """A TaskMap and the crawl whose published index holds it."""

    taskmap: Any
    crawl: str
    checksum: str


class TaskSearch:
    """Hybrid BM25 + dense search (reciprocal rank fusion, k = 60) over the crawls' indices."""

    def __init__(self, catalog: DatasetCatalog) -> None:
        self.catalog = catalog

    def indexes(self, crawl: str | None = None) -> list[tuple[str, Loaded[TaskIndex]]]:
        """(crawl, loaded index) of one crawl, or of every crawl with a published index."""
        partitions = [crawl] if crawl else self.catalog.partitions(ASSET)
        out = []
        for partition in sorted(partitions):
            loaded = self.catalog.get(ASSET, partition, load_index)
            if loaded is not None:
                out.append((partition, loaded))
        return out

    def encoder(self, index: TaskIndex) -> StaticEncoder | None:
        """The query encoder an index needs: the published task_encoder for a model2vec index
        (None for a MiniLM-built index, which embeds queries with the packaged MiniLM).
        """
        if index.encoder_kind != StaticEncoder.kind:
            return None
        loaded = self.published_encoder()
        if loaded is None:
            raise Unavailable("the task encoder is not published yet")
        return loaded.value

    def published_encoder(self) -> Loaded[StaticEncoder] | None:
        """The published task_encoder (model2vec), loaded; None if it is not published or fails
        to load (the catalog logs why).
        """
        return self.catalog.get(ENCODER_ASSET, DEFAULT_ENCODER_KEY, load_encoder)

    def search(self, q: str, k: int, mode: str, crawl: str | None = None) -> TaskSearchResponse:
        """The best ``k`` tasks for ``q``; several crawls' rankings are fused by rank."""
        if mode not in MODES:
            raise InvalidParameter("mode must be hybrid, sparse or dense")
        if not q.strip():
            raise InvalidParameter(f"q must be 1-{MAX_QUERY_CHARS} characters")
        if len(q) > MAX_QUERY_CHARS:  # a size limit: 422, as for every oversized parameter
            raise Unprocessable(
                f"q is longer than {MAX_QUERY_CHARS} characters",
                extra={"limit_chars": MAX_QUERY_CHARS},
            )
        indexes = self.indexes(crawl)
        if crawl and not indexes:
            raise NotFound(f"no published task index for crawl {crawl!r}")
        per_index: list[tuple[str, TaskIndex, Any]] = []
        for partition, loaded in indexes:
            index = loaded.value
            encoder = self.encoder(index) if mode != "sparse" else None
            try:
                hits = index.search(q, k, mode, encoder=encoder)
            except EncoderMismatch as exc:
                # The crawl was indexed with another encoder than the one published now.
                raise Unavailable(f"crawl {partition}: {exc}") from exc
            per_index.extend((partition, index, hit) for hit in hits)
        if len(indexes) > 1:
            # Fuse the per-crawl rankings the same way (ranks are comparable, scores are not).
            rankings: dict[str, list[int]] = {}
            for pos, (partition, _, _) in enumerate(per_index):
                rankings.setdefault(partition, []).append(pos)
            fused = [per_index[pos] for pos, _ in rrf(rankings.values())][:k]
        else:
            fused = per_index[:k]
        return TaskSearchResponse(
            query=q,
            mode=mode,
            k=k,
            hits=_hits(fused),
            checksums={p: loaded.checksum for p, loaded in indexes},
        )

    def taskmap(self, taskmap_id: str) -> FoundTaskMap:
        """The TaskMap with this id in any published crawl; 404 when there is none."""
        if len(taskmap_id) > MAX_TASKMAP_ID_CHARS:
            raise NotFound("unknown taskmap id")
        for partition, loaded in self.indexes():
            taskmap = loaded.value.get(taskmap_id)
            if taskmap is not None:
                return FoundTaskMap(taskmap, partition, loaded.checksum)
        raise NotFound(f"unknown taskmap id {taskmap_id!r}")


def _hits(fused: list[tuple[str, TaskIndex, Any]]) -> list[TaskHit]:
    hits = []
    for rank, (partition, index, hit) in enumerate(fused, start=1):
        taskmap = index.get(hit.taskmap_id)
        if taskmap is None:
            continue
        hits.append(
            TaskHit(
                taskmap_id=hit.taskmap_id,
                title=taskmap.title,
                source_url=taskmap.source_url,
                thumbnail_url=taskmap.thumbnail_url,
                domain_name=taskmap.domain_name,
                steps=len(taskmap.steps),
                score=hit.score,
                rank=rank,
                crawl=partition,
            )
        )
    return hits
