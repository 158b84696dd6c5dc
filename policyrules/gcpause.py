"""Pausing Python's cycle collector while a stage builds or walks a large AST.

Parsing and checking make many objects and almost no cycles; with the collector running,
each of its full passes walks every node made so far (a fifth of checking a 1 MB policy).
Whatever cycles a stage does make are collected once the collector runs again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cycle collection inside the block (restored as it was, whatever happens)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
