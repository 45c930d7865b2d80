"""What the list and the record say of a headless run's incident whose custody changed,
walked from init's configuration on real sshd in a team's journal_dir (2770): `run` killed
mid-restore, its commander resuming it, then a teammate (a second account) taking command.
Seen by the reviewer on main: the teammate's `list` said "root's console has ended" of a
`run` (a headless run has no console); the resume's lock line named its own incident twice,
"took over the stale lock of incident X: incident X taken back: its console (pid ...) had
exited"; and the exported document's change history had no row for the hand-over: it showed
root opening the incident and nothing of command passing to the teammate."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.describe import describe
from console.model.events import Kind
from console.model.loading import load_settings
from tests.init_custom import init_with
from tests.test_example_on_sshd import fleet  # noqa: F401 (fixtures)
from tests.test_handover import REASON, take
from tests.test_incident_custody import run_cli, shared  # noqa: F401 (a fixture)
from tests.test_remote_lifetime import attempts_ended
from tests.test_team_dirs import as_account, team  # noqa: F401 (a fixture)
from tests.test_teammates_told import as_teammate

pytestmark = [
    pytest.mark.sshd,
    pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root"),
]


def killed_mid_restore(config: Path, env: dict[str, str], journals: Path) -> Path:
    """`run --yes` of init's version-rollback, its restart a long one, killed (SIGKILL) while
    web-1's restore runs; its journal."""
    argv = [sys.executable, "-m", "console", "run", "--config", str(config), "--systems", "web"]
    argv += ["--strategy", "version-rollback", "--trigger", "user-impact", "--reason", "x"]
    argv += ["--param", "restart=sleep 30", "--yes"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    shown = []
    try:
        assert process.stdout is not None
        for line in process.stdout:  # bounded: the run ends by itself within its timeouts
            shown.append(line)
            if "rolled back: 1.1 -> 1.0" in line:
                process.send_signal(signal.SIGKILL)
                break
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "".join(shown)
    [journal] = journals.glob("*/journal.jsonl")
    return journal


async def test_a_killed_runs_custody_is_said_as_it_happened(fleet, hooks, shared, tmp_path):  # noqa: F811
    journals, locks, account = shared
    mine, env = init_with(fleet, hooks, tmp_path, "")
    config = journals.parent / "config"  # the team's, where every account reads it
    shutil.copytree(mine, config)
    inventory = (config / "inventory.toml").read_text()
    for name in ("known_hosts", "client_ed25519"):  # readable by the teammate too
        shutil.copy(tmp_path / name, config / name)
        inventory = inventory.replace(str(tmp_path / name), str(config / name))
    (config / "inventory.toml").write_text(inventory)
    console_toml = config / "console.toml"
    team_dirs = f'journal_dir = "{journals}"\nlock_dir = "{locks}"\n'
    console_toml.write_text(team_dirs + console_toml.read_text())
    for path in (config, *config.iterdir()):  # the team's configuration, every account's
        path.chmod(0o755 if path.is_dir() else 0o644)
    os.chown(config / "client_ed25519", account.uid, account.gid)
    (config / "client_ed25519").chmod(0o600)
    journal = killed_mid_restore(config, env, journals)
    incident = journal.parent.name
    attempts_ended(fleet[0].user, journal)

    # (a) The teammate's list: what ended is the run, which has no console.
    listed = as_teammate(account, "list", "--config", str(config))
    assert "root's console" not in listed, listed
    assert "  root's rollback-console run has ended: this account may take command" in listed

    # (b) Its commander resumes it: its own lock, taken back, said once.
    engine = Engine(load_settings(config), journals, lock_dir=locks)
    conductor = engine.resume(journal)
    try:
        [taken] = [e for e in conductor.recorder.events if e.kind == Kind.LOCK_TAKEN_OVER]
        said = describe(taken)
        assert said.startswith("took back this incident's stale lock on web: root's pid "), said
        assert said.endswith(", which held it, had ended"), said
        assert said.count(incident) == 0 and "console" not in said, said
    finally:
        await engine.close()
        conductor.recorder.close()

    # (c) The teammate takes command; the document says who held it when.
    as_account(account, lambda: take(journals, locks, incident))
    document = run_cli("export", incident, "--config", str(config))
    history = document[document.index("## Change history") : document.index("## Appendix")]
    rows = [row.split(" | ", 1)[1] for row in history.splitlines() if row.startswith("| 2")]
    assert rows == [
        "root | opened the incident |",
        "root | resumed the incident; 1 host(s) unknown |",
        f"{account.name} | handed command over to {account.name} (from root): {REASON} |",
    ], history
    node = run_cli("export", incident, "--format", "node", "--config", str(config))
    assert f"Handed command over to {account.name} (from root): {REASON} ({account.name})" in node
