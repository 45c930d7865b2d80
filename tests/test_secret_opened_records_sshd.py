"""A value that was a secret when the incident opened stays masked in its records once the
files no longer name it. Seen on a real sshd host: the incident opened with console.toml's
`values = ["Pw-4f9c2e77"]`, that value also written in the strategy's undo; taken out of
the redact values, `undo` printed and journalled `sending undo (attempt 1): sh -c 'echo
old' > undone # Pw-4f9c2e77`, and the console's confirmation showed it too. The host is
still sent the command as the files write it: redaction is for records only."""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w
from textual.widgets import Static

from console.engine.session import Engine
from console.model.loading import load_settings
from console.model.status import StepStatus
from console.ui.screens.confirm_run import RunConfirm
from tests.cli_fleet import Fleet, flag_incident
from tests.test_cli_run_sshd import _still_under_way_fleet, run
from tests.test_config_changed_sshd import SECRET, _strategies, fleet  # noqa: F401 (a fixture)
from tests.test_ui_resume import checklist_shown, resumed_app
from tests.test_ui_support import _no_cursor_blink, until  # noqa: F401 (a fixture)
from tests.test_verify_closed import close_and_quit

MASKED = "sh -c 'echo old' > undone; echo «redacted» | tee token"


async def _restored_then_unnamed(fleet: Fleet) -> Path:  # noqa: F811 (the fixture, given)
    """The incident's restore run while console.toml names the secret, which its undo
    writes (and prints); then taken out of the redact values. Its journal."""
    strategies = _strategies("echo old")
    strategies["strategies"][0]["commands"]["undo"] += f"; echo {SECRET} | tee token"
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps(strategies))
    async with flag_incident(fleet, "flip", "20261207-160000-beef") as conductor:
        conductor.confirm("bridge")
        assert await conductor.run_step("restore")
        journal = conductor.recorder.path
    (fleet.config / "console.toml").write_text("[redact]\nvalues = []\n")
    return journal


def _recorded(journal: Path) -> str:
    return "".join(p.read_text() for p in journal.parent.glob("*.json*"))


async def test_undo_records_a_secret_the_files_no_longer_name_masked(fleet) -> None:  # noqa: F811 (a fixture)
    journal = await _restored_then_unnamed(fleet)

    shown = fleet.cli("undo", str(journal.parent), "restore", "--dry-run")
    undone = fleet.cli("undo", str(journal.parent), "restore", "--yes")

    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert MASKED in shown.stdout and SECRET not in shown.stdout, shown.stdout
    assert "# «redacted» is a secret, masked here; the host gets the real value" in shown.stdout
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert SECRET not in undone.stdout, undone.stdout
    assert f"sending undo (attempt 1, secrets masked in this record): {MASKED}" in undone.stdout
    # Never in the journal, its output file or the copy of the configuration kept beside
    # it; the host got the command as the files write it.
    assert SECRET not in _recorded(journal)
    assert (fleet.sandboxes["app-1"] / "token").read_text() == f"{SECRET}\n"


async def test_the_console_resumed_shows_and_records_it_masked(fleet) -> None:  # noqa: F811 (a fixture)
    journal = await _restored_then_unnamed(fleet)
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    app = resumed_app(engine, journal)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: checklist_shown(app))
        app.screen.select_step("restore")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        commands = str(app.screen.query_one("#run-commands .dialog-text", Static).render())
        assert MASKED in commands and SECRET not in commands, commands
        await pilot.press("y")
        undo = app.conductor.state.step("restore.undo")
        await until(pilot, lambda: undo.status is StepStatus.DONE, timeout=60)
        app.conductor.release_locks()
        app.conductor.recorder.close()
    await engine.close()
    assert SECRET not in _recorded(journal)
    assert (fleet.sandboxes["app-1"] / "token").read_text() == f"{SECRET}\n"


def test_a_verify_by_hand_records_it_masked_as_the_incident_it_verifies(sshd_server, tmp_path):
    """The verify by hand of a closed incident is an incident of its own, opened with the
    files as they are now: its records are masked as those of the incident it verifies."""
    under_way = _still_under_way_fleet(sshd_server, tmp_path)  # app-2's verify: under way
    strategies = tomllib.loads((under_way.config / "strategies.toml").read_text())
    strategies["strategies"][0]["commands"]["verify"] += f" # {SECRET}"
    (under_way.config / "strategies.toml").write_text(tomli_w.dumps(strategies))
    (under_way.config / "console.toml").write_text(tomli_w.dumps({"redact": {"values": [SECRET]}}))
    assert run(under_way, "--yes").returncode == 4  # app-2 left unknown
    journal = under_way.state / "incident" / "journal.jsonl"
    close_and_quit(under_way, journal)
    (under_way.config / "console.toml").write_text("[redact]\nvalues = []\n")
    (under_way.sandboxes["app-2"] / "slow").unlink()

    done = under_way.cli("verify", str(journal.parent), "--take-over-lock", "its console quit")

    assert done.returncode == 0, done.stdout + done.stderr
    assert SECRET not in done.stdout and "# «redacted»" in done.stdout, done.stdout
    [made] = (under_way.state / "incidents").iterdir()
    assert SECRET not in _recorded(made / "journal.jsonl")
    assert SECRET not in _recorded(journal)
