"""Errors shared by every reader: bad input is reported with the file and the position."""

from __future__ import annotations


class InputError(Exception):
    """Input that cannot be read any further.

    Carries the file and the position (a byte offset, a line number or a page title) so the
    message a person sees says exactly what was wrong and where.
    """

    def __init__(self, path: object, position: object, message: str) -> None:
        self.path = str(path)
        self.position = position
        self.message = message
        super().__init__(f"{self.path} at {position}: {message}")
