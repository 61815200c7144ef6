"""Resources, chosen in one place from the environment.

``WIKIFORGE_DATA`` (default ``./data``) is the data root; ``WIKIFORGE_DUMPS`` and
``WIKIFORGE_CRAWLS`` (defaults ``./dumps``, ``./crawls``) the landing zone; ``WIKIFORGE_ENGINE``
is ``local`` (default) or ``spark`` with ``WIKIFORGE_SPARK_MASTER`` (default ``local[2]``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from resources.engine import Engine
from resources.landing import LandingZone
from resources.storage import DataStore, ParquetIOManager


def build_resources(
    data_root: str | Path | None = None,
    dumps_dir: str | Path | None = None,
    crawls_dir: str | Path | None = None,
    engine: str | None = None,
    spark_master: str | None = None,
) -> dict[str, Any]:
    """The resources every asset and sensor uses; arguments override the environment."""
    env = os.environ
    data_text = str(data_root or env.get("WIKIFORGE_DATA", "data"))
    remote = "://" in data_text and not data_text.startswith("file://")
    # A remote data root (s3://, hdfs://...) is used as a URL; a local one as an absolute path.
    data = (
        data_text.rstrip("/") if remote else str(Path(data_text.removeprefix("file://")).resolve())
    )
    dumps = Path(dumps_dir or env.get("WIKIFORGE_DUMPS", "dumps")).resolve()
    crawls = Path(crawls_dir or env.get("WIKIFORGE_CRAWLS", "crawls")).resolve()
    spark_config = {"spark.master": spark_master or env.get("WIKIFORGE_SPARK_MASTER", "local[2]")}
    return {
        "io_manager": ParquetIOManager(data_root=str(data)),
        "store": DataStore(data_root=str(data)),
        "landing": LandingZone(dumps_dir=str(dumps), crawls_dir=str(crawls)),
        "engine": Engine(
            kind=engine or env.get("WIKIFORGE_ENGINE", "local"),
            spark_config=spark_config,
            spark_staging_url=f"{data}/.staging" if remote else "",
        ),
    }
