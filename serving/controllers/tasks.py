"""Task search (hybrid BM25 + dense, RRF k=60) and TaskMap lookup by id, JSON or protobuf."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from serving.schemas.tasks import TaskSearchResponse
from serving.services.tasks import TaskSearch
from wikiforge.tasks.stream import to_dict

PROTOBUF = "application/x-protobuf"


class TasksController(Controller):
    """Search over the tasks extracted from web crawls."""

    path = "/v1/tasks"
    tags = ["tasks"]

    @get("/search", operation_id="searchTasks", summary="Search tasks", sync_to_thread=True)
    def search(
        self,
        tasks: TaskSearch,
        q: Annotated[str, Parameter(description="Query text", min_length=1)],
        k: Annotated[int, Parameter(description="Results wanted", ge=1, le=100)] = 10,
        mode: Annotated[str, Parameter(description="hybrid, sparse or dense")] = "hybrid",
        crawl: Annotated[str | None, Parameter(description="Only this crawl")] = None,
    ) -> TaskSearchResponse:
        """Hybrid search (reciprocal rank fusion, k = 60, of BM25 and dense cosine) over every
        published crawl's index, or one mode alone with `mode=sparse|dense`.
        """
        return tasks.search(q, k, mode, crawl)

    @get("/{taskmap_id:str}", operation_id="getTaskMap", summary="One TaskMap", sync_to_thread=True)
    def get_taskmap(self, tasks: TaskSearch, request: Request, taskmap_id: str) -> Response:
        """The TaskMap as JSON (proto field names), or as protobuf bytes when the request
        accepts `application/x-protobuf`.
        """
        found = tasks.taskmap(taskmap_id)
        headers = {"X-Crawl": found.crawl, "X-Dataset-Checksum": found.checksum}
        if PROTOBUF in request.headers.get("accept", ""):
            return Response(
                found.taskmap.SerializeToString(deterministic=True),
                media_type=PROTOBUF,
                headers=headers,
            )
        return Response(to_dict(found.taskmap), media_type="application/json", headers=headers)
