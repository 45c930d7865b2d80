"""Record the journals behind the golden rollback documents, by running the demo headless.

Each case is a real `rollback-console run` (or `drill`) on the embedded demo fleet; its
journal and output files are copied into tests/golden/journals/CASE/. The golden exports
are then written from them by the tests (UPDATE_GOLDEN=1 pytest tests/test_exports.py).
The journals are committed: recording them again gives new times and ids, so only do it
when the event format or the demo changed on purpose.

Run with: python scripts/golden_journals.py [CASE ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from console.journal.files import JOURNAL_NAME, OUTPUT_NAME
from console.journal.recorder import Recorder
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Actor, Kind
from console.model.review import FormField

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "journals"
DEMO = ["--demo", "--yes", "--quiet"]
CASES: dict[str, list[str]] = {
    # An automatic trigger taken up headless, a version rolled back on three hosts.
    "version-rollback": [
        "run", *DEMO, "--systems", "web", "--strategy", "version-rollback", "--trigger", "auto",
        "--title", "Checkout errors after web 2.4.1",
    ],
    # A data strategy: the orders table replayed from the transaction log, with integrity
    # records before and after on each database host.
    "log-replay": [
        "run", *DEMO, "--systems", "db", "--strategy", "log-replay",
        "--trigger", "data-corruption", "--reason", "orders totals zeroed by a bad job",
        "--title", "Orders table damaged",
    ],
    # The restore fails on every host (no such release), the run halts past 34%.
    "failed-halted": [
        "run", *DEMO, "--systems", "web", "--strategy", "version-rollback",
        "--param", "target=2.2.0", "--trigger", "user-impact",
        "--reason", "checkout errors reported by support", "--title", "Roll web back to 2.2.0",
    ],
    # A drill: a base backup restored on the database hosts, judged on RTO and integrity.
    "drill": [
        "drill", *DEMO, "--systems", "db", "--strategy", "backup-restore",
        "--trigger", "stakeholder-decision", "--reason", "monthly rollback drill",
        "--title", "Monthly drill: restore db from the base backup",
    ],
    # A full demo incident: the automatic trigger taken up, the rollback, closed headless;
    # then the review filled in the next day, every field an amendment.
    "amended": [
        "run", *DEMO, "--systems", "web", "--strategy", "version-rollback", "--trigger", "auto",
        "--title", "Checkout errors after web 2.4.1 (reviewed)",
    ],
}  # fmt: skip

REVIEWER = Actor(user="alice", client="10.0.0.9")
REVIEW: dict[FormField, object] = {
    FormField.SEVERITY: "SEV2",
    FormField.IMPACT_USERS: "about 1 in 3 checkouts failed (web storefront, all regions)",
    FormField.BUSINESS_IMPACT: "an estimated 420 orders lost or retried; no data loss",
    FormField.ROOT_CAUSE: "Config r43 shrank the checkout pool to 2 connections while 2.4.1"
    " sent every checkout through the new path.",
    FormField.REMEDIATION: "Restore the pool size in r44; ship 2.4.2 behind the new_checkout"
    " flag at 5%.",
    FormField.ACTION_ITEMS: [
        "Check the pool size against traffic in CI | prevent | alice | P1 | 2026-12-07 | OPS-812",
        "Alert on checkout error rate above 5% for 1 minute | detect | bob | P2 | 2026-12-14 | OPS-813",
        "Canary new checkout paths behind a flag at 5% | mitigate | carol | P2 | 2026-12-14 |",
        "Add the config revision to the release notes | process | | P3 | |",
    ],
    FormField.PROCEDURE_UPDATES: "Assess the config revision before every release; canary first.",
    FormField.WENT_WELL: "The error-rate trigger fired within seconds; the rollback took 2 s.",
    FormField.WENT_WRONG: "The pool change was not reviewed with the release.",
    FormField.GOT_LUCKY: "It happened during low traffic.",
    FormField.RETRY_SCHEDULE: "2026-12-03 10:00",
    FormField.RETRY_OWNER: "carol",
}


def amend(directory: Path) -> None:
    """The review after the close, as the console records it: the closed incident reopened
    for amendments only, then each field, marked as an amendment, a day later."""
    from console.model.review import check_field

    events = read_journal(directory / JOURNAL_NAME).events
    clock = FixedClock(events[-1].ts + timedelta(days=1), tick=timedelta(seconds=20))
    recorder = Recorder.open(directory, clock, REVIEWER)
    recorder.record(Kind.INCIDENT_RESUMED, unknown=[], amendments_only=True)
    window = {  # the impact, as the review found it: from before the alert to after the close
        FormField.IMPACT_START: f"{events[0].ts - timedelta(minutes=9):%Y-%m-%d %H:%M}",
        FormField.IMPACT_END: f"{events[-1].ts + timedelta(minutes=2):%Y-%m-%d %H:%M}",
    }
    for field, value in {**REVIEW, **window}.items():
        recorder.record(
            Kind.FIELD_SET, field=field.value, value=check_field(field, value), amendment=True
        )
    recorder.close()


def record(case: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        incident = Path(tmp) / "incident"
        env = {**os.environ, "ROLLBACK_CONSOLE_STATE": tmp}
        args = [sys.executable, "-m", "console", *CASES[case], "--journal", str(incident)]
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{case}: {' '.join(args)}\n{done.stderr}")
        if case == "amended":
            amend(incident)
        target = OUT / case
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in (JOURNAL_NAME, OUTPUT_NAME):
            if (incident / name).exists():
                shutil.copyfile(incident / name, target / name)
        print(f"tests/golden/journals/{case}: exit {done.returncode}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", metavar="CASE", help=", ".join(CASES))
    chosen = parser.parse_args().cases or list(CASES)
    for case in chosen:
        if case not in CASES:
            parser.error(f"no case {case!r}: {', '.join(CASES)}")
        record(case)


if __name__ == "__main__":
    main()
