"""The main job on the bundled sample data: every run succeeds and every asset check passes.

These are the design card's CI asset checks: the same code path as `wikiforge demo`
(``main_job`` in tests/conftest.py runs it once per session).
"""

import pytest

from tests.conftest import MainJob


@pytest.mark.slow
def test_main_job_on_sample_data_passes_every_asset_check(main_job: MainJob):
    outcomes = main_job.outcomes
    failed_runs = [f"{o.job}[{o.partition}]: {o.error}" for o in outcomes if not o.success]
    failed_checks = [c for o in outcomes for c in o.checks_failed]
    assert not failed_runs, "\n".join(failed_runs)
    assert not failed_checks, failed_checks
    assert sum(o.checks_passed for o in outcomes) > 0
    materialized = {a for o in outcomes for a in o.materialized}
    assert "pages" in materialized
    # Every job of the graph ran (a landing zone holding every kind of input).
    assert {o.job for o in outcomes} >= {"month_job", "wikidata_job", "wiki_job", "global_job"}
