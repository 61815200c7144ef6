"""Options every command shares, and the settings they start from.

The settings are read from the environment once per invocation (``Settings.from_env``, kept on
the root context); a command's options override their fields.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from wikiforge.settings import Settings, SettingsError

#: ``--data``: the data root, on every command that reads or writes datasets.
data_option = click.option(
    "--data",
    "data",
    default=None,
    metavar="DIR|URL",
    help="Data root: a directory, or a URL fsspec reaches (s3://..., hdfs://...). "
    "Default: $WIKIFORGE_DATA, else ./data.",
)

#: ``--dumps`` / ``--crawls``: the landing zone, on every command that reads it.
dumps_option = click.option(
    "--dumps",
    type=click.Path(path_type=Path),
    default=None,
    help="Landing zone of dumps (default: $WIKIFORGE_DUMPS, else ./dumps).",
)
crawls_option = click.option(
    "--crawls",
    type=click.Path(path_type=Path),
    default=None,
    help="Landing zone of crawls (default: $WIKIFORGE_CRAWLS, else ./crawls).",
)


def current_settings(**overrides: Any) -> Settings:
    """The invocation's settings (read from the environment on first use), with the options
    given (not None) overriding them; a malformed variable is a usage error naming it.
    """
    context = click.get_current_context()
    root = context.find_root()
    settings = root.meta.get("wikiforge.settings")
    if settings is None:
        try:
            settings = Settings.from_env()
        except SettingsError as exc:
            raise click.UsageError(str(exc)) from exc
        root.meta["wikiforge.settings"] = settings
    return settings.with_(**overrides)


def data_location(settings: Settings) -> Path | str:
    """The data root as the CLI hands it on: a URL for a remote root, else an absolute path."""
    return settings.data_root if settings.data_is_remote else Path(settings.data_root)
