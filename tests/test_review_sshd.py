"""The rollback document of a headless run and of a drill on a real OpenSSH fleet, read as
a reviewer who was not there: who took the automatic trigger up (no watcher proposed it
headless), the trigger's label said once, a sub-minute recovery target in seconds."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from tests.cli_fleet import Fleet
from tests.test_drills_sshd import DRILLS, staging_fleet

pytestmark = pytest.mark.sshd

LABEL = "Critical error threshold exceeded"


def _document(fleet: Fleet) -> str:
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    done = fleet.cli("export", str(journal.parent), "--format", "markdown")
    assert done.returncode == 0, done.stderr
    return done.stdout


def _said_once(document: str) -> None:
    assert f"declared the trigger: {LABEL}: app/health = " in document
    assert f"{LABEL} — {LABEL}" not in document


def test_a_drill_says_it_took_the_trigger_up_and_its_sub_minute_target_in_seconds(
    sshd_server, tmp_path: Path
):
    """Seen on a real fleet: the drill's document said "accepting the watcher's proposal"
    (no watcher, nobody accepting: the drill declared it) and "target 0.75 min"."""
    [scenario] = DRILLS["scenarios"]
    drills = {**DRILLS, "scenarios": [{**scenario, "rto_minutes": 0.5}]}
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    result = fleet.cli("drill")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "from the injected fault, target 30 s: within target ✔" in result.stdout
    document = _document(fleet)
    assert "watcher's proposal" not in document
    assert " by the drill run by root, once its probe fired (policy propose)" in document
    assert "declared by the drill, once its probe fired: " in document
    assert "(target 30 s, within target)" in document
    assert "| 30 s | within target |" in document
    assert "0.5 min" not in document
    _said_once(document)
    # Detection is timed from the drill's fault, not from the release it found deployed
    # (a drill's "Time to detect" read 20 s: release deployed → first bad sample).
    assert "| Fault injected (drill) | 20" in document
    assert "| Time to detect | " in document
    assert "| fault injected (drill) → first bad sample (impact detected) |" in document
    assert "| System | From (fault injected) | Verified stable |" in document


def test_run_trigger_auto_says_no_proposal_was_shown(sshd_server, tmp_path: Path):
    """`run --trigger auto` takes the firing up itself: the document names the command,
    not a watcher's proposal that nobody saw."""
    fleet = staging_fleet(sshd_server, tmp_path)
    for sandbox in fleet.sandboxes.values():
        (sandbox / "current").unlink()
        (sandbox / "current").symlink_to("releases/1.1")
    argv = ("--systems", "app", "--strategy", "release-rollback", "--trigger", "auto")
    result = fleet.cli("run", *argv, "--yes", "--commander", "Dana (IC)")
    assert result.returncode == 0, result.stdout + result.stderr
    document = _document(fleet)
    # root typed for the commander: one responder, named once
    assert "| Commander | Dana (IC) |\n| Other responders | root |\n" in document, document
    assert "watcher's proposal" not in document
    assert (
        "by root (commander Dana (IC)), with run --trigger auto: the automatic trigger"
        " firing as it started,"
        " no proposal shown (policy propose)" in document
    ), document
    _said_once(document)


def test_a_run_that_fails_still_communicates_its_status(sshd_server, tmp_path: Path):
    """Seen on a real fleet: `run` whose restore failed on a host stopped there, and its
    "Communicate status" was never sent ("No notification was sent"): nobody heard that
    the rollback failed. After a failure the status updates still go, saying so; the
    other steps (the stability check) do not run."""
    fleet = staging_fleet(sshd_server, tmp_path)
    log = tmp_path / "status.log"
    procedure = tomllib.loads((fleet.config / "procedure.toml").read_text())
    procedure["phases"][1]["steps"].append(
        {"id": "tell", "title": "Communicate status", "kind": "notify",
         "command": f"echo {{{{message}}}} >> {log}"}
    )  # fmt: skip
    (fleet.config / "procedure.toml").write_text(tomli_w.dumps(procedure))
    argv = ("--systems", "app", "--strategy", "release-rollback", "--trigger", "user-impact")
    result = fleet.cli("run", *argv, "--reason", "bad release", "--param", "target=9.9", "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 failed" in log.read_text(), log.read_text()
    document = _document(fleet)
    assert "No notification was sent." not in document
    assert "Not done: Verify system stability." in document, document


def _bad_release(fleet: Fleet) -> None:
    for sandbox in fleet.sandboxes.values():
        (sandbox / "current").unlink()
        (sandbox / "current").symlink_to("releases/1.1")


RUN = ("run", "--systems", "app", "--strategy", "release-rollback", "--trigger", "user-impact")


def test_a_field_no_form_step_lists_is_journalled_not_dropped(sshd_server, tmp_path: Path):
    """Seen on a real fleet with a procedure written by an older `init` (its form steps
    list reason, root cause, remediation, procedure updates, lessons, retry): `run
    --form-file` with severity, action items, what went well ... exited 0, said nothing,
    and the document read "not recorded" for each. Journalled on its own, as the console's
    form journals such a field."""
    fleet = staging_fleet(sshd_server, tmp_path)  # its form step lists the reason alone
    _bad_release(fleet)
    form = tmp_path / "form.toml"
    form.write_text(
        'severity = "SEV2"\nroot_cause = "pool 64 -> 8"\nwent_well = "40 s"\n'
        '[[action_items]]\naction = "Pool size in CI"\ntype = "prevent"\nowner = "alice"\n'
    )
    result = fleet.cli(*RUN, "--reason", "bad", "--form-file", str(form), "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "documented severity" in result.stdout, result.stdout
    document = _document(fleet)
    assert "| Severity | SEV2 |" in document
    assert "## Root cause\n\npool 64 -> 8\n" in document, document
    assert "### What went well\n\n40 s\n" in document
    assert "| Pool size in CI | prevent | alice |" in document


def test_a_root_cause_of_several_lines_reads_as_its_lines(sshd_server, tmp_path: Path):
    """Seen on a real fleet: a root cause holding a log excerpt (`run --form-file`, or
    pasted into the form) rendered as one run-on paragraph, and its indented line as a
    code block showing the document's own escapes (`ERROR \\[pool\\]`) to a reader of the
    rendered post-mortem. Each line stays a line, its indentation kept, none a block."""
    from markdown_it import MarkdownIt

    fleet = staging_fleet(sshd_server, tmp_path)
    _bad_release(fleet)
    cause = "Pool default 64 -> 8 in 1.1.\nLog:\n\n    ERROR [pool] exhausted\n# of conns: 8"
    result = fleet.cli(*RUN, "--reason", "bad", "--form", f"root_cause={cause}", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    section = _document(fleet).split("## Root cause\n\n", 1)[1].split("\n## ", 1)[0]
    html = MarkdownIt("commonmark").render(section)
    # (markdown-it strips a paragraph's leading no-break spaces; CommonMark keeps them)
    assert html.replace("\u00a0", "") == (
        "<p>Pool default 64 -&gt; 8 in 1.1.<br />\nLog:</p>\n"
        "<p>ERROR [pool] exhausted<br />\n# of conns: 8</p>\n"
    ), section
    assert "\n\u00a0\u00a0\u00a0\u00a0ERROR" in section
