"""Golden exports: each journal always gives the same bytes, in all three formats, and they
are the committed golden files. The journals are committed too (scripts/golden_journals.py
recorded them on the demo fleet) or written here by hand; every test renders them afresh.
UPDATE_GOLDEN=1 rewrites the golden files from what the code renders now: read the diff."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from console.journal.export import EXPORT_FORMATS
from console.journal.export.facts import LEFT_OUT
from console.journal.export.schema import export_schema
from console.journal.files import JOURNAL_NAME
from console.journal.recorder import Recorder
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.payloads import KINDS, payload_model
from tests.events_factory import COMMANDER, START, recorder_in

GOLDEN = Path(__file__).parent / "golden"
JOURNALS = GOLDEN / "journals"
SCHEMA = Path(__file__).parent.parent / "docs" / "export.schema.json"
SUFFIX = {"markdown": "md", "json": "json", "node": "node.md"}
RECORDED = ["version-rollback", "log-replay", "failed-halted", "drill", "amended"]
CASES = ["handmade", *RECORDED]
# Every case has a Markdown golden; JSON and node goldens for a few (they embed the rest).
GOLDENS = [(case, "markdown") for case in CASES] + [
    ("handmade", "json"),
    ("version-rollback", "json"),
    ("amended", "json"),
    ("handmade", "node"),
    ("amended", "node"),
]


def write_fixed_journal(directory: Path) -> Path:
    """A drill with a failed host, an unknown host, notes, an annotation, a star and every
    document field; its action names each host (`{{host}}` in its template)."""
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
            command=f"ln -sfn releases/2.4.0 current && logger -t rollback {host}",
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


def journal_of(case: str, tmp_path: Path) -> Path:
    if case != "handmade":
        return JOURNALS / case / JOURNAL_NAME
    journal = tmp_path / "incident" / JOURNAL_NAME
    return journal if journal.exists() else write_fixed_journal(journal.parent)


def render(case: str, fmt: str, tmp_path: Path, starred: bool = False) -> str:
    events = read_journal(journal_of(case, tmp_path)).events
    return EXPORT_FORMATS[fmt].render(events, starred)


@pytest.mark.parametrize(("case", "fmt"), GOLDENS)
def test_export_matches_the_golden_file(tmp_path, case, fmt):
    first, second = render(case, fmt, tmp_path), render(case, fmt, tmp_path)
    assert first == second
    golden = GOLDEN / f"{case}.{SUFFIX[fmt]}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(first, encoding="utf-8")
    assert first == golden.read_text(encoding="utf-8")


def test_the_command_line_writes_the_same_bytes(tmp_path):
    """`export -o` twice: the same bytes, the golden file's."""
    journal = JOURNALS / "version-rollback" / JOURNAL_NAME
    outputs = []
    for n in range(2):
        target = tmp_path / f"out-{n}.md"
        result = subprocess.run(
            [sys.executable, "-m", "console", "export", str(journal), "-o", str(target)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] == (GOLDEN / "version-rollback.md").read_bytes()


def test_the_published_schema_is_the_export_models(tmp_path):
    """docs/export.schema.json is what the models say (rewritten with UPDATE_GOLDEN=1)."""
    text = json.dumps(export_schema(), indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        SCHEMA.write_text(text, encoding="utf-8")
    assert SCHEMA.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("starred", [False, True])
def test_every_json_export_is_valid_against_the_published_schema(tmp_path, case, starred):
    document = json.loads(render(case, "json", tmp_path, starred))
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert document["schema"] == "rollback-console/export"
    assert document["schema_version"] == 2 and document["event_schema_version"] == 2


def _errors(document: dict) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [error.message for error in validator.iter_errors(document)]


def _first(document: dict, kind: str) -> dict:
    return next(e for e in document["events"] if e["kind"] == kind)


def test_the_schema_checks_each_events_data_by_its_kind(tmp_path):
    """Each event's data is its kind's payload model's: a wrong type, a missing key or, from
    version 2, a key the model does not know makes the export invalid; a version-1 event may
    keep such a key, and a kind from a newer console any data."""
    document = json.loads(render("handmade", "json", tmp_path))
    assert _errors(document) == []
    result = _first(document, "command.result")
    assert result.get("v", 2) == 2 and "exit_status" in result["data"]
    result["data"]["exit_status"] = "three"
    assert any(
        "'three' is not valid under any of the given schemas" in e for e in _errors(document)
    )
    result["data"]["exit_status"] = 3
    del _first(document, "incident.opened")["data"]["incident_id"]
    assert _errors(document) == ["'incident_id' is a required property"]
    _first(document, "incident.opened")["data"]["incident_id"] = "x"
    note = _first(document, "note.added")
    note["data"]["surprise"] = 1
    assert _errors(document) == [
        "Unevaluated properties are not allowed ('surprise' was unexpected)"
    ]
    note["v"] = 1
    assert _errors(document) == []
    document["events"].append({**note, "kind": "telemetry.new", "data": {"anything": [1]}})
    assert _errors(document) == []


def test_the_schema_has_a_branch_for_every_kind_with_its_models_keys():
    schema = export_schema()
    branches = schema["$defs"]["Event"]["allOf"]
    kinds = {b["if"]["properties"]["kind"]["const"]: b["then"] for b in branches}
    assert set(kinds) == set(Kind) == set(KINDS)
    for kind, then in kinds.items():
        ref = then["then"]["properties"]["data"]["$ref"]
        data = schema["$defs"][ref.removeprefix("#/$defs/")]
        model = payload_model(kind)
        assert set(data["properties"]) == {
            f.alias or n for n, f in model.reader().model_fields.items()
        } - set(LEFT_OUT.get(kind, ()))  # what the export never holds is not named
        assert "additionalProperties" not in data  # open for version 1; closed by the branch


def test_markdown_marks_the_drill_and_the_unknown_host(tmp_path):
    text = render("handmade", "markdown", tmp_path)
    assert "**DRILL**" in text
    assert "| web-3 | ? unknown |" in text
    assert "| web-2 | ✘ failed | non-zero exit: exit status 3 |" in text
    assert "★" in text


def test_json_marks_unknown_hosts_as_not_known(tmp_path):
    document = json.loads(render("handmade", "json", tmp_path))
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
    hosts = document["document"]["systems"][0]["hosts"]
    assert [h["known"] for h in hosts] == [True, True, False]
    assert len(document["events"]) > 10


def test_an_annotation_is_shown_with_the_event_it_is_about(tmp_path):
    text = render("handmade", "markdown", tmp_path)
    appendix = text.split("## Appendix: every event")[1]
    rows = [ln for ln in appendix.splitlines() if "its disk was at 100%" in ln]
    assert len(rows) == 1  # not a row of its own
    assert rows[0].index("non-zero exit") < rows[0].index("✎ its disk was at 100%")
    timeline = text.split("## Timeline")[1].split("\n## ")[0]
    condensed = [ln for ln in timeline.splitlines() if "its disk was at 100%" in ln]
    assert len(condensed) == 1 and "✎ web-2: its disk was at 100%" in condensed[0]


def test_node_export_keeps_the_seed_layout_and_links(tmp_path):
    text = render("amended", "node", tmp_path)
    headings = [ln for ln in text.splitlines() if ln.startswith("## ")]
    assert headings == [
        "## Purpose",
        "## Classification",
        "## Content",
        "## Relationships",
        "## Navigation Guidance",
        "## Metadata",
        "## Change History",
    ]
    relationships = text.split("## Relationships")[1].split("\n## ")[0]
    assert "**Parent Node:** [[delivery/rollback-procedures]]" in relationships
    for link in ("[[delivery/execution]]", "[[delivery/monitoring]]", "[[systems/web]]"):
        assert link in relationships
    assert "[[strategies/version-rollback]]" in relationships
    history = text.split("## Change History")[1].splitlines()
    amendments = [ln for ln in history if "alice@10.0.0.9" in ln and ln.startswith("- ")]
    assert len(amendments) >= 10 and any("Set root cause to" in ln for ln in amendments)
    assert "### Change history" not in text  # the node's own Change History carries it


CLI_EXPORT = [sys.executable, "-m", "console", "export"]


def _reference_json(events) -> str:
    """The document rendered in one piece from every event in memory."""
    return EXPORT_FORMATS["json"].render(events, False)


def test_streamed_json_export_gives_the_same_bytes_as_one_dump(tmp_path):
    """`export --format json` streams (the journal read twice, its output never held);
    its bytes are those of the document rendered in one piece, output interleaved by seq,
    only the last stderr lines kept for the facts, control characters and non-ASCII
    included, a torn last output line reported once."""
    from console.journal.files import OUTPUT_NAME
    from console.journal.recorder import Recorder
    from console.journal.store import read_journal
    from console.model.clock import FixedClock
    from tests.events_factory import COMMANDER, START

    journal = write_fixed_journal(tmp_path / "incident")
    r = Recorder.open(journal.parent, FixedClock(START), COMMANDER)  # seq goes on, as in use
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
    assert result.stderr.count(f"{OUTPUT_NAME}:") == 1 and "torn last line ignored" in result.stderr
    assert not list(tmp_path.glob(".out.json*partial"))
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
    assert not target.exists() and not list(tmp_path.glob(".out.json*partial"))


def test_first_n_is_the_document_of_the_journal_when_it_held_n(tmp_path):
    """`export --first N` (what the console's export screen runs): the journal as it was
    when it held N events, though it grew since (a note, output, a star taken back) and
    a line is being written at its end."""
    journal = write_fixed_journal(tmp_path / "incident")
    count = len(read_journal(journal).events)
    variants = [(fmt, *starred) for fmt in SUFFIX for starred in ([], ["--starred-only"])]

    def exports(*first: str) -> dict[tuple[str, ...], subprocess.CompletedProcess[bytes]]:
        return {
            variant: subprocess.run(
                [*CLI_EXPORT, str(journal), "--format", *variant, *first],
                capture_output=True,
                timeout=60,
            )
            for variant in variants
        }

    before = exports()
    recorder = Recorder.open(journal.parent, FixedClock(START), COMMANDER)
    starred = min(recorder.state.stars)
    recorder.record(Kind.NOTE_ADDED, text="after the document was asked for")
    recorder.record(Kind.COMMAND_OUTPUT, stream="stdout", lines=["later"], host="web-1")
    recorder.record(Kind.EVENT_STARRED, seq=starred, starred=False)
    recorder.close()
    with open(journal, "ab") as growing:
        growing.write(b'{"seq": 99, "kind": "note.ad')
    after = exports("--first", str(count))
    for variant in variants:
        assert after[variant].returncode == 0, after[variant].stderr
        assert after[variant].stdout == before[variant].stdout, variant
        assert after[variant].stderr == b"", variant  # the line being written: not torn
    assert exports()[("markdown",)].stdout != before[("markdown",)].stdout


def test_a_trigger_firing_again_after_the_declaration_is_not_read_as_declared() -> None:
    """Walked at 80x24 on a README fleet: the trigger fired again while the rollback ran
    (the hosts of the next wave still bad), nobody decided on it, and the document's
    'Automatic triggers that fired' said 'declared' for both firings."""
    events = read_journal(JOURNALS / "version-rollback" / JOURNAL_NAME).events
    fired = next(e for e in events if e.kind == Kind.TRIGGER_FIRED)
    again = fired.replace(seq=events[-1].seq + 1)  # as the watcher records it
    text = EXPORT_FORMATS["markdown"].render([*events, again], False)
    section = text.split("- **Automatic triggers that fired:**\n")[1].split("\n\n")[0]
    fates = [line.rsplit("): ", 1)[1] for line in section.splitlines()]
    assert fates == [
        "declared",
        "fired again after the declaration: neither merged as evidence nor dismissed",
    ], section


def test_a_trigger_firing_for_the_first_time_after_the_declaration_is_not_said_again() -> None:
    """A trigger declared by hand, then the error-rate trigger firing while the rollback ran
    (a later wave's hosts still bad: `run` on a README fleet) read 'fired again after the
    declaration', though it had never fired."""
    events = read_journal(JOURNALS / "version-rollback" / JOURNAL_NAME).events
    fired = next(e for e in events if e.kind == Kind.TRIGGER_FIRED)
    first = fired.replace(seq=events[-1].seq + 1)
    kept = [e for e in events if e.kind != Kind.TRIGGER_FIRED]
    text = EXPORT_FORMATS["markdown"].render([*kept, first], False)
    section = text.split("- **Automatic triggers that fired:**\n")[1].split("\n\n")[0]
    fates = [line.rsplit("): ", 1)[1] for line in section.splitlines()]
    assert fates == ["fired after the declaration: neither merged as evidence nor dismissed"]
