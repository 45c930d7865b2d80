"""Golden exports: a fixed journal always gives the same bytes, in all three formats."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.journal.export.json_export import render_json
from console.journal.export.markdown import render_markdown
from console.journal.export.node import render_node
from console.journal.store import JOURNAL_NAME, read_journal
from console.model.events import Kind
from tests.events_factory import recorder_in

GOLDEN = Path(__file__).parent / "golden"


def write_fixed_journal(directory: Path) -> Path:
    """A drill with a failed host, an unknown host, notes, an annotation, a star and every
    document field."""
    r = recorder_in(directory)
    r.record(
        Kind.INCIDENT_OPENED,
        incident_id="20261128-093000-beef",
        title="Checkout 500s after 2.4.1",
        drill=True,
    )
    r.record(
        Kind.TRIGGER_DECLARED,
        kind="error-threshold",
        label="Critical error threshold exceeded",
        automatic=True,
        reason="web error rate 31% > 5% for 3 samples",
        evidence=[{"probe": "error-rate", "value": 0.31, "threshold": 0.05, "state": "bad"}],
    )
    r.record(
        Kind.SYSTEMS_SELECTED,
        systems=["web"],
        hosts={"web-1": "web", "web-2": "web", "web-3": "web"},
    )
    r.record(Kind.STRATEGY_CHOSEN, strategy="version-rollback", params={"target": "previous"})
    r.record(
        Kind.STEP_CONFIRMED, step="open-bridge", title="Open the incident bridge", phase="immediate"
    )
    r.record(Kind.STEP_STARTED, step="restore", title="Restore previous version", phase="execution")
    for host in ("web-1", "web-2", "web-3"):
        where = {"system": "web", "host": host, "step": "restore"}
        r.record(
            Kind.COMMAND_INTENT,
            command="ln -sfn releases/2.4.0 current",
            stage="action",
            attempt=1,
            **where,
        )
    r.record(
        Kind.COMMAND_OUTPUT,
        system="web",
        host="web-1",
        step="restore",
        stream="stdout",
        lines=["rolled back: 2.4.1 -> 2.4.0"],
    )
    r.record(
        Kind.COMMAND_RESULT,
        system="web",
        host="web-1",
        step="restore",
        stage="action",
        exit_status=0,
        duration=0.4,
    )
    failed = r.record(
        Kind.COMMAND_RESULT, system="web", host="web-2", step="restore", stage="action",
        exit_status=3, failure="non-zero exit", detail="exit status 3", duration=0.2,
    )  # fmt: skip
    r.record(Kind.NOTE_ADDED, text="its disk was at 100%", about=failed.seq)
    star = r.record(
        Kind.NOTE_ADDED, step="restore", text="web-2 has a full disk; | pipes | stay in the cell"
    )
    r.record(Kind.EVENT_STARRED, seq=star.seq)
    for field, value in {
        "reason": "2.4.1 broke checkout",
        "root_cause": "A config key renamed without a migration.",
        "remediation": "Rename back; add a config schema check to CI.",
        "procedure_updates": "Canary must include checkout traffic.",
        "retry_schedule": "2026-12-02",
        "lessons": "Error-rate trigger fired in 90 s; the bridge was open in 2 min.",
    }.items():
        r.record(Kind.FIELD_SET, field=field, value=value)
    r.close()
    return directory / JOURNAL_NAME


def fresh_export(tmp_path: Path, fmt: str) -> str:
    """The fixed journal exported now, in-process (not the committed golden file)."""
    events = read_journal(write_fixed_journal(tmp_path / "incident")).events
    render = {"markdown": render_markdown, "json": render_json, "node": render_node}[fmt]
    return render(events)


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("markdown", "md"), ("json", "json"), ("node", "node.md")]
)
def test_export_matches_the_golden_file(tmp_path, fmt, suffix):
    journal = write_fixed_journal(tmp_path / "incident")
    outputs = []
    for n in range(2):
        target = tmp_path / f"out-{n}.{suffix}"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "console",
                "export",
                str(journal),
                "--format",
                fmt,
                "-o",
                str(target),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    golden = GOLDEN / f"incident.{suffix}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_bytes(outputs[0])
    assert outputs[0] == golden.read_bytes()


def test_markdown_marks_the_drill_and_the_unknown_host(tmp_path):
    text = fresh_export(tmp_path, "markdown")
    assert "**DRILL**" in text
    assert "| web | web-3 | ? unknown |" in text
    assert "| web | web-2 | ✘ failed | non-zero exit: exit status 3 |" in text
    assert "★" in text


def test_json_marks_unknown_hosts_as_not_known(tmp_path):
    import json

    document = json.loads(fresh_export(tmp_path, "json"))
    assert document["hosts"]["web-3"]["known"] is False
    assert document["hosts"]["web-1"] == {
        "detail": None,
        "exit_status": 0,
        "failure": None,
        "known": True,
        "status": "succeeded",
        "step": "restore",
        "system": "web",
    }
    assert document["event_schema_version"] == 1 and len(document["events"]) > 10


def test_starred_only_keeps_only_starred_events_in_the_timeline(tmp_path):
    journal = write_fixed_journal(tmp_path / "incident")
    result = subprocess.run(
        [sys.executable, "-m", "console", "export", str(journal), "--starred-only"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    timeline = result.stdout.split("## Timeline of actions")[1].split("## ")[0]
    rows = [ln for ln in timeline.splitlines() if ln.startswith("| ") and "Time (UTC)" not in ln]
    assert len(rows) == 1 and "★" in rows[0]


def test_an_annotation_is_shown_with_the_event_it_is_about(tmp_path):
    text = fresh_export(tmp_path, "markdown")
    timeline = text.split("## Timeline of actions")[1].split("## ")[0]
    rows = [ln for ln in timeline.splitlines() if "its disk was at 100%" in ln]
    assert len(rows) == 1  # not a row of its own
    assert rows[0].index("non-zero exit") < rows[0].index("✎ its disk was at 100%")


def test_node_export_has_the_context_network_sections(tmp_path):
    text = fresh_export(tmp_path, "node")
    for heading in (
        "## Purpose",
        "## Classification",
        "## Content",
        "## Relationships",
        "## Metadata",
        "## Change History",
    ):
        assert f"\n{heading}\n" in text
    assert "**Parent Node:** [[delivery/rollback-procedures]]" in text
    assert "[[strategies/version-rollback]]" in text and "[[systems/web]]" in text


CLI_EXPORT = [sys.executable, "-m", "console", "export"]


def _reference_json(events) -> str:
    """The document as it was rendered before streaming: one json.dumps of the whole."""
    import json

    from console.journal.export.json_export import (
        EXPORT_SCHEMA,
        EXPORT_VERSION,
        _plain,
        host_summary,
    )
    from console.model.events import SCHEMA_VERSION
    from console.model.state import fold
    from console.model.visible import json_visible

    state = fold(events)
    if state.outcome is None:
        state.settle()
    document = {
        "schema": EXPORT_SCHEMA,
        "version": EXPORT_VERSION,
        "event_schema_version": SCHEMA_VERSION,
        "incident": state.incident_id,
        "hosts": host_summary(state),
        "state": _plain(state),
        "events": [json.loads(e.model_dump_json()) for e in events],
    }
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return json_visible(text)


def test_streamed_json_export_gives_the_same_bytes_as_one_dump(tmp_path):
    """`export --format json` streams (one event in memory at a time); its bytes are those
    of a single json.dumps of the whole document, output interleaved by seq, control
    characters and non-ASCII included, a torn last output line reported."""
    from console.journal.store import OUTPUT_NAME, read_journal

    journal = write_fixed_journal(tmp_path / "incident")
    r = recorder_in(journal.parent)
    where = {"system": "web", "host": "web-1", "step": "restore"}
    for n in range(300):
        r.record(
            Kind.COMMAND_OUTPUT,
            stream="stderr" if n % 7 == 0 else "stdout",
            lines=[f"line {n} é ✓ \x1b[31mred\x1b[0m \u202e", "", '\t{"json": [1, 2]}'],
            **where,
        )
        if n % 50 == 0:
            r.record(Kind.NOTE_ADDED, text=f"note {n}\nsecond line")
    r.close()
    with open(journal.with_name(OUTPUT_NAME), "ab") as torn:
        torn.write(b'{"seq": 99999, "kind": "command.outp')  # a crash mid-write
    expected = _reference_json(read_journal(journal).events)
    target = tmp_path / "out.json"
    result = subprocess.run(
        [*CLI_EXPORT, str(journal), "--format", "json", "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == expected
    assert f"{OUTPUT_NAME}:" in result.stderr and "torn last line ignored" in result.stderr
    assert not list(tmp_path.glob(".out.json.partial"))
    to_stdout = subprocess.run(
        [*CLI_EXPORT, str(journal), "--format", "json"],
        capture_output=True,
        timeout=60,
    )
    assert to_stdout.stdout.decode("utf-8") == expected


def test_export_of_an_unreadable_journal_leaves_no_file(tmp_path):
    journal = write_fixed_journal(tmp_path / "incident")
    with open(journal, "ab") as bad:
        bad.write(b"not json\n")
    target = tmp_path / "out.json"
    result = subprocess.run(
        [*CLI_EXPORT, str(journal), "--format", "json", "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "not a journal event" in result.stderr and "Traceback" not in result.stderr
    assert not target.exists() and not list(tmp_path.glob(".out.json.partial"))
