"""link_datasets: the published form of a wiki's link recommendation datasets and model."""

import json
import shutil

import dagster as dg
import pyarrow.parquet as pq

from assets.code_version import step_version
from partitions import wiki_partitions
from resources.storage import Artifacts, DataStore
from wikiforge.links.index import INDEX_DIR
from wikiforge.links.publish import DATASETS, write_checksum, write_mysql_dump, write_sqlite_store
from wikiforge.links.stored import (
    compile_tables,
    is_partial_dump,
    load_vectors,
    namespace_prefixes,
)
from wikiforge.links.tables import anchors_from_table, pairs
from wikiforge.storage import StoredAsset
from wikiforge.wikis import language_of


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"sqlite", "mysql", "json"},
    deps=["backtest"],
    code_version=step_version(__name__),
)
def link_datasets(
    context: dg.AssetExecutionContext,
    store: DataStore,
    pages: StoredAsset,
    pageids: StoredAsset,
    redirects: StoredAsset,
    links: StoredAsset,
    anchors_filtered: StoredAsset,
    embeddings: StoredAsset,
    link_model: StoredAsset,
) -> dg.Output[Artifacts]:
    """What the recommender serves, in the reference's published layout: per dataset
    (anchors, redirects, pageids, w2vfiltered) a SQLite store with `.gz` and `.checksum`, the
    `lr_<wiki>_<dataset>.sql.gz` MySQL/MariaDB dump with its checksum, the model JSON with its
    checksum, `wikis.txt` (the index of published wikis) and `bundle/` (Parquet copies, the
    compiled, memory-mapped `index/` and `meta.json`, which the server loads). Built only when the backtest check passes.
    """
    wiki = context.partition_key
    partial = is_partial_dump(links)
    language, prefixes = language_of(wiki), namespace_prefixes(pages)
    anchors_table, pageids_table = anchors_filtered.table(), pageids.table()
    redirects_table, embeddings_table = redirects.table(), embeddings.table()
    anchor_map, probability = anchors_from_table(anchors_table)
    ids = pairs(pageids_table, "title", "page_id")
    resolved = (
        redirects_table
        if partial
        else redirects_table.filter(redirects_table.column("target_exists"))
    )
    redirect_map = pairs(resolved, "title", "target")
    titles, matrix = load_vectors(embeddings_table)
    items = {
        "anchors": lambda: ((k, anchor_map[k]) for k in sorted(anchor_map)),
        "redirects": lambda: ((k, redirect_map[k]) for k in sorted(redirect_map)),
        "pageids": lambda: ((k, ids[k]) for k in sorted(ids)),
        "w2vfiltered": lambda: ((t, matrix[i]) for i, t in enumerate(titles)),
    }
    art = Artifacts()
    checksums = {}
    for dataset in DATASETS:
        checksums[dataset] = write_sqlite_store(items[dataset](), art.dir, wiki, dataset)
        write_mysql_dump(items[dataset](), art.dir, wiki, dataset)
    model_name = f"{wiki}.linkmodel.json"
    shutil.copyfile(link_model.path(model_name), art.path(model_name))
    checksums["model"] = write_checksum(art.path(model_name), art.path(f"{model_name}.checksum"))
    published = sorted(set(store.partitions("link_datasets")) | {wiki})
    art.path("wikis.txt").write_text("".join(f"{w}\n" for w in published))
    bundle = art.path("bundle/meta.json").parent
    pq.write_table(anchors_table, bundle / "anchors.parquet")
    pq.write_table(pageids_table, bundle / "pageids.parquet")
    pq.write_table(redirects_table, bundle / "redirects.parquet")
    pq.write_table(embeddings_table, bundle / "embeddings.parquet")
    # The compiled index the server maps (every server process shares its pages).
    compile_tables(
        bundle / INDEX_DIR,
        anchors_table,
        pageids_table,
        redirects_table,
        embeddings_table,
        language,
        prefixes,
        partial,
    )
    meta = {
        "wiki": wiki,
        "language_code": language,
        "namespace_prefixes": sorted(prefixes),
        "partial_dump": partial,
        "dataset_checksums": checksums,
        "model": model_name,
        # The checksum, not the version name (a timestamp): same pages, same file. The exact
        # input versions are in the manifest's lineage.
        "pages_checksum": pages.checksum,
    }
    (bundle / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    art.stats = {
        "anchors": len(anchor_map),
        "pageids": len(ids),
        "redirects": len(redirect_map),
        "vectors": len(titles),
        "published_wikis": published,
        "dataset_checksums": checksums,
    }
    return dg.Output(art)
