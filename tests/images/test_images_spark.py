"""image_links' wikitext step on Spark gives the rows the local engine gives (real pages)."""

import functools
import itertools

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from resources.engine import Engine
from resources.storage import Artifacts, TableStream
from tests.conftest import SAMPLE_DUMPS
from wikiforge.dumps.pages_table import PAGES_SCHEMA, pages_to_batches
from wikiforge.dumps.xml_reader import read_pages
from wikiforge.images.files import file_prefixes
from wikiforge.images.links import file_uses_batch
from wikiforge.images.tables import IMAGE_LINKS_SCHEMA
from wikiforge.storage import DataRoot, describe_files, write_parquet

COLUMNS = ["page_id", "namespace", "title", "redirect", "text"]


def _rows(result) -> list[tuple]:
    if isinstance(result, TableStream):
        parts = [t.to_batches() if isinstance(t, pa.Table) else [t] for t in result.batches]
        table = pa.Table.from_batches([b for part in parts for b in part], schema=result.schema)
    else:
        assert isinstance(result, Artifacts)
        table = pa.concat_tables(pq.read_table(p) for p in sorted(result.dir.glob("*.parquet")))
    return sorted(tuple(r.values()) for r in table.to_pylist())


@pytest.mark.spark
def test_file_uses_on_spark_equal_local(tmp_path, spark_engine):
    reader = read_pages(
        SAMPLE_DUMPS / "nvwiki" / "20150602" / "nvwiki-20150602-pages-articles.xml.bz2"
    )
    prefixes = tuple(file_prefixes(reader.siteinfo.namespaces, "nv"))
    root = DataRoot(tmp_path / "data")
    staged = root.staging()
    batches = list(pages_to_batches(itertools.islice(reader, 1500), batch_pages=400))
    write_parquet(staged, batches, PAGES_SCHEMA, what="pages")
    stored = root.publish("pages", "nvwiki", staged, {"files": describe_files(staged)})
    fn = functools.partial(file_uses_batch, prefixes=prefixes)
    local = _rows(
        Engine(kind="local", workers=2).map_batches(
            fn, stored, IMAGE_LINKS_SCHEMA, columns=COLUMNS, batch_size=300
        )
    )
    spark = _rows(spark_engine.map_batches(fn, stored, IMAGE_LINKS_SCHEMA, columns=COLUMNS))
    assert len(local) > 500 and spark == local
