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


@tasks.command("dump")
@click.argument("stream", type=click.Path(exists=True, dir_okay=False))
@click.option("--limit", type=int, default=0, help="Stop after this many TaskMaps (0: all).")
def dump(stream: str, limit: int) -> None:
    """Print the TaskMaps of a length-delimited stream file (e.g. a published taskmaps.bin)
    as JSON, one per line.
    """
    from wikiforge.errors import InputError
    from wikiforge.tasks.proto import TaskMap
    from wikiforge.tasks.stream import read_file, to_json

    try:
        for count, taskmap in enumerate(read_file(stream, TaskMap), start=1):
            click.echo(to_json(taskmap))
            if limit and count >= limit:
                break
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc
