"""`wikiforge tasks parse FILE... [--url URL]`: saved pages to TaskMap JSON, one per line."""

from __future__ import annotations

import sys

import click


@click.group()
def tasks() -> None:
    """Tasks line: how-to and recipe pages to TaskMaps."""


@tasks.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--url", default=None, help="Source URL (default: the page's canonical link).")
def parse(files: tuple[str, ...], url: str | None) -> None:
    """Parse saved HTML pages and print one TaskMap as JSON per line.

    Pages that hold no task are reported on stderr (with the reason) and make the exit code 1.
    """
    from wikiforge.tasks.pages import read_page
    from wikiforge.tasks.parsers import parse_document
    from wikiforge.tasks.stream import to_json

    failed = 0
    for path in files:
        doc = read_page(path, url)
        result = parse_document(doc.html, doc.url)
        if result.taskmap is None:
            failed += 1
            click.echo(f"{path}: no TaskMap ({result.reason})", err=True)
            continue
        click.echo(to_json(result.taskmap))
    sys.exit(1 if failed else 0)
