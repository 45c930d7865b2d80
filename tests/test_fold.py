"""Incident state is a pure fold over events."""

import json

from console.journal.describe import describe
from console.journal.files import JOURNAL_NAME
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.state import FailureClass, HostStatus, StepStatus, fold
from tests.events_factory import recorder_in


def _incident(recorder):
    recorder.record(Kind.INCIDENT_OPENED, incident_id="inc-1", title="checkout errors", drill=False)
    recorder.record(Kind.TRIGGER_DECLARED, kind="user-impact", label="User impact", reason="500s")
    recorder.record(Kind.SYSTEMS_SELECTED, systems=["web"], hosts={"web-1": "web", "web-2": "web"})
    where = {"system": "web", "step": "restore"}
    recorder.record(Kind.STEP_STARTED, step="restore", title="Restore previous version")
    recorder.record(Kind.COMMAND_INTENT, host="web-1", command="x", stage="action", **where)
    recorder.record(Kind.COMMAND_INTENT, host="web-2", command="x", stage="action", **where)
    recorder.record(Kind.COMMAND_OUTPUT, host="web-1", lines=["a", "b"], stream="stdout", **where)
    recorder.record(Kind.COMMAND_RESULT, host="web-1", stage="action", exit_status=0, **where)
    return where


def test_fold_of_the_journal_equals_the_live_state(tmp_path):
    recorder = recorder_in(tmp_path)
    _incident(recorder)
    live = recorder.state
    again = fold(recorder.events)
    assert again == live
    assert live.trigger.reason == "500s" and live.trigger.declared_by == "commander"
    assert live.hosts == {"web-1": "web", "web-2": "web"}
    run1 = live.steps["restore"].hosts["web-1"]
    assert (run1.status, run1.lines, run1.last_line) == (HostStatus.SUCCEEDED, 2, "b")
    assert live.steps["restore"].hosts["web-2"].status is HostStatus.RUNNING


def test_an_intent_without_outcome_reads_unknown_after_a_stop(tmp_path):
    recorder = recorder_in(tmp_path)
    _incident(recorder)
    settled = fold(recorder.events).settle()
    assert settled.steps["restore"].hosts["web-2"].status is HostStatus.UNKNOWN
    assert settled.steps["restore"].hosts["web-1"].status is HostStatus.SUCCEEDED
    recorder.record(Kind.INCIDENT_RESUMED)
    assert recorder.state.unknown_hosts == [("restore", "web-2")]


def test_failures_stars_notes_fields_and_skips_fold_in(tmp_path):
    recorder = recorder_in(tmp_path)
    where = _incident(recorder)
    recorder.record(
        Kind.COMMAND_RESULT,
        host="web-2",
        stage="action",
        failure="non-zero exit",
        exit_status=3,
        detail="exit status 3",
        **where,
    )
    recorder.record(Kind.STEP_COMPLETED, step="restore", status="failed", summary="1 failed")
    note = recorder.record(Kind.NOTE_ADDED, step="restore", text="web-2 disk full?")
    recorder.record(Kind.EVENT_STARRED, seq=note.seq)
    recorder.record(Kind.FIELD_SET, field="root_cause", value="bad config")
    recorder.record(Kind.STEP_SKIPPED, step="verify", reason="verified by hand")
    state = recorder.state
    run2 = state.steps["restore"].hosts["web-2"]
    assert (run2.status, run2.failure, run2.exit_status) == (
        HostStatus.FAILED,
        FailureClass.NONZERO_EXIT,
        3,
    )
    assert state.steps["restore"].status is StepStatus.FAILED
    assert state.stars == {note.seq}
    assert state.steps["restore"].notes == ["web-2 disk full?"]
    assert state.fields["root_cause"] == "bad config"
    assert state.steps["verify"].skip_reason == "verified by hand"
    assert state.current_step(["restore", "verify"]) == "restore"
    recorder.record(Kind.EVENT_STARRED, seq=note.seq, starred=False)
    assert recorder.state.stars == set()


def test_an_annotation_is_kept_with_the_event_it_is_about(tmp_path):
    recorder = recorder_in(tmp_path)
    where = _incident(recorder)
    result = recorder.record(
        Kind.COMMAND_RESULT, host="web-2", stage="action", exit_status=0, **where
    )
    recorder.record(Kind.NOTE_ADDED, text="slow: 40 s", about=result.seq)
    recorder.record(Kind.NOTE_ADDED, text="disk at 95%", about=result.seq)
    plain = recorder.record(Kind.NOTE_ADDED, text="bridge moved to #inc-2")
    state = recorder.state
    assert state.annotations == {result.seq: ["slow: 40 s", "disk at 95%"]}
    assert plain.seq not in state.annotations and len(state.notes) == 3
    assert describe(recorder.events[-2]) == f"annotated event #{result.seq}: disk at 95%"


def test_unknown_event_kinds_from_newer_versions_are_kept_and_ignored(tmp_path):
    recorder = recorder_in(tmp_path)
    recorder.record(Kind.NOTE_ADDED, text="before")
    recorder.close()
    line = recorder.events[0].as_json()
    line |= {"seq": 1, "kind": "future.kind", "data": {"anything": 1}}
    with (tmp_path / JOURNAL_NAME).open("a") as journal:
        journal.write(json.dumps(line) + "\n")
    events = read_journal(tmp_path / JOURNAL_NAME).events
    assert events[1].data.dump() == {"anything": 1}
    assert fold(events).last_seq == 1 and fold(events).notes == fold(events[:1]).notes


def test_a_held_rollout_folds_onto_its_hosts_and_is_gone_on_from_only_by_them_all(tmp_path):
    """rollout.held: each named host ran the stage and is held there, with the words; a
    run of exactly held hosts goes on from the hold, a run with any other host does not."""
    recorder = recorder_in(tmp_path)
    where = _incident(recorder)
    recorder.record(Kind.COMMAND_RESULT, host="web-2", stage="action", exit_status=0, **where)
    recorder.record(
        Kind.ROLLOUT_HELD,
        step="restore",
        strategy="feature-reenable",
        percent=5,
        index=1,
        of=4,
        next_percent=25,
        hosts=["web-1"],
        reason="the next stage was not confirmed",
    )
    state = fold(recorder.events)
    assert state == recorder.state
    st = state.steps["restore"]
    said = "held at 5 % (stage 1 of 4): the next stage was not confirmed"
    assert (st.hosts["web-1"].status, st.hosts["web-1"].detail) == (HostStatus.HELD, said)
    assert st.hosts["web-2"].status is HostStatus.SUCCEEDED
    assert st.held_for(["web-1"]) is st.held and st.held.next_percent == 25
    assert st.held_for(["web-1", "web-2"]) is None and st.held_for([]) is None
    assert describe(recorder.events[-1]) == (
        "held at 5 % on 1 host (stage 1 of 4): the next stage was not confirmed"
    )


def test_v_checking_unknown_hosts_is_not_a_run_of_the_step(tmp_path):
    """A connection lost mid-action: the step ends unknown (not failed, no host did). V's
    verify then runs a wave of its own, with no step.started: the action's waves stay the
    step's waves, settled by the verify (F3 read 'Waves run 2: ✔ 1/1')."""
    from console.ui.widgets.waves_line import waves_text

    recorder = recorder_in(tmp_path)
    recorder.record(Kind.INCIDENT_OPENED, incident_id="inc-1", title="checkout errors", drill=False)
    recorder.record(Kind.SYSTEMS_SELECTED, systems=["web"], hosts={"web-1": "web", "web-2": "web"})
    where = {"system": "web", "step": "restore"}
    hosts = ["web-1", "web-2"]
    recorder.record(Kind.STEP_STARTED, step="restore", hosts=hosts, attempt=1)
    recorder.record(Kind.WAVE_STARTED, step="restore", wave=1, waves=1, hosts=hosts)
    for host in hosts:
        recorder.record(Kind.COMMAND_INTENT, host=host, command="x", stage="action", **where)
    recorder.record(Kind.COMMAND_RESULT, host="web-1", stage="action", exit_status=0, **where)
    lost = FailureClass.CONNECTION_LOST.value
    recorder.record(Kind.COMMAND_RESULT, host="web-2", stage="action", failure=lost, **where)
    recorder.record(Kind.WAVE_FINISHED, step="restore", wave=1, waves=1, succeeded=1, unknown=1)
    recorder.record(
        Kind.STEP_COMPLETED, step="restore", status="unknown", summary="1 succeeded, 1 unknown"
    )
    st = recorder.state.step("restore")
    assert st.status is StepStatus.UNKNOWN
    assert str(waves_text(st, running=False)) == " Waves ? 1/1 1 ok, 0 failed, 1 unknown"

    recorder.record(Kind.WAVE_STARTED, step="restore", wave=1, waves=1, hosts=["web-2"])
    recorder.record(Kind.COMMAND_INTENT, host="web-2", command="v", stage="verify", **where)
    recorder.record(Kind.COMMAND_RESULT, host="web-2", stage="verify", exit_status=0, **where)
    recorder.record(Kind.WAVE_FINISHED, step="restore", wave=1, waves=1, succeeded=1)
    recorder.record(Kind.STEP_COMPLETED, step="restore", status="done", summary="2 succeeded")
    st = recorder.state.step("restore")
    assert st.earlier_waves == []
    assert str(waves_text(st, running=False)) == " Waves ✔ 1/1 2 ok, 0 failed"
    assert fold(recorder.events) == recorder.state


def test_v_ends_a_wave_a_crash_cut_short_once_its_hosts_are_settled(tmp_path):
    """Killed in wave 1 of 2 and resumed: V settles its host; the waves line reads that
    wave finished and the next not started (it read 'run 2: ✔ 1/1', with the earlier
    run's wave cut short)."""
    from console.ui.widgets.waves_line import waves_text

    recorder = recorder_in(tmp_path)
    recorder.record(Kind.INCIDENT_OPENED, incident_id="inc-1", title="checkout errors", drill=False)
    recorder.record(Kind.SYSTEMS_SELECTED, systems=["web"], hosts={"web-1": "web", "web-2": "web"})
    where = {"system": "web", "step": "restore"}
    recorder.record(Kind.STEP_STARTED, step="restore", hosts=["web-1", "web-2"], attempt=1)
    recorder.record(Kind.WAVE_STARTED, step="restore", wave=1, waves=2, hosts=["web-1"])
    recorder.record(Kind.COMMAND_INTENT, host="web-1", command="x", stage="action", **where)
    recorder.record(Kind.INCIDENT_RESUMED)
    st = recorder.state.step("restore")
    assert str(waves_text(st, running=False)) == (
        " Waves ? 1/2 cut short (1 host(s)) · ○ 2/2 not started"
    )
    recorder.record(Kind.WAVE_STARTED, step="restore", wave=1, waves=1, hosts=["web-1"])
    recorder.record(Kind.COMMAND_INTENT, host="web-1", command="v", stage="verify", **where)
    recorder.record(Kind.COMMAND_RESULT, host="web-1", stage="verify", exit_status=0, **where)
    recorder.record(Kind.WAVE_FINISHED, step="restore", wave=1, waves=1, succeeded=1)
    st = recorder.state.step("restore")
    assert st.earlier_waves == []
    assert str(waves_text(st, running=False)) == " Waves ✔ 1/2 1 ok, 0 failed · ○ 2/2 not started"
    assert fold(recorder.events) == recorder.state


def test_waves_all_ok_one_after_another_read_as_one_phrase(tmp_path):
    """Seen at 80x24 on a README fleet of 4 sshd hosts, a canary strategy of 4 waves of 1:
    'Waves ✔ 1/4 1 ok, 0 failed · ✔ 2/4 … · ✔' was cut at the edge, the last wave lost.
    Waves whose every host succeeded, one after another, are one phrase; a wave with a
    failure stands alone."""
    from console.ui.widgets.waves_line import waves_text

    recorder = recorder_in(tmp_path)
    recorder.record(Kind.INCIDENT_OPENED, incident_id="inc-1", title="checkout errors", drill=False)
    hosts = [f"web-{n}" for n in range(1, 5)]
    recorder.record(Kind.SYSTEMS_SELECTED, systems=["web"], hosts=dict.fromkeys(hosts, "web"))
    where = {"system": "web", "step": "restore"}
    recorder.record(Kind.STEP_STARTED, step="restore", hosts=hosts, attempt=1)
    for wave, host in enumerate(hosts, 1):
        recorder.record(Kind.WAVE_STARTED, step="restore", wave=wave, waves=4, hosts=[host])
        recorder.record(Kind.COMMAND_INTENT, host=host, command="x", stage="action", **where)
        bad = {"exit_status": 1, "failure": "non-zero exit"} if host == "web-3" else {}
        result = bad or {"exit_status": 0}
        recorder.record(Kind.COMMAND_RESULT, host=host, stage="action", **result, **where)
        counts = {"failed": 1} if bad else {"succeeded": 1}
        recorder.record(Kind.WAVE_FINISHED, step="restore", wave=wave, waves=4, **counts)
        said = str(waves_text(recorder.state.step("restore"), running=True))
        assert len(said) <= 80, said
        if wave == 2:
            assert said == " Waves ✔ 1–2 of 4: 2 ok, 0 failed · ○ 3–4 of 4 waiting"
    assert said == " Waves ✔ 1–2 of 4: 2 ok, 0 failed · ✘ 3/4 0 ok, 1 failed · ✔ 4/4 1 ok, 0 failed"
