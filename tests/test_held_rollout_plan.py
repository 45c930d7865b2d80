"""Where a retry of a held gradual re-enable starts: with the stage after the hold, when
every host it runs on is held there by the same strategy at the same stage; else from the
first stage. Nothing is sent: the plan is read from the preview."""

from __future__ import annotations

import json

from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.journal.export.json_export import render_json
from console.model.events import Kind
from console.model.status_summary import status_line
from console.model.triggers import TriggerKind
from tests.events_factory import recorder_in
from tests.test_ui_support import demo_settings

HOSTS = ["web-1", "web-2", "web-3"]


def _held_at_5(tmp_path, held: list[str]) -> Conductor:
    settings = demo_settings()
    conductor = Conductor(settings, recorder_in(tmp_path), SshPool(settings.inventory.ssh))
    conductor.open_incident("held re-enable", "inc-held")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout fixed")
    conductor.select(["web"])
    conductor.choose_strategy("feature-reenable", {})
    record = conductor.recorder.record
    record(Kind.STEP_STARTED, step="restore", hosts=HOSTS, attempt=1)
    for host in HOSTS:
        where = {"step": "restore", "host": host, "system": "web"}
        record(Kind.COMMAND_INTENT, command="x", stage="check 5%", attempt=1, **where)
        record(Kind.COMMAND_RESULT, stage="check 5%", exit_status=0, final=True, **where)
    record(
        Kind.ROLLOUT_HELD,
        step="restore",
        strategy="feature-reenable",
        percent=5,
        index=1,
        of=4,
        next_percent=25,
        hosts=held,
        reason="the next stage was not confirmed",
    )
    return conductor


def _first_stages(conductor: Conductor) -> set[str]:
    return {commands[0][0] for commands in conductor.preview("restore").values()}


def test_a_retry_of_held_hosts_goes_on_with_the_next_stage(tmp_path):
    conductor = _held_at_5(tmp_path, HOSTS)
    assert _first_stages(conductor) == {"set 25%"}
    assert status_line(conductor.state).endswith("3 hosts held at 5 %")  # a status update's
    document = json.loads(render_json(conductor.recorder.events))["document"]
    hosts = document["systems"][0]["hosts"]
    assert [(h["status"], h["held_at"]) for h in hosts] == [("held", "5 %")] * 3


def test_a_run_with_a_host_not_held_starts_from_the_first_stage(tmp_path):
    assert _first_stages(_held_at_5(tmp_path, HOSTS[:2])) == {"precheck"}


def test_other_stages_chosen_since_the_hold_start_from_the_first_stage(tmp_path):
    conductor = _held_at_5(tmp_path, HOSTS)
    conductor.choose_strategy("feature-reenable", {"steps": "10,50,100"})
    assert _first_stages(conductor) == {"precheck"}


def test_held_hosts_can_be_undone_and_a_retry_after_the_undo_starts_again(tmp_path):
    """The hosts at 5 % are the undo's (never "touched no host"); once undone, they are
    not at 5 % any more, so a retry starts from the first stage."""
    conductor = _held_at_5(tmp_path, HOSTS)
    assert sorted(conductor.preview_undo("restore")) == HOSTS
    conductor.recorder.record(
        Kind.STEP_STARTED, step="restore.undo", hosts=HOSTS, attempt=1, undo_of="restore"
    )
    assert _first_stages(conductor) == {"precheck"}
