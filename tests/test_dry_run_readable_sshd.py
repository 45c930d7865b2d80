"""A dry run shows each command as it will run on its host, readable, before anything is
sent. Walked as a new user (helper-171): `exec --dry-run --systems app 'uptime'` printed
the remote supervisor's script twice over (47 lines of traps, `ps | awk` and `eval`, its
two variants) before the two lines a user reads it for. Now the supervisor is said in
words, and each command shown is the one then journalled and sent (real sshd)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_fleet import Fleet, write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    return write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])


def test_exec_dry_run_shows_the_command_as_sent_not_the_supervisor(fleet: Fleet) -> None:
    dry = fleet.cli("exec", "--dry-run", "--systems", "app", "uptime")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    head = lines[: lines.index(next(ln for ln in lines if ln.startswith("## Where")))]
    assert len(head) <= 6, dry.stdout
    assert "/bin/sh" in " ".join(head) and "EDITOR=false" in " ".join(head)
    for wrapper in ("trap", "rollback-attempt", "kill -TERM", "eval", "wait $c"):
        assert wrapper not in dry.stdout, dry.stdout
    shown = {}
    for block in dry.stdout.split("\n### ")[1:]:
        title, _, body = block.partition("\n")
        for host in title.removesuffix(" run").split(", "):
            shown[host] = body.strip("\n")
    assert set(shown) == {"app-1", "app-2"}, dry.stdout

    sent = fleet.cli("exec", "--systems", "app", "--json", "uptime")
    assert sent.returncode == 0, sent.stderr
    journal = Path(json.loads(sent.stdout)["journal"])
    intents = [json.loads(line) for line in journal.read_text().splitlines()]
    journalled = {
        e["where"]["host"]: e["data"]["command"] for e in intents if e["kind"] == "command.intent"
    }
    assert journalled == shown  # what the dry run showed is what went
