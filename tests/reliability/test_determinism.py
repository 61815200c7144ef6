"""The same inputs give byte-identical outputs: the slice (every line, see conftest) is built
twice in separate processes (so with different string hash seeds and worker schedules) and the
sha256 of every published file of every asset partition must agree.

`bench/determinism_check.py` does the same for the whole bundled landing zone (the demo).
"""

from __future__ import annotations

import pytest

from wikiforge.storage import DataRoot


def differences(first: dict, second: dict) -> list[str]:
    """Readable lines for every (asset, partition, file) that differs or exists on one side."""
    lines = []
    for key in sorted(set(first) | set(second)):
        if first.get(key) != second.get(key):
            where = "/".join(key)
            if key not in first or key not in second:
                lines.append(f"{where}: only in build {'b' if key not in first else 'a'}")
            else:
                lines.append(f"{where}: {first[key][:12]} != {second[key][:12]}")
    return lines


@pytest.mark.slow
def test_determinism_every_published_file_is_identical_across_two_builds(slice_builds):
    first = DataRoot(slice_builds["a"].wait()).published_files()
    second = DataRoot(slice_builds["b"].wait()).published_files()
    lines = ["qrank", "link_model", "pagerank", "task_index", "image_suggestions", "pages"]
    for asset in lines:  # the slice really went through every line
        assert any(key[0] == asset for key in first), f"the slice built no {asset}"
    diff = differences(first, second)
    assert not diff, f"{len(diff)} of {len(first)} files differ:\n" + "\n".join(diff[:60])
