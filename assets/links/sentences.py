"""sentences: the first linked sentence of each article, split train / test / held-out."""

import contextlib
import functools

import dagster as dg

from assets.code_version import step_version
from partitions import wiki_partitions
from resources.engine import Engine
from resources.storage import Artifacts
from wikiforge.links.mapped import SENTENCES_MAP_SCHEMA, SENTENCES_SQL, article_sentence_rows
from wikiforge.links.sentences import DEFAULT_HELD_OUT_SHARE, DEFAULT_SPLIT_SEED
from wikiforge.links.stored import PAGE_COLUMNS, namespace_prefixes
from wikiforge.links.tables import SENTENCES_SCHEMA
from wikiforge.mapreduce import merge_stats
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "spark", "parquet", "csv"},
    code_version=step_version(__name__),
)
def sentences(
    context: dg.AssetExecutionContext, engine: Engine, pages: StoredAsset
) -> dg.Output[Artifacts]:
    """Per article, its first whole sentence made of text and links with at least one link.

    Split by a seeded hash of the title (50/50 train/test, as the reference's seeded shuffle),
    except that the held-out share of articles is `heldout`. Training articles contribute up to
    ten such sentences (more to learn from; the test sentences stay first sentences). Written as
    `sentences.parquet` and in the reference's `page_title<TAB>sentence_wikitext` files
    (`sentences_train.csv`, `sentences_test.csv`, `sentences_heldout.csv`).

    The sentences are found by a map over `pages` on the engine resource and sorted in SQL,
    straight to Parquet; the CSV files are streamed from it.
    """
    import pyarrow.parquet as pq

    wiki = context.partition_key
    find = functools.partial(
        article_sentence_rows,
        wiki=wiki,
        prefixes=namespace_prefixes(pages),
        held_out_share=DEFAULT_HELD_OUT_SHARE,
        seed=DEFAULT_SPLIT_SEED,
    )
    art = Artifacts()
    with engine.stage(
        find, pages, SENTENCES_MAP_SCHEMA, columns=PAGE_COLUMNS, batch_size=200
    ) as found:
        art.rows = engine.sql_to_parquet(
            SENTENCES_SQL,
            SENTENCES_SCHEMA,
            art.path("sentences.parquet"),
            step="sentences",
            found=found,
        )
        articles = merge_stats(engine.stats_of(found)).get("articles", 0)
    # The reference's per-split files, streamed from the sorted table.
    counts = dict.fromkeys(("train", "test", "heldout"), 0)
    with contextlib.ExitStack() as files:
        outs = {
            split: files.enter_context(
                open(art.path(f"sentences_{split}.csv"), "w", encoding="utf-8")
            )
            for split in counts
        }
        parquet = pq.ParquetFile(art.path("sentences.parquet"))
        for batch in parquet.iter_batches(
            batch_size=10_000, columns=["page_title", "sentence", "split"]
        ):
            columns = batch.to_pydict()
            for title, sentence, split in zip(
                columns["page_title"], columns["sentence"], columns["split"], strict=True
            ):
                outs[split].write(f"{title}\t{sentence}\n")
                counts[split] += 1
    art.stats = {
        "articles": articles,
        "sentences": art.rows,
        "engine": engine.kind,
        **counts,
        "held_out_share": DEFAULT_HELD_OUT_SHARE,
        "split_seed": DEFAULT_SPLIT_SEED,
    }
    return dg.Output(art)
