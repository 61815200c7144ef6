"""html_documents: every HTML page of a crawl (WARC files, index-CSV fetches, saved pages)."""

from collections.abc import Iterator
from typing import Any

import dagster as dg

from assets.code_version import step_version
from partitions import crawl_partitions
from resources.landing import LandingZone
from resources.storage import DataStore, TableStream, source_metadata, table_schema
from wikiforge.tasks.ccindex import FetchConfig
from wikiforge.tasks.pipeline import crawl_documents, document_batches
from wikiforge.tasks.records import HTML_DOCUMENT_SCHEMA


@dg.asset(
    partitions_def=crawl_partitions,
    group_name="tasks",
    kinds={"python", "parquet"},
    metadata=table_schema(HTML_DOCUMENT_SCHEMA),
    output_required=False,
    code_version=step_version(__name__),
)
def html_documents(
    context: dg.AssetExecutionContext, landing: LandingZone
) -> Iterator[dg.Output[TableStream]]:
    """Decoded HTML pages of one crawl with OAT's HTMLDocument fields (warc_segment a string).

    WARC/1.0, 1.1, 0.17 and 0.18 files (plain, per-record or whole-file gzip) are read with
    chunked and gzip bodies decoded; revisit, request, metadata and non-HTML records are skipped
    and counted; a broken record ends its file and is counted. An `index.csv` (Common Crawl
    columns) is fetched with HTTP Range requests from the landing zone's `cc_base_url`
    (`WIKIFORGE_CC_BASE_URL`, default data.commoncrawl.org) with bounded workers, retries and a timeout; failed rows are listed
    in the metadata. Saved pages under `html/` take their URL from the canonical link.
    """
    crawl = landing.landing.crawls().get(context.partition_key)
    if crawl is None:
        context.log.info(f"{context.partition_key}: crawl not in the landing zone")
        return
    fetch = FetchConfig(base_url=landing.cc_base_url)
    stats: dict[str, Any] = {}
    documents = crawl_documents(
        crawl.name,
        warcs=crawl.warcs,
        index_csv=crawl.index_csv,
        html_files=crawl.html,
        html_root=landing.landing.crawls_dir / crawl.name / "html",
        fetch=fetch,
        stats=stats,
    )
    yield dg.Output(
        TableStream(HTML_DOCUMENT_SCHEMA, document_batches(documents), stats),
        metadata={"crawl": crawl.name, **source_metadata(*((p, None) for p in crawl.files))},
    )


@dg.asset_check(
    asset=html_documents, blocking=True, description="Every document has a URL and non-empty HTML."
)
def html_documents_complete(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """A document without URL or HTML would be parsed into nothing; it means a reader bug."""
    import duckdb

    files = [str(p) for p in store.require("html_documents", context.partition_key).parquet_paths()]
    if not files:
        return dg.AssetCheckResult(passed=True, metadata={"rows": 0})
    with duckdb.connect() as con:
        rows, empty = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE url = '' OR length(html) = 0) "
            "FROM read_parquet($files)",
            {"files": files},
        ).fetchone()
    return dg.AssetCheckResult(passed=empty == 0, metadata={"rows": rows, "empty": empty})
