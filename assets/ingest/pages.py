"""pages: every page of a wiki's latest pages-articles dump, streamed into a typed table."""

from collections.abc import Iterator
from typing import Any

import dagster as dg

from assets.code_version import step_version
from partitions import wiki_partitions
from resources.landing import LandingZone
from resources.storage import DataStore, TableStream, source_metadata, table_schema
from wikiforge.dumps.pages_table import PAGES_SCHEMA, pages_to_batches
from wikiforge.dumps.xml_reader import read_pages


def _stream_pages(paths: list, stats: dict[str, Any]) -> Iterator:
    """Batches of every part file in order; the readers' reports summed into ``stats``."""
    stats.update(pages_read=0, skipped=0, skipped_by_reason={}, truncated=False)
    duplicates: dict[str, int] = {}
    for path in paths:
        reader = read_pages(path)
        yield from pages_to_batches(reader, skipped=duplicates)
        report = reader.report
        stats["pages_read"] += report.pages
        for reason, count in report.skipped.items():
            stats["skipped_by_reason"][reason] = stats["skipped_by_reason"].get(reason, 0) + count
            stats["skipped"] += count
        if report.truncated:
            stats["truncated"] = True
            stats["truncated_at"] = f"{path.name}: {report.truncated_at}"
        stats["siteinfo_from_file"] = not getattr(reader.siteinfo, "from_default", False)
        stats["namespaces"] = {str(k): v for k, v in sorted(reader.siteinfo.namespaces.items())}
    for reason, count in duplicates.items():
        stats["skipped_by_reason"][reason] = count
        stats["skipped"] += count


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="ingest",
    deps=["wiki_dump"],
    kinds={"python", "parquet"},
    metadata=table_schema(PAGES_SCHEMA),
    output_required=False,
    code_version=step_version(__name__),
)
def pages(
    context: dg.AssetExecutionContext, landing: LandingZone
) -> Iterator[dg.Output[TableStream]]:
    """Every page (id, namespace, title, redirect target, revision, timestamp, wikitext) of the
    wiki's newest pages-articles dump in the landing zone.

    Read as a stream (bounded memory; bzip2 decoded on both cores). An excerpt (a complete
    compressed stream whose XML stops mid-page) keeps every complete page and the cut is reported
    in the metadata; a compressed stream cut off (an incomplete download) fails naming the file
    and byte offset, and nothing is published. Pages with an invalid title or no text are
    skipped and counted. A wiki that has only SQL dumps yields no pages, and the
    assets built from pages are skipped for it.
    """
    dump = landing.landing.latest_wiki_dump(context.partition_key)
    if dump is None or not dump.pages:
        context.log.info(f"{context.partition_key}: no pages-articles XML in the landing zone")
        return
    stats: dict[str, Any] = {}
    yield dg.Output(
        TableStream(PAGES_SCHEMA, _stream_pages(list(dump.pages), stats), stats),
        data_version=dg.DataVersion(dump.date),
        metadata={
            "dump_date": dump.date,
            **source_metadata(*((p, dump.date) for p in dump.pages)),
        },
    )


@dg.asset_check(asset=pages, blocking=True, description="Page ids and titles are unique.")
def pages_unique(context: dg.AssetCheckExecutionContext, store: DataStore) -> dg.AssetCheckResult:
    """A dump lists every page once; duplicates mean two dumps were mixed or the reader erred."""
    import duckdb

    files = [str(p) for p in store.require("pages", context.partition_key).parquet_paths()]
    with duckdb.connect() as con:
        dup_ids, dup_titles, rows = con.execute(
            "SELECT count(*) - count(DISTINCT page_id), count(*) - count(DISTINCT title), "
            "count(*) FROM read_parquet($files)",
            {"files": files},
        ).fetchone()
    return dg.AssetCheckResult(
        passed=dup_ids == 0 and dup_titles == 0,
        metadata={"rows": rows, "duplicate_ids": dup_ids, "duplicate_titles": dup_titles},
    )
