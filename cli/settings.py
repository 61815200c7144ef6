"""`wikiforge settings`: the settings this shell's environment gives, with their defaults."""

from __future__ import annotations

from dataclasses import fields

import click

from cli.options import current_settings
from wikiforge.settings import Settings, describe


@click.command("settings")
@click.option("--markdown", is_flag=True, help="The table of variables, defaults and meanings.")
def settings(markdown: bool) -> None:
    """Print every WIKIFORGE_* setting: its value here (from the environment) and default."""
    rows = describe()
    if markdown:
        click.echo("| Variable | Default | Meaning |\n|---|---|---|")
        for variable, default, meaning in rows:
            click.echo(f"| `{variable}` | {default} | {meaning} |")
        return
    current, defaults = current_settings(), Settings()
    width = max(len(variable) for variable, _, _ in rows)
    for spec, (variable, default, _) in zip(fields(current), rows, strict=True):
        value = getattr(current, spec.name)
        changed = value != getattr(defaults, spec.name)
        shown = default if value is None else str(value)
        click.echo(
            f"{variable:<{width}}  {shown}" + ("  (from the environment)" if changed else "")
        )
