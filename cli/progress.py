"""A Dagster logger for the terminal: one line per asset step as it starts and ends."""

import logging
import time

import click
import dagster as dg

_SHOWN = {"STEP_START": "started", "STEP_SUCCESS": "done", "STEP_FAILURE": "FAILED"}

#: Set by a worker running several runs side by side, so interleaved lines say whose step ended.
RUN_LABEL = ""


class _StepLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        kind = getattr(event, "event_type_value", None)
        if kind not in _SHOWN or event.step_key is None:
            return
        now = time.monotonic()
        if kind == "STEP_START":
            self.started[event.step_key] = now
            return  # shown when it ends: keeps the output to one line per step
        took = now - self.started.pop(event.step_key, now)
        where = f"{RUN_LABEL} " if RUN_LABEL else ""
        click.echo(f"      {_SHOWN[kind]:<7} {where}{event.step_key} ({took:.1f}s)")


@dg.logger(description="One terminal line per finished step (used by the wikiforge CLI).")
def step_progress(_context: dg.InitLoggerContext) -> logging.Logger:
    """The ``wikiforge.progress`` logger, writing one line per finished step."""
    logger = logging.getLogger("wikiforge.progress")
    logger.handlers = [_StepLines()]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger
