"""Task search (hybrid BM25 + dense, RRF k=60) and TaskMap lookup by id, JSON or protobuf."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.params import Parameter

from serving.schemas.tasks import TaskHit, TaskSearchResponse
from wikiforge.tasks.encoder import DEFAULT_ENCODER_KEY, StaticEncoder
from wikiforge.tasks.index import EncoderMismatch, TaskIndex, rrf
from wikiforge.tasks.stream import to_dict

ASSET = "task_index"
ENCODER_ASSET = "task_encoder"
PROTOBUF = "application/x-protobuf"
MAX_QUERY_CHARS = 500


def load_index(stored) -> TaskIndex:
    """Catalog loader: open a published task_index version."""
    return TaskIndex.load(stored.dir)


def load_encoder(stored) -> StaticEncoder:
    """Catalog loader: open a published task_encoder version (the distilled model2vec)."""
    return StaticEncoder(stored.dir)


def _encoder(state: State, index: TaskIndex) -> StaticEncoder | None:
    """The query encoder an index needs: the published task_encoder for a model2vec index
    (None for a MiniLM-built index, which embeds queries with the packaged MiniLM).
    """
    if index.encoder_kind != StaticEncoder.kind:
        return None
    loaded = state.catalog.get(ENCODER_ASSET, DEFAULT_ENCODER_KEY, load_encoder)
    if loaded is None:
        raise HTTPException(status_code=503, detail="the task encoder is not published yet")
    return loaded.value


def _indexes(state: State, crawl: str | None) -> list[tuple[str, object]]:
    catalog = state.catalog
    partitions = [crawl] if crawl else catalog.partitions(ASSET)
    out = []
    for partition in sorted(partitions):
        loaded = catalog.get(ASSET, partition, load_index)
        if loaded is not None:
            out.append((partition, loaded))
    return out


class TasksController(Controller):
    path = "/v1/tasks"
    tags = ["tasks"]

    @get("/search", operation_id="searchTasks", summary="Search tasks", sync_to_thread=True)
    def search(
        self,
        state: State,
        q: Annotated[str, Parameter(description="Query text", min_length=1)],
        k: Annotated[int, Parameter(description="Results wanted", ge=1, le=100)] = 10,
        mode: Annotated[str, Parameter(description="hybrid, sparse or dense")] = "hybrid",
        crawl: Annotated[str | None, Parameter(description="Only this crawl")] = None,
    ) -> TaskSearchResponse:
        """Hybrid search (reciprocal rank fusion, k = 60, of BM25 and dense cosine) over every
        published crawl's index, or one mode alone with `mode=sparse|dense`.
        """
        if mode not in ("hybrid", "sparse", "dense"):
            raise ValidationException(detail="mode must be hybrid, sparse or dense")
        if not q.strip():
            raise ValidationException(detail=f"q must be 1-{MAX_QUERY_CHARS} characters")
        if len(q) > MAX_QUERY_CHARS:  # a size limit: 422, as for every oversized parameter
            raise HTTPException(
                status_code=422,
                detail=f"q is longer than {MAX_QUERY_CHARS} characters",
                extra={"limit_chars": MAX_QUERY_CHARS},
            )
        indexes = _indexes(state, crawl)
        if crawl and not indexes:
            raise NotFoundException(detail=f"no published task index for crawl {crawl!r}")
        per_index = []
        for partition, loaded in indexes:
            index = loaded.value
            encoder = _encoder(state, index) if mode != "sparse" else None
            try:
                hits = index.search(q, k, mode, encoder=encoder)
            except EncoderMismatch as exc:
                # The crawl was indexed with another encoder than the one published now.
                raise HTTPException(status_code=503, detail=f"crawl {partition}: {exc}") from exc
            per_index.extend((partition, index, hit) for hit in hits)
        if len(indexes) > 1:
            # Fuse the per-crawl rankings the same way (ranks are comparable, scores are not).
            rankings: dict[str, list[int]] = {}
            for pos, (partition, _, _) in enumerate(per_index):
                rankings.setdefault(partition, []).append(pos)
            fused = [per_index[pos] for pos, _ in rrf(rankings.values())][:k]
        else:
            fused = per_index[:k]
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
        return TaskSearchResponse(
            query=q,
            mode=mode,
            k=k,
            hits=hits,
            checksums={p: loaded.checksum for p, loaded in indexes},
        )

    @get("/{taskmap_id:str}", operation_id="getTaskMap", summary="One TaskMap", sync_to_thread=True)
    def get_taskmap(self, state: State, request: Request, taskmap_id: str) -> Response:
        """The TaskMap as JSON (proto field names), or as protobuf bytes when the request
        accepts `application/x-protobuf`.
        """
        if len(taskmap_id) > 64:
            raise NotFoundException(detail="unknown taskmap id")
        for partition, loaded in _indexes(state, None):
            taskmap = loaded.value.get(taskmap_id)
            if taskmap is not None:
                headers = {"X-Crawl": partition, "X-Dataset-Checksum": loaded.checksum}
                accept = request.headers.get("accept", "")
                if PROTOBUF in accept:
                    return Response(
                        taskmap.SerializeToString(deterministic=True),
                        media_type=PROTOBUF,
                        headers=headers,
                    )
                return Response(to_dict(taskmap), media_type="application/json", headers=headers)
        raise NotFoundException(detail=f"unknown taskmap id {taskmap_id!r}")
