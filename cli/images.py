"""`wikiforge images suggest|coverage|evaluation`: read the published image suggestions."""

from __future__ import annotations

import json
import sys

import click

from cli.options import current_settings, data_option


@click.group()
def images() -> None:
    """Images line: suggestions for unillustrated articles."""


def _stored(data: str | None, asset: str):
    from wikiforge.storage import open_data_root

    settings = current_settings(data=data)
    stored = open_data_root(settings.data_root, settings.cache).current(asset, None)
    if stored is None:
        raise click.ClickException(
            f"{asset} is not published under {settings.data_root} "
            "(run `wikiforge demo` or `wikiforge materialize` first)"
        )
    return stored


@images.command("suggest")
@click.argument("wiki")
@click.argument("title", required=False)
@data_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
def suggest(wiki: str, title: str | None, data: str | None, limit: int) -> None:
    """Print one article's state and suggestions (TITLE), or the wiki's best LIMIT articles,
    as JSON lines. Exit code 1 for an unknown article or a wiki without suggestions.
    """
    from wikiforge.images.lookup import SuggestionIndex

    index = SuggestionIndex.from_stored(_stored(data, "image_suggestions"))
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
@data_option
def coverage(data: str | None) -> None:
    """Print the coverage table of the published suggestions (per wiki, as the reference
    reported it) as Markdown, with the inputs it was computed from.
    """
    from wikiforge.images.evaluate import coverage_markdown

    stats = _stored(data, "image_suggestions").manifest.get("stats", {})
    click.echo(coverage_markdown(stats.get("coverage_rows", [])))
    click.echo(f"\nWikidata: {stats.get('wikidata')}\nCommons: {stats.get('commons_listing')}")


@images.command("evaluation")
@data_option
def evaluation(data: str | None) -> None:
    """Print the offline evaluation's recall at 3 (JSON), with the articles behind each figure."""
    import polars as pl

    from wikiforge.images.evaluate import recall_summary

    frame = pl.from_arrow(_stored(data, "image_suggestion_evaluation").table())
    click.echo(json.dumps(recall_summary(frame), indent=1))
