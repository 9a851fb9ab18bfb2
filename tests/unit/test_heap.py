"""The collector is paused for bulk loads and restored after, even on errors."""

from __future__ import annotations

import gc

import pytest

from mapdata.heap import collector_paused


def test_paused_then_restored() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_left_disabled_when_it_was() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_collect_first_frees_cycles() -> None:
    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # type: ignore[attr-defined]
    gc.collect()
    gc.disable()  # keep the automatic collector from freeing them first
    try:
        a = b = None  # a cycle with no references left
        gc.enable()
        with collector_paused(collect_first=True):
            assert not gc.isenabled()
    finally:
        gc.enable()
    assert not any(isinstance(o, Node) for o in gc.get_objects())
