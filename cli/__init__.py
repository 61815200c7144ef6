"""The `wikiforge` command."""
import click


@click.group()
def main() -> None:
    """wikiforge: Wikimedia dumps and web crawls to ranked, linked, searchable datasets."""
