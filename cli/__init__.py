"""The `wikiforge` command: one group, one module of subcommands per concern."""

import click

from cli.platform import demo, materialize, serve


@click.group()
def main() -> None:
    """wikiforge: Wikimedia dumps and web crawls to ranked, linked, searchable datasets."""


main.add_command(demo)
main.add_command(materialize)
main.add_command(serve)

from cli.tasks import tasks  # noqa: E402

main.add_command(tasks)

from cli.links import query  # noqa: E402

main.add_command(query)

from cli.qrank import qrank  # noqa: E402

main.add_command(qrank)

from cli.images import images  # noqa: E402

main.add_command(images)

from cli.settings import settings  # noqa: E402

main.add_command(settings)

from cli.stack import stack  # noqa: E402

main.add_command(stack)
