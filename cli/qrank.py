"""`wikiforge qrank`: look up entities in the newest published ranking."""

from __future__ import annotations

import json
import sys

import click

from cli.options import current_settings, data_option


@click.group("qrank")
def qrank() -> None:
    """QRank: entities ranked by a year of page views."""


@qrank.command("rank")
@click.argument("qids", nargs=-1, required=True)
@data_option
def rank(qids: tuple[str, ...], data: str | None) -> None:
    """Print rank, views and dump date of each Q-id as JSON lines (the API's /v1/qrank/{qid})."""
    from wikiforge.qrank.lookup import QRankIndex, parse_entity
    from wikiforge.storage import open_data_root

    settings = current_settings(data=data)
    root = open_data_root(settings.data_root, settings.cache)
    newest = root.newest("qrank")
    if newest is None:
        click.echo("no ranking has been published yet", err=True)
        sys.exit(1)
    dump_date, stored = newest
    index = QRankIndex.from_file(stored.path("qrank.csv.gz"))
    failed = False
    for qid in qids:
        number = parse_entity(qid)
        found = index.lookup(number) if number is not None else None
        if found is None:
            failed = True
            reason = "not a Wikidata item id" if number is None else "not ranked"
            click.echo(json.dumps({"entity": qid, "error": reason}))
            continue
        click.echo(
            json.dumps(
                {"entity": qid, "rank": found.rank, "views": found.views, "dump_date": dump_date}
            )
        )
    sys.exit(1 if failed else 0)
