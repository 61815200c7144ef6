"""What the server can see of the data root."""

from __future__ import annotations

import msgspec


class PartitionVersion(msgspec.Struct):
    partition: str
    version: str
    rows: int | None
    checksum: str
    created: str | None


class DatasetInfo(msgspec.Struct):
    asset: str
    partitions: list[PartitionVersion]


class DatasetList(msgspec.Struct):
    datasets: list[DatasetInfo]
