"""The landing zone as a Dagster resource (the scanning itself is pure: wikiforge.landing)."""

from __future__ import annotations

import dagster as dg

from wikiforge.landing import Landing
from wikiforge.tasks.ccindex import FetchConfig


class LandingZone(dg.ConfigurableResource):
    """Where new dumps and crawls arrive: ``dumps_dir`` and ``crawls_dir``; a crawl's index
    rows are fetched from ``cc_base_url`` (Common Crawl, or a mirror).
    """

    dumps_dir: str
    crawls_dir: str
    cc_base_url: str = FetchConfig.base_url

    @property
    def landing(self) -> Landing:
        """The landing zone's directories, scanned on each call."""
        return Landing(self.dumps_dir, self.crawls_dir)
