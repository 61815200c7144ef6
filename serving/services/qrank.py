"""QRank: the newest published ranking, one entity's rank in it, and its download files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from serving.datasets import DatasetCatalog, Loaded
from serving.schemas.qrank import QRankEntry
from serving.services.errors import InvalidParameter, NotFound
from wikiforge.qrank.lookup import QRankIndex, parse_entity
from wikiforge.storage import StoredAsset

#: Download name -> (asset, file in the asset's version, content type).
DOWNLOADS = {
    "qrank.csv.gz": ("qrank", "qrank.csv.gz", "application/gzip"),
    "qrank-stats.json": ("qrank_stats", "qrank-stats.json", "application/json"),
    "qrank-distribution.png": ("qrank_stats", "qrank-distribution.png", "image/png"),
}


def _load_index(stored: StoredAsset) -> QRankIndex:
    return QRankIndex.from_file(stored.path("qrank.csv.gz"))


@dataclass(frozen=True)
class DownloadFile:
    """A file of the newest published version, to be sent as a download."""

    path: Path
    sha256: str
    content_type: str


class QRankService:
    """Rankings of Wikidata entities by page views, as published by the qrank assets."""

    def __init__(self, catalog: DatasetCatalog) -> None:
        self.catalog = catalog

    def newest(self, asset: str) -> tuple[str, StoredAsset] | None:
        """(dump date, stored version) of the newest published partition of an asset."""
        return self.catalog.newest(asset)

    def download(self, name: str) -> DownloadFile:
        """The newest version of a download; 400 for a name with a path, 404 for an unknown one."""
        if "/" in name or "\\" in name or ".." in name or "\0" in name:
            raise InvalidParameter(f"invalid download name {name!r}")
        spec = DOWNLOADS.get(name)
        if spec is None:
            raise NotFound(f"no download named {name!r}; there are {sorted(DOWNLOADS)}")
        asset, file_name, content_type = spec
        newest = self.newest(asset)
        if newest is None:
            raise NotFound(f"{name} has not been published yet")
        _, stored = newest
        try:
            return DownloadFile(
                stored.path(file_name), stored.files[file_name]["sha256"], content_type
            )
        except (FileNotFoundError, KeyError) as exc:
            raise NotFound(f"{name} is not in the published version") from exc

    def ranking(self) -> tuple[str, Loaded[QRankIndex]]:
        """(dump date, loaded index) of the newest published ranking; 404 when there is none
        (or it fails to load: the catalog logs why).
        """
        newest = self.newest("qrank")
        if newest is None:
            raise NotFound("no ranking has been published yet")
        dump_date, _ = newest
        loaded = self.catalog.get("qrank", dump_date, _load_index)
        if loaded is None:
            raise NotFound("no ranking has been published yet")
        return dump_date, loaded

    def entity(self, qid: str) -> QRankEntry:
        """One entity's rank in the newest ranking; 400 for a malformed id, 404 if not ranked."""
        number = parse_entity(qid)
        if number is None:
            raise InvalidParameter(f"{qid!r} is not a Wikidata item id like Q42")
        dump_date, loaded = self.ranking()
        found = loaded.value.lookup(number)
        if found is None:
            raise NotFound(f"{qid} is not ranked in the {dump_date} ranking")
        return QRankEntry(
            entity=qid,
            rank=found.rank,
            views=found.views,
            dump_date=dump_date,
            ranked_entities=len(loaded.value),
            checksum=loaded.stored.files["qrank.csv.gz"]["sha256"],
        )
