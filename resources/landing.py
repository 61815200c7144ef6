"""The landing zone as a Dagster resource (the scanning itself is pure: wikiforge.landing)."""

from __future__ import annotations

import dagster as dg

from wikiforge.landing import Landing


class LandingZone(dg.ConfigurableResource):
    """Where new dumps and crawls arrive: ``dumps_dir`` and ``crawls_dir``."""

    dumps_dir: str
    crawls_dir: str

    @property
    def landing(self) -> Landing:
        return Landing(self.dumps_dir, self.crawls_dir)
