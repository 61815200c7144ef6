"""`wikiforge query`: link recommendations for a page, the same JSON as the HTTP API."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


@click.command("query")
@click.option("--wiki-domain", required=True, help="The wiki's domain, e.g. `ha` for hawiki.")
@click.option("--page-title", required=True, help="The page's title.")
@click.option("--project", default="wikipedia", show_default=True)
@click.option("--revision", type=int, default=None, help="Must be the dump's revision.")
@click.option("--threshold", type=float, default=0.5, show_default=True)
@click.option("--max-recommendations", type=int, default=15, show_default=True)
@click.option("--sections-to-exclude", multiple=True, help="Section titles (repeatable).")
@click.option("--language-code", default=None)
@click.option(
    "--data",
    "data_root",
    type=click.Path(path_type=Path),
    default=None,
    help="Data root (default $WIKIFORGE_DATA or ./data).",
)
def query(
    wiki_domain,
    page_title,
    project,
    revision,
    threshold,
    max_recommendations,
    sections_to_exclude,
    language_code,
    data_root,
) -> None:
    """Print the link recommendations for a page of the latest materialized dump as JSON."""
    import msgspec
    from litestar.exceptions import HTTPException

    from serving.controllers.links import get_recommendations
    from serving.datasets import DatasetCatalog
    from serving.schemas.common import ErrorBody

    root = Path(data_root or os.environ.get("WIKIFORGE_DATA", "data")).resolve()
    catalog = DatasetCatalog(str(root))
    try:
        response = get_recommendations(
            catalog,
            project,
            wiki_domain,
            page_title,
            threshold,
            max_recommendations,
            list(sections_to_exclude),
            language_code,
            revision,
        )
    except HTTPException as exc:
        extra = exc.extra if isinstance(exc.extra, dict) else None
        body = ErrorBody(
            code=exc.status_code, name=type(exc).__name__, description=str(exc.detail), extra=extra
        )
        click.echo(msgspec.json.encode(body).decode())
        sys.exit(1)
    click.echo(msgspec.json.encode(response).decode())
