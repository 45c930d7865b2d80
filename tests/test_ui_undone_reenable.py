"""The checklist after a gradual re-enable was undone, on real sshd, read at 80x24: it
said "Undone: the rollback is not in place", a rollback nobody ran; the strategy's own
word (kinds.py `done`) says what is no longer so."""

from __future__ import annotations

import pytest

from console.engine.session import Engine
from console.model.loading import load_settings
from console.model.triggers import TriggerKind
from tests.test_presets_sshd import configure
from tests.test_toggle_undo_sshd import REENABLE_TO_50
from tests.test_ui_resume import checklist_shown, resumed_app
from tests.test_ui_support import _close_engines, build_engine, until  # noqa: F401

pytestmark = pytest.mark.sshd


async def _todo(config, journal) -> str:
    """The checklist's line of what Enter does, the incident resumed in the console."""
    engine = build_engine(load_settings(config), journal.parent.parent)
    app = resumed_app(engine, journal)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: checklist_shown(app))
        await until(pilot, lambda: "Undo" in str(app.screen.query_one("#where-todo").render()))
        return str(app.screen.query_one("#where-todo").render())


async def test_an_undone_re_enable_says_the_hosts_are_no_longer_re_enabled(sshd_server, tmp_path):
    app = sshd_server.sandbox("app")
    (app / "flags").write_text("new_checkout=0\ndark_mode=0\n")
    config = configure(sshd_server, tmp_path, app, REENABLE_TO_50)
    root = tmp_path / "state" / "incidents"
    engine = Engine(load_settings(config), root)
    conductor = engine.new_incident("flags", incident_id="inc", systems=["web"])
    try:
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout broken")
        conductor.confirm("open-bridge")
        conductor.select(["web"])
        conductor.choose_strategy("reenable", {})
        assert await conductor.run_step("restore")
        assert (app / "flags").read_text() == "new_checkout=50\ndark_mode=0\n"
        assert await conductor.undo("restore")
    finally:
        await engine.close()
        conductor.recorder.close()
    assert (app / "flags").read_text() == "new_checkout=0\ndark_mode=0\n"

    todo = await _todo(config, root / "inc" / "journal.jsonl")
    assert todo.startswith("Undone: the hosts are no longer re-enabled."), todo
    assert "rollback" not in todo, todo
