"""The cost-curve runner's measuring parts: the process-tree memory sampler and the slopes."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from bench.scale_cost_curves import TreeMemory, slope

# A parent that starts a child; the child touches 300 MiB of private memory and holds it.
HOLDER = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c",
    "import time; block = bytearray(300 << 20); block[::4096] = b'x' * len(block[::4096]);"
    "print('ready', flush=True); time.sleep(1.0)"], stdout=subprocess.PIPE, text=True)
child.stdout.readline()
child.wait()
"""


def test_tree_memory_counts_a_grandchild_peak_once():
    process = subprocess.Popen([sys.executable, "-c", HOLDER])
    with TreeMemory(process.pid) as memory:
        process.wait()
    assert process.returncode == 0
    # 300 MiB in the grandchild, plus two small interpreters; PSS <= RSS.
    assert 300 <= memory.peak_pss / 1024 <= 420
    assert memory.peak_pss <= memory.peak_rss <= memory.peak_pss + 60 * 1024
    assert memory.pss_samples >= 1


@pytest.mark.parametrize(("power", "expected"), [(1.0, 1.0), (0.5, 0.5), (2.0, 2.0)])
def test_slope_of_a_power_law(power, expected):
    points = [(size, 3.0 * size**power) for size in (5, 50, 500)]
    assert math.isclose(slope(points), expected, rel_tol=1e-9)


def test_slope_needs_two_sizes():
    assert slope([(10, 1.0)]) is None
