"""wiki_dump, wikidata_dump: the landing-zone files of a dump, checked before anything reads them.

Several assets read the same dump file (`pages`, `image_links`, `image_articles`, `link_graph`
read a wiki's XML and SQL dumps; `sitelinks` and `item_images` the Wikidata dump). A file that
is empty, is not the format its name says, or was cut off by a download that stopped early fails
here, once, with its real cause (the file and the byte offset); Dagster then skips every asset
that reads the dump ("upstream failed") instead of each one failing with its own stack trace.

The check costs milliseconds: bzip2 and xz end with an end-of-stream marker, read from the last
bytes (gzip has none and is decoded once). Damage inside a stream is caught by the CRCs of the
asset that decodes it, which names the compressed byte offset.
"""

from pathlib import Path

import dagster as dg

from assets.code_version import step_version
from partitions import wiki_partitions, wikidata_dump_partitions
from resources.landing import LandingZone
from wikiforge.dumps.decompress import check_complete
from wikiforge.errors import InputError


def check_dump_files(files: list[Path]) -> list[dict]:
    """Check every file; one row per file, or a ``dg.Failure`` naming every bad one.

    Raises:
        dg.Failure: One or more files are missing, empty, of the wrong format or cut off; the
            description has one line per file (path, byte offset, cause).
    """
    checked, bad = [], []
    for path in files:
        try:
            kind = check_complete(path)
        except InputError as exc:
            bad.append(exc)
            continue
        checked.append({"file": path.name, "compression": kind, "bytes": path.stat().st_size})
    if bad:
        raise dg.Failure(
            description="\n".join(str(exc) for exc in bad),
            metadata={
                "bad_files": dg.MetadataValue.json(
                    [
                        {"path": exc.path, "at": str(exc.position), "cause": exc.message}
                        for exc in bad
                    ]
                )
            },
            allow_retries=False,
        )
    return checked


def _result(date: str, checked: list[dict]) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        data_version=dg.DataVersion(date),
        metadata={
            "dump_date": date,
            "files": dg.MetadataValue.json(checked),
            "bytes": sum(row["bytes"] for row in checked),
        },
    )


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="ingest",
    kinds={"python"},
    code_version=step_version(__name__),
)
def wiki_dump(context: dg.AssetExecutionContext, landing: LandingZone) -> dg.MaterializeResult:
    """The files of the wiki's newest dump in the landing zone (pages-articles XML parts and SQL
    tables), each checked: present, not empty, the compression its name says, and (bzip2, xz,
    gzip) not cut off before its end-of-stream marker.

    Every asset that reads the dump depends on this one, so a bad download fails here once,
    naming the file and the byte offset, and the readers are skipped.
    """
    dump = landing.landing.latest_wiki_dump(context.partition_key)
    if dump is None:
        context.log.info(f"{context.partition_key}: no dump in the landing zone")
        return _result("", [])
    return _result(dump.date, check_dump_files(list(dump.files)))


@dg.asset(
    partitions_def=wikidata_dump_partitions,
    group_name="ingest",
    kinds={"python"},
    code_version=step_version(__name__),
)
def wikidata_dump(context: dg.AssetExecutionContext, landing: LandingZone) -> dg.MaterializeResult:
    """The Wikidata JSON dump of this date in the landing zone, checked as `wiki_dump` checks a
    wiki's files; `sitelinks` and `item_images` read it only once it passed.
    """
    dump = landing.landing.wikidata_dump(context.partition_key)
    if dump is None:
        context.log.info(f"{context.partition_key}: no Wikidata dump in the landing zone")
        return _result("", [])
    return _result(dump.date, check_dump_files([dump.path]))
