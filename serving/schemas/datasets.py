"""What the server can see of the data root."""

from __future__ import annotations

import msgspec


class PartitionVersion(msgspec.Struct):
    """One published partition of a dataset."""

    partition: str
    version: str
    rows: int | None
    checksum: str
    created: str | None


class DatasetInfo(msgspec.Struct):
    """A dataset and its published partitions."""

    asset: str
    partitions: list[PartitionVersion]


class DatasetList(msgspec.Struct):
    """Every published dataset."""

    datasets: list[DatasetInfo]
