"""sentences: the first linked sentence of each article, split train / test / held-out."""

import dagster as dg

from partitions import wiki_partitions
from resources.storage import Artifacts
from wikiforge.links.pipeline import article_sentences
from wikiforge.links.sentences import DEFAULT_HELD_OUT_SHARE, DEFAULT_SPLIT_SEED
from wikiforge.links.stored import iter_articles, namespace_prefixes
from wikiforge.links.tables import SENTENCES_SCHEMA
from wikiforge.storage import StoredAsset


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "parquet", "csv"},
    code_version="1",
)
def sentences(context: dg.AssetExecutionContext, pages: StoredAsset) -> dg.Output[Artifacts]:
    """Per article, its first whole sentence made of text and links with at least one link.

    Split by a seeded hash of the title (50/50 train/test, as the reference's seeded shuffle),
    except that the held-out share of articles is `heldout`. Training articles contribute up to
    ten such sentences (more to learn from; the test sentences stay first sentences). Written as `sentences.parquet`
    and in the reference's `page_title<TAB>sentence_wikitext` files
    (`sentences_train.csv`, `sentences_test.csv`, `sentences_heldout.csv`).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    wiki = context.partition_key
    prefixes = namespace_prefixes(pages)
    rows = []
    articles = 0
    for row in iter_articles(pages):
        articles += 1
        for found in article_sentences(row, prefixes, wiki, DEFAULT_HELD_OUT_SHARE,
                                       DEFAULT_SPLIT_SEED):
            rows.append((found.page_title, found.sentence, found.split, found.sentence_index))
    rows.sort(key=lambda r: (r[0], r[3]))
    art = Artifacts(rows=len(rows))
    table = pa.table(
        {name: [r[i] for r in rows] for i, name in enumerate(SENTENCES_SCHEMA.names)},
        schema=SENTENCES_SCHEMA,
    )
    pq.write_table(table, art.path("sentences.parquet"))
    counts = {}
    for split in ("train", "test", "heldout"):
        with open(art.path(f"sentences_{split}.csv"), "w", encoding="utf-8") as out:
            chosen = [r for r in rows if r[2] == split]
            counts[split] = len(chosen)
            out.writelines(f"{title}\t{sentence}\n" for title, sentence, _, _ in chosen)
    art.stats = {"articles": articles, "sentences": len(rows), **counts,
                 "held_out_share": DEFAULT_HELD_OUT_SHARE, "split_seed": DEFAULT_SPLIT_SEED}
    return dg.Output(art)
