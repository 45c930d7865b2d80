"""The resumed checklist after a headless run whose terminal closed in a strategy step's
one wave: web-1's precheck had run, not its change ('terminal closed (SIGHUP): its
precheck ran, nothing changed there'), web-2 waited its turn ('stopped before it began:
terminal closed (SIGHUP)'). It read 'Stopped between waves', as before 2e9f6425 for a
single host, though the step had one wave; it says why, as for the others."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.checklist_todo import current_todo
from tests.events_factory import recorder_in

REPO = Path(__file__).resolve().parent.parent
WHY = "terminal closed (SIGHUP)"


def test_hosts_a_hang_up_stopped_after_their_precheck_are_said_stopped_by_it(tmp_path):
    settings = load_settings(REPO / "config" / "demo")
    recorder = recorder_in(tmp_path)
    recorder.record(Kind.INCIDENT_OPENED, incident_id="inc", title="web errors")
    hosts = ["web-1", "web-2"]
    recorder.record(Kind.STEP_STARTED, step="restore", hosts=hosts, title="Restore", phase="x")
    for host, reason in zip(hosts, [f"{WHY}: its precheck ran, nothing changed there",
                                    f"stopped before it began: {WHY}"], strict=True):  # fmt: skip
        recorder.record(
            Kind.HOST_NOT_STARTED, system="web", host=host, step="restore", reason=reason
        )
    view = SimpleNamespace(settings=settings, state=recorder.state, running=frozenset())
    keys = {"go.execution": "F3", "execution.retry": "t"}
    said = current_todo(view, settings.procedure.step("restore"), keys.__getitem__)
    recorder.close()
    assert said == (
        f"Stopped ({WHY}), web-1, web-2 not started: F3 then t goes on with them (Enter runs"
        " every host)"
    ), said
