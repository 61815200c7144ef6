"""Resources, built in one place from the settings (``wikiforge.settings``).

The data root (``WIKIFORGE_DATA``), the landing zone (``WIKIFORGE_DUMPS``, ``WIKIFORGE_CRAWLS``,
``WIKIFORGE_CC_BASE_URL``), the engine (``WIKIFORGE_ENGINE``, ``WIKIFORGE_SPARK_MASTER``) and the
remote root's cache (``WIKIFORGE_CACHE``) come from ``Settings``; arguments override them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from resources.engine import Engine
from resources.landing import LandingZone
from resources.storage import DataStore, ParquetIOManager
from wikiforge.settings import Settings


def build_resources(
    settings: Settings | None = None,
    *,
    data_root: str | Path | None = None,
    dumps_dir: str | Path | None = None,
    crawls_dir: str | Path | None = None,
    engine: str | None = None,
    spark_master: str | None = None,
) -> dict[str, Any]:
    """The resources every asset and sensor uses: ``settings`` (default: the environment's),
    with any argument given overriding its field.
    """
    settings = (settings or Settings.from_env()).with_(
        data=None if data_root is None else str(data_root),
        dumps=None if dumps_dir is None else Path(dumps_dir),
        crawls=None if crawls_dir is None else Path(crawls_dir),
        engine=engine,
        spark_master=spark_master,
    )
    # A remote data root (s3://, hdfs://...) is used as a URL; a local one as an absolute path.
    data = settings.data_root
    cache = str(settings.cache)
    return {
        "io_manager": ParquetIOManager(data_root=data, cache_dir=cache),
        "store": DataStore(data_root=data, cache_dir=cache),
        "landing": LandingZone(
            dumps_dir=str(settings.dumps.resolve()),
            crawls_dir=str(settings.crawls.resolve()),
            cc_base_url=settings.cc_base_url,
        ),
        "engine": Engine(
            kind=settings.engine,
            spark_config={"spark.master": settings.spark_master},
            spark_staging_url=f"{data}/.staging" if settings.data_is_remote else "",
        ),
    }
