"""`wikiforge query`: link recommendations for a page, the same JSON as the HTTP API."""

from __future__ import annotations

import sys
from http import HTTPStatus

import click

from cli.options import current_settings, data_option


@click.command("query")
@click.option("--wiki-domain", required=True, help="The wiki's domain, e.g. `ha` for hawiki.")
@click.option("--page-title", required=True, help="The page's title.")
@click.option("--project", default="wikipedia", show_default=True)
@click.option("--revision", type=int, default=None, help="Must be the dump's revision.")
@click.option("--threshold", type=float, default=0.5, show_default=True)
@click.option("--max-recommendations", type=int, default=15, show_default=True)
@click.option("--sections-to-exclude", multiple=True, help="Section titles (repeatable).")
@click.option("--language-code", default=None)
@data_option
def query(
    wiki_domain,
    page_title,
    project,
    revision,
    threshold,
    max_recommendations,
    sections_to_exclude,
    language_code,
    data,
) -> None:
    """Print the link recommendations for a page of the latest materialized dump as JSON."""
    import msgspec

    from serving.datasets import DatasetCatalog
    from serving.schemas.common import ErrorBody
    from serving.services.errors import ServiceError
    from serving.services.links import LinkRecommendations, RecommendationParameters

    settings = current_settings(data=data)
    catalog = DatasetCatalog(settings.data_root, cache_dir=settings.cache)
    links = LinkRecommendations(catalog, settings.links_max_wikitext_chars)
    parameters = RecommendationParameters(
        threshold, max_recommendations, tuple(sections_to_exclude), language_code
    )
    try:
        response = links.for_page(project, wiki_domain, page_title, parameters, revision)
    except ServiceError as exc:
        # The body the HTTP API answers with the same status.
        name = HTTPStatus(exc.status_code).phrase
        body = ErrorBody(code=exc.status_code, name=name, description=exc.detail, extra=exc.extra)
        click.echo(msgspec.json.encode(body).decode())
        sys.exit(1)
    click.echo(msgspec.json.encode(response).decode())
