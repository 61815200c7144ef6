"""Plots of the links line's metadata: precision/recall against threshold, and reliability
curves of calibrated scores (matplotlib PNGs, shown inline in the Dagster UI).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence

from wikiforge.links.backtest import BacktestRow

_COLOURS = {"precision": "#1f77b4", "recall": "#d62728"}
_STYLES = ("-", "--", ":")


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt, *plt.subplots(figsize=(6.0, 3.8), dpi=100)


def _png(plt, fig) -> bytes:
    out = io.BytesIO()
    try:
        fig.tight_layout()
        fig.savefig(out, format="png")
    finally:
        plt.close(fig)
    return out.getvalue()


def precision_recall_png(
    series: Mapping[str, Sequence[BacktestRow]],
    title: str,
    ceilings: Mapping[str, float] | None = None,
) -> bytes:
    """Precision and recall against threshold, one line style per mode; each mode's candidate
    ceiling (the highest reachable recall) as a dotted level.
    """
    plt, fig, ax = _figure()
    for style, (mode, rows) in zip(_STYLES, series.items(), strict=False):
        thresholds = [r.threshold for r in rows]
        for metric, colour in _COLOURS.items():
            ax.plot(
                thresholds,
                [getattr(r, metric) for r in rows],
                style,
                color=colour,
                label=f"{mode} {metric}",
            )
        ceiling = (ceilings or {}).get(mode)
        if ceiling is not None:
            ax.axhline(ceiling, color="grey", linestyle=style, linewidth=0.8)
            ax.annotate(f"{mode} ceiling {ceiling:.2f}", (0.0, ceiling), fontsize=7)
    ax.set_xlim(0.0, 0.9)
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("threshold")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="lower left")
    return _png(plt, fig)


def reliability_png(curves: Mapping[str, Sequence[Mapping[str, float]]], title: str) -> bytes:
    """Share of positives against mean score per bin (`calibration.reliability_bins`), one line
    per curve, with the diagonal of perfect calibration.
    """
    plt, fig, ax = _figure()
    ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8, linestyle=":")
    for name, bins in curves.items():
        ax.plot(
            [b["mean_score"] for b in bins],
            [b["positive_rate"] for b in bins],
            marker="o",
            markersize=3,
            label=f"{name} ({sum(int(b['rows']) for b in bins)} rows)",
        )
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("mean score in bin")
    ax.set_ylabel("share that is a gold link")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left")
    return _png(plt, fig)


def markdown_image(png: bytes, alt: str) -> str:
    """A PNG inline in Markdown (a Dagster metadata value the UI renders)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
