"""A restore whose data after was recorded with nothing to judge it by (no `expect`, no
`expected-integrity`) earns "rolled back, not verified", on a real PostgreSQL over real
sshd. Walked headless and at 80x24: the integrity row read "recorded, not judged: nothing
was expected of it" while the run closed "rolled back and verified" (exit 0), and F7 in
the console offered and took "Rolled back and verified" alike. The procedure's "Verify
system stability" may pass on a restored service; whether its data is right was not
judged, so the rollback is not verified: the close (headless and F7), the timeline and
the document say so, and why."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, RadioSet

from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.outcome import Outcome
from console.ui.screens.close import CloseDialog
from tests import pgrig
from tests.test_presets_postgres import (
    NOW_UTC,
    _backed_up_then_a_bad_row,
    configure,
    in_console,
)
from tests.test_restore_cut_short_pg import _restoring
from tests.test_ui_support import until

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures
WHY = (
    "the data after “Restore the data” on db-1 was recorded, not judged: nothing was expected of it"
)
LABEL = f"rolled back, not verified: {WHY}"


def test_a_run_whose_restored_data_was_not_judged_closes_not_verified(host, cluster, tmp_path):
    (target,) = _backed_up_then_a_bad_row(cluster, between=f"{NOW_UTC};\n")
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)

    outcome = pgrig.run_console(
        config, tmp_path / "state", "pitr", f"recovery_target_time={target}"
    )

    assert outcome.returncode == 1, outcome.stdout + outcome.stderr  # not verified
    assert outcome.integrity("after")["verdict"] == "recorded"
    last = outcome.stdout.splitlines()[-1]
    assert last.startswith(f"{outcome.incident}: NOT VERIFIED: {LABEL}; journal "), last
    [closed] = [e for e in outcome.events if e.kind == Kind.INCIDENT_CLOSED]
    assert (closed.data.outcome, closed.data.label) == (Outcome.UNVERIFIED.value, LABEL)
    document = EXPORT_FORMATS["markdown"].render(outcome.events, False)
    assert f"| Outcome | {LABEL} |" in document, document
    assert "rolled back and verified" not in document, document
    assert f"closed the incident: {LABEL}" in document  # the timeline's row


async def test_f7_after_a_restore_not_judged_offers_and_takes_not_verified(host, cluster, tmp_path):
    _backed_up_then_a_bad_row(cluster, between="")
    config = configure(host, cluster, tmp_path)
    conductor = _restoring(config, tmp_path, "inc-restored")  # left open, as a console quits
    try:
        assert await conductor.run_step("restore")
        assert conductor.state.integrity[-1]["verdict"] == "recorded"
        conductor.let_go("the console quit")
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
    journal = conductor.recorder.path

    async def drive(pilot: Pilot) -> tuple[str | None, str, str]:
        app = pilot.app
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, CloseDialog))
        await pilot.pause()
        radios = app.screen.query_one("#close-outcome", RadioSet)
        offered = (radios.pressed_button.name, app.screen.query_one("#close-detail", Input).value)
        # "Rolled back and verified", chosen anyway: refused at once, saying why
        names = [b.name for b in radios.query("RadioButton")]
        while names[radios._selected or 0] != Outcome.ROLLED_BACK.value:
            await pilot.press("up")
        await pilot.press("space")
        error = app.screen.query_one("#close-error", Label)
        await until(pilot, lambda: "not judged" in str(error.render()))
        refused = " ".join(str(error.render()).split())
        return offered[0], offered[1], refused

    chosen, reason, refused = await in_console(config, journal, tmp_path, drive)
    assert (chosen, reason) == (Outcome.UNVERIFIED.value, WHY)
    assert refused == (
        "✘ the record does not show every host rolled back and verified"
        f" ({WHY}): every host is rolled back: close as rolled back, not verified"
        " (saying how it was checked)"
    ), refused
    closes = [e for e in read_journal(journal).events if e.kind == Kind.INCIDENT_CLOSED]
    assert closes == []  # nothing closed by the refused choice


def test_a_drill_whose_restored_data_was_not_judged_is_not_verified(host, cluster, tmp_path):
    """docs/drills.md's restore drill, no check of its own after, the backup saying nothing
    of what it holds: it read 'actual rolled back and verified ✔' beside 'recorded, not
    judged'. Its outcome is what a run's close is, and says why."""
    from tests.test_integrity_database import drill_restore

    done = drill_restore(host, cluster, tmp_path, "")

    lines = done.stdout.splitlines()
    assert (
        "  outcome    expected rolled back and verified · actual rolled back, not verified ✘"
        in lines
    ), done.stdout
    assert f"closed the incident: {LABEL}" in done.stdout, done.stdout
