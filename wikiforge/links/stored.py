"""Reading the links line's published tables (StoredAsset handles) into library structures.

Used by the assets (each step reads its inputs) and by the server (which loads the published
`link_datasets` bundle). No dagster, no litestar.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from wikiforge.links.embeddings import DIMENSIONS
from wikiforge.links.index import INDEX_DIR, META_FILE, LinkIndex, compile_index
from wikiforge.links.tables import pairs
from wikiforge.storage import StoredAsset
from wikiforge.wikis import language_of
from wikiforge.wikitext.plain import CANONICAL_NAMESPACE_PREFIXES

PAGE_COLUMNS = ["page_id", "namespace", "title", "redirect", "text"]
#: Below this share of link targets present, a dump is a slice of a wiki (the English sample and
#: the cut ja/el/uk dumps): targets it does not hold are kept, or nothing is left to learn from.
#: A whole wiki resolves far more, even a small one full of red links (Hausa: a third).
PARTIAL_DUMP_SHARE = 0.1


def namespace_prefixes(pages: StoredAsset) -> frozenset[str]:
    """The wiki's namespace names (from the dump's siteinfo, in the pages manifest), lower-cased,
    plus the canonical English names and common interwiki prefixes.
    """
    names = (pages.manifest.get("stats") or {}).get("namespaces") or {}
    found = {str(name).strip().lower() for key, name in names.items() if str(key) != "0" and name}
    return frozenset(found) | CANONICAL_NAMESPACE_PREFIXES


def iter_articles(pages: StoredAsset, batch_size: int = 500) -> Iterator[dict]:
    """The main-namespace, non-redirect rows of `pages`, streamed."""
    for batch in pages.iter_batches(batch_size=batch_size, columns=PAGE_COLUMNS):
        for row in batch.to_pylist():
            if row["namespace"] == 0 and not row["redirect"]:
                yield row


def resolvable_share(links: StoredAsset) -> float:
    """Share of link rows whose target the dump holds (1.0 for a wiki without links)."""
    import duckdb

    files = [str(p) for p in links.parquet_paths()]
    with duckdb.connect() as con:
        found = con.execute(
            "SELECT avg(CASE WHEN target_exists THEN 1.0 ELSE 0.0 END) FROM read_parquet($f)",
            {"f": files},
        ).fetchone()
    share = found[0] if found else None
    return 1.0 if share is None else float(share)


def is_partial_dump(links: StoredAsset) -> bool:
    """Whether the dump is a slice of a wiki (most link targets missing)."""
    return resolvable_share(links) < PARTIAL_DUMP_SHARE


def load_titles(
    pageids: pa.Table, redirects: pa.Table, partial: bool
) -> tuple[dict[str, int], dict[str, str]]:
    """Page ids and redirects as dicts; on a full dump, redirects to missing pages are dropped."""
    ids = pairs(pageids, "title", "page_id")
    if not partial:
        redirects = redirects.filter(redirects.column("target_exists"))
    return ids, pairs(redirects, "title", "target")


def load_vectors(embeddings: pa.Table) -> tuple[list[str], np.ndarray]:
    """Titles and a float32 matrix from an embeddings table."""
    titles = embeddings.column("title").to_pylist()
    return titles, vector_matrix(embeddings)


def vector_matrix(embeddings: pa.Table) -> np.ndarray:
    """The `vector` column of an embeddings table as a float32 matrix."""
    flat = embeddings.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False)
    return np.asarray(flat, dtype=np.float32).reshape(embeddings.num_rows, DIMENSIONS)


def compile_tables(
    directory: Path,
    anchors: pa.Table,
    pageids: pa.Table,
    redirects: pa.Table,
    embeddings: pa.Table,
    language_code: str,
    prefixes: frozenset[str],
    partial: bool,
) -> Path:
    """Compile a wiki's published tables into a `LinkIndex` directory. On a full dump,
    redirects to missing pages are dropped.
    """
    if not partial:
        redirects = redirects.filter(redirects.column("target_exists"))
    return compile_index(
        directory,
        anchors=anchors,
        pageids=pageids.select(["title", "page_id"]),
        redirects=redirects.select(["title", "target"]),
        vector_titles=embeddings.column("title"),
        vectors=vector_matrix(embeddings),
        language_code=language_code,
        namespace_prefixes=prefixes,
        allow_unknown_targets=partial,
    )


BUNDLE_FILES = ("anchors.parquet", "pageids.parquet", "redirects.parquet", "embeddings.parquet")


def load_bundle(directory: Path) -> tuple[LinkIndex, dict]:
    """Load the serving bundle written by `link_datasets` (`bundle/` + `bundle/meta.json`):
    its compiled `index/`, mapped (a bundle published before the index existed is compiled
    from its Parquet copies).
    """
    meta = json.loads((directory / "meta.json").read_text())
    if (directory / INDEX_DIR / META_FILE).exists():
        return LinkIndex.open(directory / INDEX_DIR), meta
    anchors, pageids, redirects, embeddings = (
        pq.read_table(directory / name) for name in BUNDLE_FILES
    )
    index = LinkIndex.temporary(
        lambda target: compile_tables(
            target,
            anchors,
            pageids,
            redirects,
            embeddings,
            meta["language_code"],
            frozenset(meta["namespace_prefixes"]),
            meta["partial_dump"],
        )
    )
    return index, meta


def compile_stored(
    directory: Path,
    wiki: str,
    pages: StoredAsset,
    pageids: StoredAsset,
    redirects: StoredAsset,
    links: StoredAsset,
    anchors: StoredAsset,
    embeddings: StoredAsset,
) -> Path:
    """Compile the `LinkIndex` of a wiki from its published tables into `directory`."""
    try:
        return compile_tables(
            directory,
            anchors.table(),
            pageids.table(),
            redirects.table(),
            embeddings.table(),
            language_of(wiki),
            namespace_prefixes(pages),
            is_partial_dump(links),
        )
    finally:
        # The tables are garbage now. Arrow's allocator keeps freed pages for reuse; hand them
        # back, or the step carries them through its whole map (~90 MiB at 500 MB of XML).
        pa.default_memory_pool().release_unused()


def index_from_stored(
    wiki: str,
    pages: StoredAsset,
    pageids: StoredAsset,
    redirects: StoredAsset,
    links: StoredAsset,
    anchors: StoredAsset,
    embeddings: StoredAsset,
) -> LinkIndex:
    """The `LinkIndex` of a wiki from its published tables (in a temporary directory)."""
    return LinkIndex.temporary(
        lambda directory: compile_stored(
            directory, wiki, pages, pageids, redirects, links, anchors, embeddings
        )
    )


def sentence_pairs(sentences: StoredAsset, split: str) -> list[tuple[str, str]]:
    """`(page_title, sentence)` of one split of the `sentences` asset."""
    table = pq.read_table(sentences.path("sentences.parquet"))
    columns = table.to_pydict()
    return [
        (title, sentence)
        for title, sentence, part in zip(
            columns["page_title"], columns["sentence"], columns["split"], strict=True
        )
        if part == split
    ]
