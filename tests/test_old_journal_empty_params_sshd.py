"""A journal written before 741534ae exports its empty parameters as it did. That commit
said the empty ones of a `chose the strategy:` line together at its end ('...,
check_wait=30; empty: running)'), where every journal before it exported each in place
('..., check_wait=30, running=(empty))'): a document exported again from an older
journal no longer read as the copy handed over then (76 of 405 journals differed, that
line alone). Journals written since keep the new words."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.console_process import console
from tests.init_custom import init_with
from tests.test_example_on_sshd import fleet, soak_briefly  # noqa: F401

pytestmark = pytest.mark.sshd

BEFORE = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # a day before 741534ae landed


def written_on(journal: Path, copy: Path, day: datetime) -> Path:
    """`journal`'s incident as a console would have written it on `day`: its directory
    copied, every event's time moved back by the same amount (its only date)."""
    shutil.copytree(journal.parent, copy)
    lines = (copy / journal.name).read_text().splitlines()
    events = [json.loads(line) for line in lines]
    first = datetime.fromisoformat(events[0]["ts"])
    for event in events:
        ts = datetime.fromisoformat(event["ts"]) - (first - day)
        event["ts"] = ts.isoformat().replace("+00:00", "Z")
    text = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in events)
    (copy / journal.name).write_text(text)
    return copy / journal.name


def run_once(sshd_fleet, hook_server, tmp_path: Path) -> tuple[Path, dict]:
    """`run --yes` of init's version-rollback on web: its journal, and the environment."""
    config, env = init_with(sshd_fleet, hook_server, tmp_path, "")
    soak_briefly(config)
    run = ["run", "--config", str(config), "--systems", "web", "--strategy", "version-rollback"]
    done = console(*run, "--trigger", "user-impact", "--reason", "x", "--yes", "--quiet", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    [journal] = (tmp_path / "state").glob("incidents/*/journal.jsonl")
    return journal, env


def chose(document: str) -> list[str]:
    return [ln for ln in document.splitlines() if "chose the strategy: version-rollback" in ln]


def resolved(document: str) -> list[str]:
    return [ln for ln in document.splitlines() if "resolved target=previous" in ln]


def test_an_older_journal_says_what_it_said_then(fleet, hooks, tmp_path):  # noqa: F811
    """One run's journal, exported as written and as if written before those commits
    (one run for both). Its empty parameters, as the module says. And
    4572f1ff put the hosts' own words on the line of `target=previous` resolved, and
    exported every journal so: one written before it by a headless run, whose note beside
    the line says them (`noted: Resolved: target=previous is 1.0 (web-1, web-2: release 1.1
    to 1.0)`), read them twice, where its document had said them once. One rule now
    (console/journal/worded.py): worded by the event's time, as the empty parameters."""
    journal, env = run_once(fleet, hooks, tmp_path)

    document = console("export", str(journal), env=env).stdout
    now = chose(document)
    assert now and all("check_wait=30; empty: running)" in ln for ln in now), now
    now_resolved = resolved(document)
    assert now_resolved
    assert all(ln.endswith(" (2 hosts): release 1.1 to 1.0 | restore |") for ln in now_resolved)

    old = written_on(journal, tmp_path / "old", BEFORE)
    exported = console("export", str(old), env=env)
    assert exported.returncode == 0, exported.stderr
    then = chose(exported.stdout)
    assert len(then) == len(now), then
    assert all("check_wait=30, running=(empty))" in ln for ln in then), then
    assert "empty: running" not in exported.stdout
    then_resolved = resolved(exported.stdout)
    assert len(then_resolved) == len(now_resolved), then_resolved
    assert all(ln.endswith(" (2 hosts) | restore |") for ln in then_resolved), then_resolved
