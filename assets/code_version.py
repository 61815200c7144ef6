"""Code versions of the steps, derived from their source so that they change when outputs can.

A step's version is a content hash of its asset module and of every ``wikiforge`` (library) and
``assets`` (shared helper) module the asset module imports directly: the code that computes its
output. Editing either marks
the asset's materializations as made by older code in the Dagster UI; nobody has to remember
to bump a number. Modules the library imports in turn are not followed: a change there shows
on the steps that import it directly.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from functools import cache
from pathlib import Path

_OWN_PACKAGES = {"wikiforge", "assets"}


@cache
def _source(module: str) -> bytes:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ValueError(f"no source for module {module!r}")
    return Path(spec.origin).read_bytes()


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _step_imports(source: bytes) -> list[str]:
    """The library (``wikiforge``) and shared asset (``assets``) modules a module's source
    imports: ``from wikiforge.x import y`` names ``wikiforge.x.y`` when that is a module, else
    ``wikiforge.x``.
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in _OWN_PACKAGES:
                for alias in node.names:
                    name = f"{node.module}.{alias.name}"
                    found.add(name if _is_module(name) else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] in _OWN_PACKAGES)
    found.discard(__name__)
    return sorted(found)


def step_version(asset_module: str) -> str:
    """The code version of the assets defined in ``asset_module`` (pass ``__name__``): 12 hex
    digits of the sha256 of its source and of the library and shared asset modules it imports.
    """
    source = _source(asset_module)
    digest = hashlib.sha256(source)
    for module in _step_imports(source):
        digest.update(module.encode() + b"\0" + _source(module))
    return digest.hexdigest()[:12]
