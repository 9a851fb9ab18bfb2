"""Python's cyclic garbage collector and a large scenario held in memory.

A scenario of 100,000 periods is hundreds of thousands of small, long-lived, acyclic
objects. Building them sets off full collections that walk the whole growing heap, and
every later full collection walks them again. Reference counting frees them either way.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(*, collect_first: bool = False) -> Iterator[None]:
    """Pause the cyclic collector while records are built in bulk (restored afterwards).

    ``collect_first``: collect the garbage there is now (cheap once the long-lived data is
    frozen), so that :func:`settle_long_lived` afterwards does not keep it for good.
    """
    if collect_first:
        gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def settle_long_lived() -> None:
    """Move every object alive now out of the collector's reach (``gc.freeze``), for a server
    that has just loaded data it keeps: later collections then walk only newer objects."""
    gc.freeze()
