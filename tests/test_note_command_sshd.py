"""`rollback-console note ID TEXT`: a note from another shell (a second responder, the
commander away from the console), added as the console's n adds one, under the journal's
one writer. There was no way to add a note without resuming the incident in a console
(helper-138); `verify` told its reader to add one "by hand"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.journal.journal_lock import JournalLock
from console.journal.store import read_journal
from console.model.loading import load_settings
from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES, run

pytestmark = pytest.mark.sshd


def _closed_incident(sshd_server, tmp_path: Path):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    result = run(fleet, "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    return fleet, fleet.state / "incident" / "journal.jsonl"


def test_a_note_lands_in_the_timeline_and_the_document(sshd_server, tmp_path):
    fleet, journal = _closed_incident(sshd_server, tmp_path)
    before = len(read_journal(journal).events)
    done = fleet.cli("note", str(journal.parent), "--step", "restore", "app-2 checked", "by hand")
    assert done.returncode == 0, done.stderr
    events = read_journal(journal).events
    assert len(events) == before + 1
    note = events[-1]
    assert note.kind == "note.added" and note.where.step == "restore"
    assert note.data.text == "app-2 checked by hand" and note.data.amendment
    incident = events[0].data.incident_id
    assert done.stdout == (
        f"{incident}: noted as event #{note.seq} (an amendment: the incident is closed):"
        " app-2 checked by hand\n"
    )
    exported = fleet.cli("export", str(journal.parent), "--format", "json", "-o", "-")
    assert "app-2 checked by hand" in json.dumps(json.loads(exported.stdout))


def test_a_note_is_refused_while_another_process_writes_the_journal(sshd_server, tmp_path):
    fleet, journal = _closed_incident(sshd_server, tmp_path)
    before = journal.read_bytes()
    holder = JournalLock(journal, "held")  # as a console amending it holds it
    try:
        done = fleet.cli("note", str(journal.parent), "seen on the bridge")
    finally:
        holder.close()
    assert done.returncode == 2 and not done.stdout, done
    [line] = done.stderr.splitlines()
    incident = read_journal(journal).events[0].data.incident_id
    held_by = f"error: incident {incident}'s journal is being written by rollback-console pid "
    assert line.startswith(held_by), line
    assert line.endswith(
        ": the note was not written; add it in that console (n), or here again once it has"
        " let go of the journal"
    ), line
    assert journal.read_bytes() == before  # nothing written
    for argv, said in (
        (["   "], "error: TEXT: the note is empty; say what happened\n"),
        (
            ["--step", "nope", "x"],
            "error: --step 'nope': no such step in the procedure (its steps: "
            + ", ".join(s.id for s in load_settings(fleet.config).procedure.steps)
            + ")\n",
        ),
    ):
        refused = fleet.cli("note", str(journal.parent), *argv)
        assert (refused.returncode, refused.stderr) == (2, said), refused
    assert journal.read_bytes() == before
