"""TaskMap protobuf messages (generated from taskmap.proto by `wikiforge.tasks.codegen`)."""

from wikiforge.tasks.proto.taskmap_pb2 import (  # noqa: F401
    Connection,
    ExecutionStep,
    ExtraInfo,
    HTMLDocument,
    Image,
    OutputInteraction,
    Requirement,
    ScreenInteraction,
    TaskMap,
    Video,
)
