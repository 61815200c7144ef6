"""embeddings: 50-dimensional article vectors learned from the wiki itself."""

import tempfile
from pathlib import Path

import dagster as dg
import pyarrow as pa

from assets.code_version import step_version
from partitions import wiki_partitions
from resources.storage import table_schema
from wikiforge.links.embeddings import DEFAULT_SEED, DIMENSIONS, build_vectors, vectors_matrix
from wikiforge.links.sentences import is_held_out
from wikiforge.links.stored import is_partial_dump, iter_articles, load_titles, namespace_prefixes
from wikiforge.links.tables import EMBEDDINGS_SCHEMA
from wikiforge.storage import StoredAsset
from wikiforge.wikis import language_of


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "gensim", "parquet"},
    metadata=table_schema(EMBEDDINGS_SCHEMA),
    code_version=step_version(__name__),
)
def embeddings(
    context: dg.AssetExecutionContext,
    pages: StoredAsset,
    pageids: StoredAsset,
    redirects: StoredAsset,
    links: StoredAsset,
) -> dg.Output[pa.Table]:
    """Article vectors (word2vec, 50 dimensions) learned as wikipedia2vec does: each link is an
    entity token in the running text, plus a link-graph line per article. Seeded, one worker,
    a stable hash: the same vectors on every run. The corpus is streamed through a temporary
    file; held-out articles are left out of it.
    """
    wiki = context.partition_key
    partial = is_partial_dump(links)
    ids, redirect_map = load_titles(pageids.table(), redirects.table(), partial)
    learning = (row for row in iter_articles(pages) if not is_held_out(wiki, row["title"]))
    with tempfile.TemporaryDirectory(prefix="links-corpus-") as work:
        vectors, lines = build_vectors(
            learning,
            ids,
            redirect_map,
            language_of(wiki),
            namespace_prefixes(pages),
            Path(work) / "corpus.txt",
            seed=DEFAULT_SEED,
            allow_unknown_targets=partial,
        )
    titles, matrix = vectors_matrix(vectors)
    vector_column = pa.FixedSizeListArray.from_arrays(
        pa.array(matrix.reshape(-1), type=pa.float32()), DIMENSIONS
    )
    table = pa.table({"title": titles, "vector": vector_column}, schema=EMBEDDINGS_SCHEMA)
    return dg.Output(
        table,
        metadata={
            "corpus_lines": lines,
            "vectors": len(titles),
            "seed": DEFAULT_SEED,
            "articles": len(ids),
        },
    )
