"""`wikiforge images suggest|coverage|evaluation`: read the published image suggestions."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

DATA = click.option(
    "--data",
    "data_dir",
    default="data",
    show_default=True,
    type=click.Path(path_type=Path),
    help="The data root to read.",
)


@click.group()
def images() -> None:
    """Images line: suggestions for unillustrated articles."""


def _stored(data_dir: Path, asset: str):
    from wikiforge.storage import DataRoot

    stored = DataRoot(data_dir).current(asset, None)
    if stored is None:
        raise click.ClickException(
            f"{asset} is not published under {data_dir} "
            "(run `wikiforge demo` or `wikiforge materialize` first)"
        )
    return stored


@images.command("suggest")
@click.argument("wiki")
@click.argument("title", required=False)
@DATA
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
def suggest(wiki: str, title: str | None, data_dir: Path, limit: int) -> None:
    """Print one article's state and suggestions (TITLE), or the wiki's best LIMIT articles,
    as JSON lines. Exit code 1 for an unknown article or a wiki without suggestions.
    """
    from wikiforge.images.lookup import SuggestionIndex

    index = SuggestionIndex.from_stored(_stored(data_dir, "image_suggestions"))
    found = [index.article(wiki, title)] if title else index.best(wiki, limit)
    found = [a for a in found if a is not None]
    for article in found:
        click.echo(
            json.dumps(
                {
                    "wiki": article.wiki,
                    "page_title": article.page_title,
                    "state": article.state,
                    "item": article.item,
                    "suggestions": [
                        {
                            "rank": s.rank,
                            "image": s.image,
                            "confidence": s.confidence,
                            "score": round(s.score, 4),
                            "source": s.source,
                            "found_on": list(s.found_on),
                        }
                        for s in article.suggestions
                    ],
                },
                ensure_ascii=False,
            )
        )
    if not found:
        click.echo(f"no suggestions for {wiki}" + (f":{title}" if title else ""), err=True)
        sys.exit(1)


@images.command("coverage")
@DATA
def coverage(data_dir: Path) -> None:
    """Print the coverage table of the published suggestions (per wiki, as the reference
    reported it) as Markdown, with the inputs it was computed from.
    """
    from wikiforge.images.evaluate import coverage_markdown

    stats = _stored(data_dir, "image_suggestions").manifest.get("stats", {})
    click.echo(coverage_markdown(stats.get("coverage_rows", [])))
    click.echo(f"\nWikidata: {stats.get('wikidata')}\nCommons: {stats.get('commons_listing')}")


@images.command("evaluation")
@DATA
def evaluation(data_dir: Path) -> None:
    """Print the offline evaluation's recall at 3 (JSON), with the articles behind each figure."""
    import polars as pl

    from wikiforge.images.evaluate import recall_summary

    frame = pl.from_arrow(_stored(data_dir, "image_suggestion_evaluation").table())
    click.echo(json.dumps(recall_summary(frame), indent=1))
