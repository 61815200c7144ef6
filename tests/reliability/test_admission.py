"""Admission control of CPU-heavy routes: a few at a time, the rest wait; other routes never do.

(bench/load_mixed.py measures what it buys under load: cheap lookups stay fast while the link
recommender and task search are saturated.)
"""

from __future__ import annotations

import asyncio

from serving.app import CPU_HEAVY_PREFIXES, HeavyRouteAdmission, default_heavy_concurrency


def _run(limit: int, paths: list[str]) -> tuple[int, list[str]]:
    """Send requests for ``paths`` at once; returns the peak of heavy requests running at once
    and the order in which the requests finished.
    """
    admission = HeavyRouteAdmission(limit, prefixes=("/heavy",))
    running = peak = 0
    finished: list[str] = []

    async def app(scope, receive, send):
        nonlocal running, peak
        heavy = scope["path"].startswith("/heavy")
        running += heavy
        peak = max(peak, running)
        await asyncio.sleep(0.05 if heavy else 0.001)
        running -= heavy
        finished.append(scope["path"])

    async def main():
        await asyncio.gather(
            *(admission.handle({"type": "http", "path": p}, None, None, app) for p in paths)
        )

    asyncio.run(main())
    return peak, finished


def test_heavy_requests_run_at_most_limit_at_once():
    peak, finished = _run(2, [f"/heavy/{n}" for n in range(8)])
    assert peak == 2 and len(finished) == 8


def test_other_routes_pass_while_heavy_ones_queue():
    paths = [f"/heavy/{n}" for n in range(6)] + ["/light/a", "/light/b"]
    peak, finished = _run(1, paths)
    assert peak == 1
    # The cheap requests finish before the queued heavy ones are through.
    assert finished.index("/light/b") < finished.index("/heavy/1")


def test_zero_turns_admission_control_off():
    peak, _ = _run(0, [f"/heavy/{n}" for n in range(5)])
    assert peak == 5


def test_defaults_cover_the_heavy_routes(monkeypatch):
    assert "/v1/linkrecommendations/" in CPU_HEAVY_PREFIXES
    assert "/v1/tasks/search" in CPU_HEAVY_PREFIXES
    from wikiforge.settings import Settings

    monkeypatch.setenv("WIKIFORGE_HEAVY_CONCURRENCY", "3")
    assert default_heavy_concurrency(Settings.from_env()) == 3
    monkeypatch.delenv("WIKIFORGE_HEAVY_CONCURRENCY")
    assert default_heavy_concurrency(Settings.from_env()) >= 1
