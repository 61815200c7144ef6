"""The main job on the bundled sample data: every run succeeds and every asset check passes.

These are the design card's CI asset checks: the same code path as `wikiforge demo`.
"""

from pathlib import Path

import pytest

from cli.platform import materialize_landing
from tests.conftest import SAMPLE_CRAWLS, SAMPLE_DUMPS
from wikiforge.settings import Settings


@pytest.mark.slow
def test_main_job_on_sample_data_passes_every_asset_check(tmp_path: Path):
    lines: list[str] = []
    settings = Settings(data=str(tmp_path / "data"), dumps=SAMPLE_DUMPS, crawls=SAMPLE_CRAWLS)
    outcomes = materialize_landing(settings, echo=lines.append)
    failed_runs = [f"{o.job}[{o.partition}]: {o.error}" for o in outcomes if not o.success]
    failed_checks = [c for o in outcomes for c in o.checks_failed]
    assert not failed_runs, "\n".join(failed_runs)
    assert not failed_checks, failed_checks
    assert sum(o.checks_passed for o in outcomes) > 0
    materialized = {a for o in outcomes for a in o.materialized}
    assert "pages" in materialized
