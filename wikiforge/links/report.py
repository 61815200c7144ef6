"""A precision/recall plot of backtest rows as a small standalone SVG (no plotting library)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from wikiforge.links.backtest import BacktestRow

_COLOURS = {"precision": "#1f77b4", "recall": "#d62728"}
_DASHES = ("", "6,4", "2,3")


def precision_recall_svg(
    series: Mapping[str, Sequence[BacktestRow]], title: str, width: int = 420, height: int = 280
) -> str:
    """Precision and recall against threshold, one line style per mode (e.g. reference,
    held-out).
    """
    left, right, top, bottom = 40, 110, 24, 30
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(threshold: float) -> float:
        return left + plot_w * threshold / 0.9

    def y(value: float) -> float:
        return top + plot_h * (1.0 - value)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="10">',
        f'<text x="{left}" y="14" font-size="12">{_escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        f'stroke="#999"/>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{left - 4}" y="{y(tick) + 3:.1f}" text-anchor="end">{tick}</text>')
    for tick in (0.0, 0.3, 0.6, 0.9):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{height - 14}" text-anchor="middle">{tick}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 2}" text-anchor="middle">threshold</text>'
    )
    legend_y = top + 8
    for dash, (mode, rows) in zip(_DASHES, series.items()):
        for metric, colour in _COLOURS.items():
            points = " ".join(f"{x(r.threshold):.1f},{y(getattr(r, metric)):.1f}" for r in rows)
            style = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" '
                f'stroke-width="1.5"{style}/>'
            )
            parts.append(
                f'<line x1="{width - right + 8}" y1="{legend_y}" x2="{width - right + 28}"'
                f' y2="{legend_y}" stroke="{colour}"{style}/>'
            )
            parts.append(
                f'<text x="{width - right + 32}" y="{legend_y + 3}">'
                f"{_escape(mode)} {metric[0].upper()}</text>"
            )
            legend_y += 14
    parts.append("</svg>")
    return "\n".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
