"""The rollback document a reviewer reads: every section, in order, with what it must say,
rendered afresh from the committed demo journals (never read from a golden file)."""

from __future__ import annotations

import json
import re
from functools import cache

import pytest

from console.journal.export import EXPORT_FORMATS
from console.journal.export.document import build_document
from console.journal.files import JOURNAL_NAME
from console.journal.store import read_journal
from console.model.events import Event, Kind
from tests.test_exports import JOURNALS, RECORDED

SECTIONS = [
    "Summary",
    "Impact",
    "Trigger event details",
    "Milestones",
    "Systems affected",
    "Data integrity",
    "Resolution steps",
    "Failures",
    "Notifications",
    "Timeline",
    "Root cause",
    "Remediation plan",
    "Procedure updates",
    "Retry schedule",
    "Action items",
    "Lessons learned",
    "Change history",
]
DATED = re.compile(r"^\| \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \|")


@cache
def events(case: str) -> tuple[Event, ...]:
    return tuple(read_journal(JOURNALS / case / JOURNAL_NAME).events)


def markdown(case: str, starred: bool = False) -> str:
    return EXPORT_FORMATS["markdown"].render(list(events(case)), starred)


def section(text: str, title: str) -> str:
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def table_rows(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("| ") and not ln.startswith("| Date")]


@pytest.mark.parametrize("case", RECORDED)
def test_every_section_is_there_in_order_with_its_exact_heading(case):
    headings = [ln[3:] for ln in markdown(case).splitlines() if ln.startswith("## ")]
    assert headings == [*SECTIONS, "Appendix: every event"]


@pytest.mark.parametrize("case", RECORDED)
def test_timeline_rows_carry_the_date(case):
    for title in ("Timeline", "Change history", "Appendix: every event"):
        rows = table_rows(section(markdown(case) + "\n## end", title))
        assert rows and all(DATED.match(row) for row in rows), title


def test_the_summary_says_what_was_rolled_back_from_what_to_what():
    text = markdown("version-rollback")
    summary = section(text, "Summary")
    paragraph = summary.strip().split("\n\n")[0]
    assert "release 2.4.1 → 2.4.0 (3 hosts)" in paragraph
    assert "on the watcher's proposal" in paragraph and "within target" in paragraph
    for fact in ("Incident", "Title", "Status", "Severity", "Outcome", "Commander"):
        assert f"\n| {fact} | " in summary
    for fact in ("Other responders", "Opened", "Closed", "Duration", "Drill or real"):
        assert f"\n| {fact} | " in summary
    assert "| Status | final |" in summary and "| Drill or real | real incident |" in summary


def test_impact_says_not_recorded_and_when_the_probes_first_saw_it():
    impact = section(markdown("version-rollback"), "Impact")
    assert "| Users or customers affected | not recorded |" in impact
    assert "(the first bad probe sample was at 20" in impact
    filled = section(markdown("amended"), "Impact")
    assert "| Users or customers affected | about 1 in 3 checkouts failed" in filled
    assert re.search(r"\| Impact start \| \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \|", filled)


def test_the_trigger_says_who_or_what_declared_it():
    auto = section(markdown("version-rollback"), "Trigger event details")
    assert "accepting the watcher's proposal (policy propose)" in auto
    assert "web/error-rate = 0.31 bad, threshold 0.05 — web-1 0.31; web-2 0.31" in auto
    # each sample's time says its zone, as every other time in the document does
    assert re.search(r"\n  - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC web/error-rate = 0.31", auto)
    manual = section(markdown("failed-halted"), "Trigger event details")
    assert "(`user-impact`, manual)" in manual and "by root" in manual


def test_milestones_are_dated_and_measured_against_the_rto():
    text = section(markdown("version-rollback"), "Milestones")
    for label in (
        "Release deployed",
        "First bad sample (impact detected)",
        "Trigger declared",
        "Rollback started",
        "Restored",
        "Verified stable",
        "Closed",
    ):
        assert re.search(rf"\| {re.escape(label)} \| \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC \|", text)
    for interval in ("Time to detect", "Time to mitigate", "Time to recover"):
        assert re.search(rf"\| {interval} \| \d+ (s|min \d\d s) \|", text), interval
    assert re.search(r"\| web \| .* \| 15 min \| within target \|", text)
    failed = section(markdown("failed-halted"), "Milestones")
    assert "| Restored | – | not restored |" in failed
    assert "| Time to mitigate | not measurable |" in failed


def test_systems_show_every_value_before_and_after():
    text = section(markdown("version-rollback"), "Systems affected")
    assert "| web-1 | ✔ succeeded | – | Restore previous version |" in text  # not read again
    for row in (
        "| release | 2.4.1 | **2.4.0** | all 3 hosts |",
        "| error_rate | 0.31 | **0.006** | all 3 hosts |",
        "| p99_ms | 2400 | **190** | all 3 hosts |",
        "| schema_version | 4 | 4 | all 3 hosts |",
        "| config_revision | r43 | r43 | all 3 hosts |",
        "| flag.new_checkout | 100 | 100 | all 3 hosts |",
        "| web/error-rate (probe) | 0.31 | **0.006** | all 3 hosts |",
    ):
        assert row in text
    failed = section(markdown("failed-halted"), "Systems affected")
    assert (  # why, in the host's own last words (1435b45c)
        "| web-2 | ✘ failed | non-zero exit: exit status 3 — no release to roll back to from"
        " 2.4.1 | Restore previous version |" in failed
    )
    assert "| release | 2.4.1 | not verified | all 3 hosts |" in failed  # never read again


def test_data_integrity_compares_before_after_and_expected():
    text = section(markdown("log-replay"), "Data integrity")
    rows = [r for r in table_rows(text) if r.startswith("| db-")]
    assert len(rows) == 2
    for row in rows:
        before, after, expected, verdict = [c.strip() for c in row.strip("|").split("|")][2:]
        assert before.startswith("checksum ") and "orders 15" in before
        assert after == expected and "orders 18" in after
        assert verdict == "match"
    assert "nothing to compare" in section(markdown("version-rollback"), "Data integrity")
    drill = section(markdown("drill"), "Data integrity")
    assert drill.count("| match |") == 2


def test_resolution_steps_say_outcome_counts_and_who_confirmed():
    text = section(markdown("version-rollback"), "Resolution steps")
    assert (
        "**Open the incident bridge and name the commander** — done: confirmed by --yes (headless)"
        in text
    )
    assert "**Restore previous version** — done: 3 succeeded" in text
    assert "state read again on 3 of 3 host(s)" in text
    assert "```sh" in text
    failed = section(markdown("failed-halted"), "Resolution steps")
    assert "**Restore previous version** — failed: 3 failed" in failed
    assert "Not done: Verify system stability; Communicate status;" in failed


def test_a_skipped_step_gives_its_reason(tmp_path):
    from tests.events_factory import recorder_in

    r = recorder_in(tmp_path)
    r.record(Kind.INCIDENT_OPENED, incident_id="i", title="t", drill=False)
    r.record(Kind.STEP_SKIPPED, step="halt", title="Halt delivery", phase="execution",
             reason="no delivery was running")  # fmt: skip
    r.close()
    text = markdown_of(read_journal(tmp_path / JOURNAL_NAME).events)
    assert "1. **Halt delivery** — skipped: no delivery was running" in text


def test_a_stage_sent_differently_in_two_runs_says_to_whom_and_when(tmp_path):
    """Run 1 sent the action, with a restart that failed, to web-1 alone; run 2, with the
    restart changed, to every host. Each command says its run and its hosts (the walk of
    2 December: two "action" blocks, nothing telling which went where)."""
    from tests.events_factory import recorder_in

    r = recorder_in(tmp_path)
    r.record(Kind.INCIDENT_OPENED, incident_id="i", title="t", drill=False)
    r.record(Kind.SYSTEMS_SELECTED, systems=["web"], hosts={"web-1": "web", "web-2": "web"})
    for run, hosts, restart in ((1, ["web-1"], "sudo restart"), (2, ["web-1", "web-2"], "")):
        r.record(Kind.STEP_STARTED, title="Restore", phase="execution", hosts=hosts,
                 step="restore")  # fmt: skip
        for host in hosts:
            where = {"system": "web", "host": host, "step": "restore"}
            command = f"cd -- /srv/{host} || exit 97\nswitch\n{restart}".strip()
            r.record(Kind.COMMAND_INTENT, command=command, stage="action", attempt=run, **where)
            r.record(Kind.COMMAND_RESULT, stage="action", exit_status=0, **where)
    r.close()
    text = section(markdown_of(read_journal(tmp_path / JOURNAL_NAME).events), "Resolution steps")
    assert "   action (run 1, sent to web-1):\n" in text
    assert (
        "   action (run 2, sent to web-1, web-2; each host from its workdir: /srv/web-1,"
        " /srv/web-2):\n" in text
    )


def test_a_command_rendered_for_each_host_is_shown_once_and_every_outcome_kept(tmp_path):
    """A strategy whose commands name {{host}} sent each host its own text: the document
    showed one block per host (10,000 of 11,500 lines at 1,000 hosts); now one per stage,
    as its first host got it, with how many got it alike. Every host's outcome stays,
    and the JSON export (and the journal) keep each host's command as sent."""
    from tests.events_factory import recorder_in

    hosts = [f"web-{i:02d}" for i in range(1, 13)]
    r = recorder_in(tmp_path)
    r.record(Kind.INCIDENT_OPENED, incident_id="i", title="t", drill=False)
    r.record(Kind.SYSTEMS_SELECTED, systems=["web"], hosts=dict.fromkeys(hosts, "web"))
    r.record(Kind.STEP_STARTED, title="Restore", phase="execution", hosts=hosts, step="restore")
    for host in hosts:
        where = {"system": "web", "host": host, "step": "restore"}
        command = f"cd -- /srv/shop || exit 97\nswitch --name {host}\nlogger '{host} is back'"
        if host == "web-07":  # not the same but for its name: shown apart
            command = command.replace("switch", "switch --force")
        r.record(Kind.COMMAND_INTENT, command=command, stage="action", attempt=1, **where)
        failed = {"failure": "non-zero exit", "detail": "exit status 1"} if host == "web-03" else {}
        r.record(Kind.COMMAND_RESULT, stage="action", exit_status=1 if failed else 0, final=True,
                 **failed, **where)  # fmt: skip
    r.close()
    events = read_journal(tmp_path / JOURNAL_NAME).events
    text = markdown_of(events)
    steps = section(text, "Resolution steps")
    assert steps.count("```sh") == 2, steps
    assert (
        "   action (as sent to web-01; each of the 11 hosts got it with its own name in place"
        " of “web-01”; run 1, sent to web-01, web-02, web-03 and 8 more):\n\n"
        "   ```sh\n"
        "   cd -- /srv/shop || exit 97\n"
        "   switch --name web-01\n"
        "   logger 'web-01 is back'\n"
        "   ```\n"
    ) in steps, steps
    assert "   action (run 1, sent to web-07):\n" in steps
    assert "switch --force --name web-07" in steps
    systems = section(text, "Systems affected")
    # every host's outcome, the hosts alike on one row (a system of more than 10 hosts)
    assert "| web-01, web-02, web-04–web-12 (11 hosts) | ✔ succeeded |" in systems, systems
    assert "| web-03 | ✘ failed |" in systems, systems
    [step] = [s for s in json.loads(EXPORT_FORMATS["json"].render(events, False))["document"]["steps"]
              if s["id"] == "restore"]  # fmt: skip
    sent = {c["hosts"][0]: c["command"] for c in step["commands"]}
    assert len(step["commands"]) == 12
    assert sent["web-12"].endswith("switch --name web-12\nlogger 'web-12 is back'")


def markdown_of(evs: list[Event]) -> str:
    return EXPORT_FORMATS["markdown"].render(list(evs), False)


def test_failures_show_stderr_the_halt_and_what_was_done():
    text = section(markdown("failed-halted"), "Failures")
    assert "**Run halted**" in text and "2 of 3 hosts failed, more than" in text
    assert "### web-1–web-3 (3 hosts) · Restore previous version" in text  # alike: one entry
    assert "- **Result:** failed at the action: non-zero exit, exit status 3 (attempt 1)" in text
    assert "nothing more: the incident was closed (failed)" in text
    stderr = text.split("stderr (the same on each):**", 1)[1]
    assert "  no release to roll back to from 2.4.1\n  ```" in stderr
    assert "No host failed" in section(markdown("version-rollback"), "Failures")


def test_stderr_is_cut_to_its_last_ten_lines_and_made_visible(tmp_path):
    from tests.events_factory import recorder_in

    r = recorder_in(tmp_path)
    r.record(Kind.INCIDENT_OPENED, incident_id="i", title="t", drill=False)
    r.record(Kind.SYSTEMS_SELECTED, systems=["web"], hosts={"web-1": "web"})
    where = {"system": "web", "host": "web-1", "step": "restore"}
    r.record(Kind.STEP_STARTED, title="Restore", phase="execution", hosts=["web-1"], step="restore")
    r.record(Kind.COMMAND_INTENT, command="x", stage="action", attempt=1, **where)
    lines = [f"line {n}" for n in range(1, 15)] + ["bell \x07 and ``` fence"]
    r.record(Kind.COMMAND_OUTPUT, stream="stderr", lines=lines, **where)
    r.record(Kind.COMMAND_RESULT, stage="action", exit_status=2, failure="non-zero exit",
             detail="exit status 2", **where)  # fmt: skip
    r.close()
    text = section(markdown_of(read_journal(tmp_path / JOURNAL_NAME).events), "Failures")
    assert "Last 10 line(s) of stderr" in text
    assert "line 5\n" not in text and "line 6\n" in text and "line 14\n" in text
    assert "bell \\x07 and ``` fence" in text and "````text" in text  # a longer fence


def test_notifications_are_shown_as_sent():
    text = section(markdown("version-rollback"), "Notifications")
    rows = table_rows(text)
    assert len(rows) == 1
    assert "| command | info | \\[info\\] " in rows[0] and "| delivered (command ok) |" in rows[0]
    assert "No notification was sent." in section(markdown("failed-halted"), "Notifications")


def test_the_key_events_view_condenses_hosts_to_a_row_per_step_and_wave():
    evs = list(events("version-rollback"))
    doc = build_document(evs)
    rows = doc.timeline.rows
    per_host = {e.seq for e in evs if e.kind in (Kind.COMMAND_INTENT, Kind.COMMAND_RESULT)}
    assert not any(r.seq in per_host and not r.condensed for r in rows)
    waves = {}
    for e in evs:
        if e.kind == Kind.WAVE_STARTED:
            waves[e.where.step] = waves.get(e.where.step, 0) + 1
    condensed = {}
    for r in rows:
        if r.condensed:
            condensed[r.where] = condensed.get(r.where, 0) + 1
    assert condensed and all(n <= waves[step] for step, n in condensed.items())
    decisions = {Kind.TRIGGER_DECLARED, Kind.SYSTEMS_SELECTED, Kind.STRATEGY_CHOSEN}
    decisions |= {Kind.STEP_CONFIRMED, Kind.INCIDENT_CLOSED}
    shown = {e.kind for e in evs if e.seq in {r.seq for r in rows}}
    assert decisions <= shown
    steps = {e.where.step for e in evs if e.kind == Kind.STEP_STARTED}
    for step in steps:  # started, one row per wave (the last merged into finished), decisions
        mine = [r for r in rows if r.where == step]
        assert len(mine) <= 2 + waves.get(step, 0) + 1, step
    assert len(rows) < len([e for e in evs if e.kind not in (Kind.COMMAND_OUTPUT,)]) / 3
    text = section(markdown("version-rollback"), "Timeline")
    assert "“Restore previous version”: done — 3 hosts sent → 3 succeeded in" in text


def test_starred_only_shows_only_starred_events(tmp_path):
    from tests.test_exports import write_fixed_journal

    evs = read_journal(write_fixed_journal(tmp_path / "incident")).events
    text = EXPORT_FORMATS["markdown"].render(evs, True)
    rows = table_rows(section(text, "Timeline"))
    assert len(rows) == 1 and "★" in rows[0] and "pipes" in rows[0]
    assert "Only the starred events: 1 of" in text
    assert "## Appendix" not in text
    default = EXPORT_FORMATS["markdown"].render(evs, False)
    assert len(table_rows(section(default, "Timeline"))) > 3


def test_the_review_sections_carry_the_form():
    text = markdown("amended")
    assert "Config r43 shrank the checkout pool" in section(text, "Root cause")
    assert "Restore the pool size in r44" in section(text, "Remediation plan")
    assert "canary first" in section(text, "Procedure updates")
    assert "2026-12-03 10:00 UTC · owner: carol" in section(text, "Retry schedule")
    items = section(text, "Action items")
    assert "| Action | Type | Owner | Priority | Due | Ticket |" in items
    assert (
        "| Check the pool size against traffic in CI | prevent | alice | P1 | 2026-12-07 | OPS-812 |"
        in items
    )
    assert "| detect | bob |" in items and "| mitigate | carol |" in items
    assert "| process | **no owner** | P3 | – | – |" in items
    lessons = section(text + "\n## end", "Lessons learned")
    for part in ("### What went well", "### What went wrong", "### Where we got lucky"):
        assert part in lessons
    assert "It happened during low traffic." in lessons
    empty = markdown("version-rollback")
    assert "_Not documented yet._" in section(empty, "Root cause")
    assert "_Not scheduled yet._" in section(empty, "Retry schedule")


def test_the_change_history_lists_creation_close_and_each_amendment():
    text = markdown("amended")
    history = table_rows(section(text, "Change history"))
    assert "opened the incident" in history[0]
    assert "closed the incident: " in history[1]
    assert "reopened the closed incident to amend it" in history[2]
    amendments = history[3:]
    assert len(amendments) == 14
    assert all("| alice@10.0.0.9 | set " in row for row in amendments)
    assert any("set root cause to “Config r43" in row for row in amendments)
    assert "| Status | final (amended after the close) |" in text
    assert "| Closed | 20" in text  # still closed: the amendments did not reopen it


def test_a_drill_is_labelled_and_judged():
    text = markdown("drill")
    assert text.count("**DRILL**") == 1
    assert re.search(
        r"\| Drill or real \| drill: passed \(db: within target; integrity: 4 record", text
    )
    assert "Drill verdict: passed" in section(text, "Summary")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("[a](https://x.example)", r"\[a\](https\://x.example)"),
        ("<b>x</b> &amp; R&D", r"\<b>x\</b> \&amp; R&D"),
        ("**b** _i_ ~s~ `c` flag.new_checkout", r"\*\*b\*\* \_i\_ \~s\~ \`c\` flag.new_checkout"),
        ("www.x.example", r"www\.x.example"),
        ("# h\n> q\n- l\n3. n\n===", "\\# h\\\n\\> q\\\n\\- l\\\n3\\. n\\\n\\==="),
        ("a\n\n    b\n\tc \n", "a\n\n\u00a0\u00a0\u00a0\u00a0b\\\n\u00a0\u00a0\u00a0\u00a0c "),
    ],
)
def test_inert_text_renders_as_itself(text, shown):
    from console.journal.export.inert import inert

    assert inert(text) == shown


def test_a_code_span_holds_any_backticks():
    from console.journal.export.inert import code

    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"


def test_the_node_nests_headings_but_not_lines_in_a_fence():
    from console.journal.export.node import _demote

    text = "# Title\n\n## Part\n\n   ```sh\n   # a comment in a command\n   ```\n\n## Next"
    assert _demote(text).splitlines() == [
        "### Title", "", "#### Part", "", "   ```sh", "   # a comment in a command", "   ```",
        "", "#### Next",
    ]  # fmt: skip


def test_the_summary_counts_the_hosts_the_strategy_ran_on_not_those_chosen(tmp_path):
    from console.model.triggers import TriggerKind
    from tests.test_ui_support import _run_on_hosts, build_engine, demo_settings

    conductor = build_engine(demo_settings(), tmp_path).new_incident("checkout", incident_id="i")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout fails")
    conductor.select(["web"])
    conductor.choose_strategy("version-rollback", {})
    summary = section(markdown_of(conductor.recorder.events), "Summary")
    assert "The version-rollback strategy was chosen for 3 hosts; it ran on none." in summary
    _run_on_hosts(conductor, "restore", {"web-1": ("verify", 0, "healthy on 2.4.0")})
    summary = section(markdown_of(conductor.recorder.events), "Summary")
    assert "The version-rollback strategy ran on 1 of 3 hosts (1 succeeded)" in summary


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(42.4, "42 s"), (185, "3 min 05 s"), (26472, "7 h 21 min 12 s"), (90061, "25 h 01 min 01 s")],
)
def test_durations_read_in_hours_minutes_and_seconds(seconds, shown):
    from console.journal.times import duration

    assert duration(seconds) == shown


def test_an_amended_field_says_what_it_held_before(tmp_path):
    """Walked on a real sshd fleet: a root cause rewritten after the close read in the
    change history 'set root cause to “pool size 8 in CI”' alone, and the document showed
    only the new text: what was believed at the close was nowhere in the document."""
    from tests.events_factory import recorder_in

    r = recorder_in(tmp_path)
    r.record(Kind.INCIDENT_OPENED, incident_id="i", title="t", drill=False)
    r.record(Kind.FIELD_SET, field="root_cause", value="bad config\nin 1.1")
    r.record(Kind.FIELD_SET, field="action_items", value=[{"action": "a", "type": "prevent"}])
    r.record(Kind.INCIDENT_CLOSED, outcome="rolled-back")
    r.record(Kind.INCIDENT_RESUMED, amendments_only=True)
    r.record(Kind.FIELD_SET, field="root_cause", value="pool size 8", amendment=True)
    r.record(Kind.FIELD_SET, field="severity", value="SEV2", amendment=True)
    r.record(Kind.FIELD_SET, field="action_items", value=[], amendment=True)
    r.close()
    text = section(markdown_of(read_journal(tmp_path / JOURNAL_NAME).events), "Change history")
    assert "set root cause to “pool size 8” (was “bad config in 1.1”) |" in text, text
    assert "set severity to “SEV2” |" in text  # nothing before
    assert "set the action items (0 row(s)) (was 1 row(s)) |" in text
