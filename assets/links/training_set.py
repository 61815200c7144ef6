"""training_set: the six reference features (and three more) and the label of every
(mention, candidate) of the whole training articles.
"""

import functools
import tempfile
import uuid
from pathlib import Path

import dagster as dg
import pyarrow.compute as pc
import pyarrow.parquet as pq

from assets.code_version import step_version
from partitions import wiki_partitions
from resources.engine import Engine
from resources.storage import PARQUET_FILE, Artifacts, table_schema
from wikiforge.links.mapped import TRAINING_SQL, training_rows_of
from wikiforge.links.sentences import DEFAULT_SPLIT_SEED
from wikiforge.links.stored import PAGE_COLUMNS, compile_stored
from wikiforge.links.tables import TRAINING_SCHEMA
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "spark", "parquet"},
    metadata=table_schema(TRAINING_SCHEMA),
    code_version=step_version(__name__),
)
def training_set(
    context: dg.AssetExecutionContext,
    engine: Engine,
    pages: StoredAsset,
    pageids: StoredAsset,
    redirects: StoredAsset,
    links: StoredAsset,
    anchors_filtered: StoredAsset,
    embeddings: StoredAsset,
) -> dg.Output[Artifacts]:
    """One row per mention and candidate of the training articles: n-gram length, frequency,
    ambiguity, kurtosis, embedding cosine, Jaro similarity (the reference's six), commonness,
    link probability and rank, and the label (1 when the article links that anchor to that
    candidate).

    The reference trains on first sentences; here each article of the `train` split (the
    held-out share excluded) is seen as the recommender sees a page it is asked to link: every
    article link stripped, every mention the serving code finds, scored with the same feature
    function. Trained on what it will be asked, the model's scores can be calibrated for it.

    The rows are made by a map over the pages on the engine resource. The wiki's index is
    compiled once into memory-mapped files that every worker opens (shipped to executors on
    Spark), so workers share one copy of it; the rows go to Parquet without passing through
    this process.
    """
    wiki = context.partition_key
    out = Artifacts()
    with tempfile.TemporaryDirectory(prefix="wikiforge-training-") as work:
        # Unique: Spark registers shipped directories by name for the session's lifetime.
        index_dir = compile_stored(
            Path(work) / f"index-{uuid.uuid4().hex}",
            wiki,
            pages,
            pageids,
            redirects,
            links,
            anchors_filtered,
            embeddings,
        )
        rows_of = functools.partial(
            training_rows_of,
            wiki=wiki,
            index_location=engine.side_directory(index_dir),
            seed=DEFAULT_SPLIT_SEED,
        )
        with engine.stage(
            rows_of, pages, TRAINING_SCHEMA, batch_size=200, columns=PAGE_COLUMNS
        ) as training:
            out.rows = engine.sql_to_parquet(
                TRAINING_SQL, TRAINING_SCHEMA, out.path(PARQUET_FILE), training=training
            )
    labels = pq.read_table(out.path(PARQUET_FILE), columns=["label"]).column("label")
    positives = int(pc.sum(labels).as_py() or 0)
    pages_column = pq.read_table(out.path(PARQUET_FILE), columns=["page"]).column("page")
    articles = len(pc.unique(pages_column))
    return dg.Output(
        out,
        metadata={
            "articles": articles,
            "split_seed": DEFAULT_SPLIT_SEED,
            "positives": positives,
            "negatives": out.rows - positives,
            "engine": engine.kind,
        },
    )
