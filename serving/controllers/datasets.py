"""Which materialized datasets the server sees: every asset partition, its version and checksum."""

from __future__ import annotations

from litestar import Controller, get

from serving.datasets import DatasetCatalog
from serving.schemas.datasets import DatasetInfo, DatasetList, PartitionVersion


class DatasetsController(Controller):
    """The published datasets the server reads."""

    path = "/v1/datasets"
    tags = ["datasets"]

    @get("/", operation_id="listDatasets", summary="Published datasets", sync_to_thread=True)
    def list_datasets(self, catalog: DatasetCatalog) -> DatasetList:
        """Every published asset partition with its current version, row count and checksum."""
        out = []
        for asset in catalog.root.assets():
            versions = []
            for partition in catalog.partitions(asset):
                stored = catalog.current(asset, partition)
                if stored is not None:
                    versions.append(
                        PartitionVersion(
                            partition=partition,
                            version=stored.version,
                            rows=stored.rows,
                            checksum=stored.checksum,
                            created=stored.manifest.get("created"),
                        )
                    )
            out.append(DatasetInfo(asset=asset, partitions=versions))
        return DatasetList(datasets=out)
