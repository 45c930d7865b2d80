"""A restore that failed on every host, then undone (a data restore cut short leaves its
hosts half changed: its undo puts the data back): the checklist said "Undone: the hosts are
no longer rolled back", though they never were (helper-120, a PostgreSQL restore walked at
80x24). It says what the undo did: put back what the failed run changed."""

from __future__ import annotations

from pathlib import Path

from console.model.events import Kind
from tests.test_ui_resume import checklist_shown, resumed_app
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    _run_on_hosts,
    build_engine,
    demo_settings,
    under_way,
    until,
)

HOSTS = ("web-1", "web-2", "web-3")


def _complete(conductor, step_id: str, status: str, summary: str, **extra) -> None:
    conductor.recorder.record(
        Kind.STEP_COMPLETED,
        step=step_id,
        status=status,
        summary=summary,
        title=conductor.step(step_id.removesuffix(".undo")).title,
        phase="execution",
        **extra,
    )


def _failed_then_undone(root: Path) -> Path:
    _engine, conductor = under_way(demo_settings(), root)
    for step_id in ("capture-evidence", "assess-state"):
        conductor.skip(step_id, "walked elsewhere")
    conductor.skip("halt-delivery", "paused already")
    conductor.confirm("initiate")
    failed = ("action", 3, "restore stopped: the cluster did not start")
    _run_on_hosts(conductor, "restore", dict.fromkeys(HOSTS, failed))
    _complete(conductor, "restore", "failed", "3 failed")
    record = conductor.recorder.record
    title = f"Undo: {conductor.step('restore').title}"
    record(Kind.STEP_STARTED, step="restore.undo", hosts=[*HOSTS], attempt=1, undo_of="restore",
           title=title, phase="execution")  # fmt: skip
    for host in HOSTS:
        where = {"system": "web", "host": host, "step": "restore.undo"}
        record(Kind.COMMAND_INTENT, command="sh -c undo", stage="undo", attempt=1, **where)
        record(Kind.COMMAND_RESULT, stage="undo", final=True, exit_status=0, duration=0.2, **where)
    record(Kind.STEP_COMPLETED, step="restore.undo", status="done", summary="3 succeeded",
           title=title, phase="execution")  # fmt: skip
    conductor.recorder.close()
    return conductor.recorder.path


async def test_a_failed_run_undone_is_not_said_to_be_no_longer_rolled_back(tmp_path: Path) -> None:
    root = tmp_path / "incidents"
    journal = _failed_then_undone(root)
    app = resumed_app(build_engine(demo_settings(), root), journal)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: checklist_shown(app))
        assert app.conductor.current().id == "restore"
        app.screen.select_step("restore")
        todo = app.screen.query_one("#where-todo")
        await until(pilot, lambda: str(todo.render()).startswith("Undone"))
        said = " ".join(str(todo.render()).split())
    assert said == (
        "Undone: what the failed run changed is put back. Enter runs the strategy on the"
        " selected hosts again."
    ), said
