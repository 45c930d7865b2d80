"""A step the commander aborted reads as aborted, not failed: the execution screen said "2
failed: web-1, web-2 · t retries failed hosts", the checklist "✘ failed: web-1, web-2" and
the toast "Step failed ... did not succeed everywhere" of hosts nobody saw fail (seen at
80x24 aborting a version rollback whose restart hung, on a real sshd fleet). Real OpenSSH
sshd; the step's command waits until the abort stops it."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.state import HostStatus, StepStatus
from console.ui.screens.dialogs import TextPrompt
from console.ui.screens.execution import ExecutionScreen
from tests.test_quit_mid_step import STEP, fleet, step_running
from tests.test_ui_support import type_text, until, until_shown

pytestmark = pytest.mark.sshd


async def test_an_aborted_step_reads_aborted_on_every_screen(sshd_server, tmp_path: Path):
    config, sandboxes = fleet(sshd_server, tmp_path)
    async with step_running(sshd_server, config) as (app, pilot):
        conductor = app.conductor
        hosts = conductor.state.step(STEP).hosts
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt))
        await type_text(pilot, "it hangs; checking by hand")
        await pilot.press("enter")
        await until(pilot, lambda: conductor.state.step(STEP).status is StepStatus.FAILED)
        assert {r.status for r in hosts.values()} == {HostStatus.ABORTED}
        counts = await until_shown(pilot, "#exec-counts", "2 aborted: web-1, web-2")
        assert "failed" not in counts, counts
        assert "t retries aborted hosts" in " ".join(counts.split()), counts
        toasts = {(n.title, n.message) for n in app._notifications}
        assert not any(title == "Step failed" for title, _ in toasts), toasts
        title = conductor.step(STEP).title
        summary = conductor.state.step(STEP).summary
        said = f"“{title}” was aborted ({summary}). t retries it, or skip."
        assert ("Step aborted", said) in toasts, toasts
        await pilot.press("f2")
        detail = await until_shown(pilot, "#step-detail", "■ aborted: web-1, web-2")
        assert "✘ failed" not in detail and "■ aborted · command step" in detail, detail
        # Retried, it succeeds: the document says the first attempt was aborted.
        for sandbox in sandboxes.values():
            (sandbox / "go").write_text("")
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await until_shown(pilot, "#exec-counts", "t retries aborted hosts")
        await pilot.press("t")  # the step asks no confirmation: it runs again
        await until(pilot, lambda: conductor.state.step(STEP).status is StepStatus.DONE, 60)
        events = read_journal(conductor.recorder.path).events
    document = EXPORT_FORMATS["markdown"].render(events, False)
    failures = document.split("## Failures", 1)[1].split("\n## ", 1)[0]
    assert "- **Result:** aborted: killed by signal (attempt 1)" in failures, failures
    assert "- **What was done:** retried: attempt 2 succeeded" in failures, failures
    assert "failed at" not in failures, failures
