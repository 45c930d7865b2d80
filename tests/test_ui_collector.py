"""The garbage collector in the console: off until the first frame is drawn, and what
lives as long as the incident parked (frozen) only once enough of it has gathered."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from console.ui import collector
from console.ui.screens.home import HomeScreen
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    until,
)


async def test_collection_resumes_once_the_first_frame_is_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line starts the console with the collector off; once the home screen
    has drawn, start-up's objects are parked (frozen) and collection is on again."""
    freezes = _counted_freezes(monkeypatch)
    app = build_app(demo_settings(), tmp_path)
    gc.disable()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, gc.isenabled)
            assert isinstance(app.screen, HomeScreen)
            assert freezes == [1]
    finally:
        gc.enable()


async def test_a_console_started_with_collection_on_leaves_it_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the command line's start-up is parked: an app built elsewhere (tests, the
    benchmarks) freezes nothing when it draws."""
    freezes = _counted_freezes(monkeypatch)
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.isenabled() and not freezes


def _counted_freezes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """gc.freeze, still freezing, and counting its calls (the freeze count itself falls
    as frozen objects are freed)."""
    calls: list[int] = []
    freeze = gc.freeze

    def counted() -> None:
        calls.append(1)
        freeze()

    monkeypatch.setattr(gc, "freeze", counted)
    return calls


@pytest.mark.parametrize("enough", [True, False])
async def test_the_heap_is_parked_once_it_has_grown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, enough: bool
) -> None:
    """A freeze parks for good whatever cyclic garbage-to-be is alive then (render caches):
    so the heap is parked, at a collection due, once it has grown by PARK_BLOCKS, not at
    every collection."""
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        conductor = app.engine.new_incident("flood")
        app.attach(conductor)
        await pilot.pause()
        held = [[i] for i in range(collector.YOUNG_OBJECTS)]  # a young collection is due
        grown = app.collector.grown()
        monkeypatch.setattr(collector, "PARK_BLOCKS", grown // 2 if enough else 10 * grown)
        freezes = _counted_freezes(monkeypatch)
        app.flush_events()
        assert bool(freezes) is enough
        assert gc.get_count()[0] < len(held)  # collected, parked or not
        gc.unfreeze()


async def test_collections_run_between_frames_while_the_console_runs(tmp_path: Path) -> None:
    """Automatic collection is off while the console runs (it fell inside frames, or on the
    SSH thread); the console collects what is due between frames, and the thresholds it
    found are back once it has ended."""

    class Node:
        """Garbage only the collector frees: it refers to itself."""

    before = gc.get_threshold()
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.get_threshold() == (0, *before[1:])
        nodes = [Node() for _ in range(collector.YOUNG_OBJECTS)]
        for node in nodes:
            node.me = node  # type: ignore[attr-defined]
        first = weakref.ref(nodes[0])
        del nodes, node
        await until(pilot, lambda: first() is None)
    assert gc.get_threshold() == before
