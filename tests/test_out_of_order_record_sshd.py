"""A step taken ahead of the checklist's order is on record as such, naming the steps it went
ahead of. Walked at 80x24 on a real sshd fleet from `init`: the restore, the status update
and the stability check each taken out of order (the console asked first) left no word of
it in the rollback document; a manual step's yes only a note it never showed. The headless
`run` takes one step out of order, the status update that goes after a failure: its record
says so as the console's does for the same walk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.loading import load_settings
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.notify_dialog import NotifyDialog
from tests.cli_fleet import Fleet, checklist, flag_incident, write_fleet
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    enter_out_of_order,
    until,
)

pytestmark = pytest.mark.sshd

# A restore that fails while `broken` is in the host's directory.
BREAKABLE = {
    "name": "flip",
    "kind": "custom",
    "commands": {
        "action": "test ! -e broken && echo 2.4.0 > release",
        "verify": "grep -q 2.4.0 release",
    },
}
PROCEDURE = checklist(
    {"id": "halt", "title": "Halt", "kind": "command", "command": "touch deploy.lock"},
    {"id": "restore", "title": "Restore", "kind": "strategy"},
    {"id": "verify", "title": "Verify", "kind": "probe", "soak": {"samples": 1, "interval": 0.2}},
    {"id": "tell", "title": "Tell", "kind": "notify", "channels": ["log"]},
) | {"channels": [{"name": "log", "kind": "command", "command": "cat > /dev/null"}]}
PROBE = {"name": "health", "title": "Health", "kind": "command", "command": "echo ok"}
TELL = "started step “Tell” out of order (ahead of 2 steps not done: 3. Restore; 4. Verify)"


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": {"strategies": [BREAKABLE]}, "procedure.toml": PROCEDURE}
    made = write_fleet(
        sshd_server, tmp_path, files, strategies=["flip"], probes=[PROBE], hosts=["app-1"]
    )
    (made.sandboxes["app-1"] / "broken").touch()
    return made


def rows(journal: Path) -> list[str]:
    """The document's timeline rows, each its What cell."""
    document = EXPORT_FORMATS["markdown"].render(read_journal(journal).events, False)
    timeline = document.split("## Timeline", 1)[1].split("\n## ", 1)[0]
    return [r.split(" | ")[2] for r in timeline.splitlines() if r.startswith("| 20")]


async def take(pilot, step: str, asked: type | None) -> None:
    """Enter on `step` in the checklist, y to 'Out of order', then its own dialog."""
    app = pilot.app
    await pilot.press("f2")
    await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
    app.screen.select_step(step)
    await pilot.pause()
    await enter_out_of_order(pilot)
    if asked is not None:
        await until(pilot, lambda: isinstance(app.screen, asked))
        await pilot.press("y" if asked is RunConfirm else "enter")
    await until(pilot, lambda: app.conductor.state.step(step).status.value in ("done", "failed"))


async def test_steps_taken_out_of_order_say_so_in_the_document(fleet: Fleet, tmp_path: Path):
    ran = fleet.cli(
        "run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact",
        "--reason", "checkout broken", "--yes", "--journal", str(tmp_path / "run"),
    )  # fmt: skip
    assert ran.returncode == 1, ran.stdout + ran.stderr  # the restore failed; Tell went
    headless = rows(tmp_path / "run" / "journal.jsonl")
    assert TELL in headless, headless

    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with flag_incident(fleet, "flip") as conductor, app.run_test(size=(80, 24)) as pilot:
        app.attach(conductor)
        await take(pilot, "halt", RunConfirm)  # the bridge not confirmed yet
        conductor.confirm("bridge")
        assert not await conductor.run_step("restore", confirmed="me")  # `broken`: failed
        await take(pilot, "tell", NotifyDialog)  # after the failure, as `run` sends it
        await take(pilot, "verify", None)  # the restore failed: not done
        journal = conductor.recorder.path
    console = rows(journal)
    assert "started step “Halt” out of order (ahead of 1 step not done: 1. Bridge)" in console
    assert "started step “Restore”" in console  # in its turn: nothing said
    assert TELL in console, console  # the same words as the headless run's
    verify = "started step “Verify” out of order (ahead of 1 step not done: 3. Restore)"
    assert verify in console, console
    document = EXPORT_FORMATS["markdown"].render(read_journal(journal).events, False)
    halt = r"\*\*Halt\*\* — done: 1 succeeded; confirmed by \S+ \(command and 1 host\(s\) shown\)"
    assert re.search(halt + r"; out of order \(ahead of 1 step not done: 1\. Bridge\)", document)
