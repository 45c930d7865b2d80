"""Typed event data: checked when recorded and when read, every journal version read."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from console.journal.files import JOURNAL_NAME, JournalError
from console.journal.store import read_journal
from console.model.events import SCHEMA_VERSION, Kind
from console.model.payloads import KINDS, CommandResult, NoteAdded, all_models, payload_model
from console.model.status import FailureClass
from tests.events_factory import recorder_in

GOLDEN = Path(__file__).parent / "golden" / "journals"


def test_every_kind_has_one_payload_model():
    assert set(KINDS) == set(Kind)
    models = all_models()
    assert len(set(models)) == len(KINDS)
    assert all(payload_model(m.KIND) is m for m in models)


def test_recording_checks_the_data_against_its_kind(tmp_path):
    recorder = recorder_in(tmp_path)
    with pytest.raises(ValidationError, match="exit_status"):
        recorder.record(Kind.COMMAND_RESULT, stage="action", exit_status="zero")
    with pytest.raises(ValueError, match=r"command\.result has no key tail"):
        recorder.record(Kind.COMMAND_RESULT, stage="action", exit_status=0, tail=["x"])
    with pytest.raises(ValueError, match=r"future\.kind: not an event kind"):
        recorder.record("future.kind", anything=1)
    assert not recorder.events  # nothing half-written


def test_a_typed_payload_is_recorded_with_only_what_it_says(tmp_path):
    recorder = recorder_in(tmp_path)
    result = CommandResult(
        stage="action", failure=FailureClass.TIMEOUT, detail="no exit", signal=None
    )
    recorder.record(result, host="web-1", step="restore")
    recorder.close()
    line = json.loads((tmp_path / JOURNAL_NAME).read_text())
    assert line["v"] == SCHEMA_VERSION
    assert line["data"] == {"stage": "action", "failure": "timeout", "detail": "no exit"}
    [event] = read_journal(tmp_path / JOURNAL_NAME).events
    assert event.payload(CommandResult).failure is FailureClass.TIMEOUT
    with pytest.raises(TypeError, match="holds no NoteAdded"):
        event.payload(NoteAdded)


def _journal_with(tmp_path, **line_fields):
    recorder = recorder_in(tmp_path)
    recorder.record(Kind.NOTE_ADDED, text="first")
    recorder.close()
    line = json.loads((tmp_path / JOURNAL_NAME).read_text()) | {"seq": 1} | line_fields
    with (tmp_path / JOURNAL_NAME).open("a") as journal:
        journal.write(json.dumps(line) + "\n")
    return tmp_path / JOURNAL_NAME


def test_a_version_1_line_keeps_a_key_no_model_knows(tmp_path):
    path = _journal_with(tmp_path, v=1, data={"text": "older", "mood": "tense"})
    event = read_journal(path).events[1]
    assert event.payload(NoteAdded).text == "older"
    assert event.data.unknown_keys == ["mood"] and event.as_json()["data"]["mood"] == "tense"


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"data": {"text": "x", "mood": "tense"}}, "note.added: data: note.added has no key mood"),
        ({"data": {"text": 3}}, "note.added: data.text: Input should be a valid string"),
        ({"data": {}}, "note.added: data.text: Field required"),
        ({"v": 3}, "v: journal version 3 was written by a newer rollback-console"),
        ({"who": {"user": "a", "badge": 7}}, "who.badge: Extra inputs are not permitted"),
    ],
)
def test_bad_data_is_one_line_naming_file_line_kind_and_key(tmp_path, fields, says):
    path = _journal_with(tmp_path, **fields)
    with pytest.raises(JournalError) as raised:
        read_journal(path)
    assert str(raised.value).startswith(f"{path}:2: not a journal event: {says}")
    assert "\n" not in str(raised.value)


def test_export_of_bad_data_is_one_line_and_exit_2(tmp_path):
    path = _journal_with(tmp_path, data={"text": 3})
    done = subprocess.run(
        [sys.executable, "-m", "console", "export", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{path}:2: not a journal event: note.added: data.text:" in done.stderr


@pytest.mark.parametrize("journal", sorted(p.name for p in GOLDEN.iterdir()))
def test_every_golden_journal_reads_and_writes_back_the_same_data(journal):
    """Version-1 journals on disk read under the models; each event's data comes back
    as it was written, key for key."""
    path = GOLDEN / journal / JOURNAL_NAME
    events = read_journal(path).events
    written = [
        json.loads(line) for f in (path, path.with_name("output.jsonl")) for line in f.open()
    ]
    by_seq = {line["seq"]: line for line in written}
    assert {e.v for e in events} == {1}
    for event in events:
        assert event.as_json() == by_seq[event.seq]


def test_the_documented_kinds_are_the_models():
    """docs/journal.md's table of kinds is written from the models and checked here."""
    script = Path(__file__).parent.parent / "scripts" / "journal_doc.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_family_of_payload_models_is_built_when_one_of_its_kinds_is_first_met():
    """exec's path (the recorder, the fold, describe) imports no family of kinds it has not
    met; reading and describing an event of another family builds that family then."""
    code = (
        "import sys\n"
        "import console.headless.adhoc\n"
        "from console.journal.describe import describe\n"
        "from console.model.events import Event\n"
        "from console.model.state import fold\n"
        "def event(seq, kind, data):\n"
        "    return Event.validated({'seq': seq, 'ts': '2026-12-01T00:00:00Z', 'mono': 0,"
        " 'who': {'user': 'u'}, 'kind': kind, 'data': data})\n"
        "def built():\n"
        "    return sorted(m.rsplit('.', 1)[1] for m in sys.modules"
        " if m.startswith('console.model.payloads.'))\n"
        "opened = event(0, 'incident.opened', {'incident_id': 'i'})\n"
        "fold([opened])\n"
        "print(describe(opened), built())\n"
        "fired = event(1, 'trigger.fired', {'trigger': 't', 'kind': 'error-threshold',"
        " 'label': 'errors', 'reason': '5 %'})\n"
        "print(describe(fired), fold([opened, fired]).firings[0]['label'], built())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.splitlines() == [
        "opened the incident ['base', 'incident', 'record', 'steps', 'taken']",
        "automatic trigger fired: errors — 5 % errors ['base', 'incident', 'record', 'steps', 'taken', 'triggers']",
    ], done.stdout
