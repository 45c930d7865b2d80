"""`run --param target=2.9.0` (a release named) on N real sshd hosts, two or more trees
alternated: each run's wall, the sessions sshd started, the commands its journal shows,
and the seconds from `run`'s start to the incident's opening (the hosts asked first) and
from the step before the restore to the restore's start (where the step asks again, if
it does). The procedure: halt (`touch lock`), restore; no probes, so that every session
is the asking or a step's command. Each host has its own releases directory in the
`rbtest` account's home (removed at the end), put back on 2.10.0 before each run.

    FLEET_PORTS=25100-25499 python bench/named_target.py --hosts 200 --rounds 3 \\
        --console-src /path/main /path/branch
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import tomli_w

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fleet import start_fleet
from console.journal.store import read_journal
from console.model.events import Kind
from tests import sshd

PROCEDURE = {
    "name": "Rollback",
    "phases": [
        {"phase": "immediate", "steps": [{"id": "bridge", "title": "Bridge", "kind": "manual"}]},
        {
            "phase": "execution",
            "steps": [
                {"id": "halt", "title": "Halt", "kind": "command", "command": "touch lock"},
                {"id": "restore", "title": "Restore", "kind": "strategy"},
            ],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Doc", "kind": "form", "fields": ["reason"]}],
        },
    ],
}


def sessions(workdir: Path) -> int:
    return sum(p.read_text().count("Starting session") for p in workdir.glob("sshd-*/sshd.log"))


def one_run(src: str, config: Path, journal: Path, workdir: Path) -> dict[str, float]:
    before = sessions(workdir)
    env = {**os.environ, "PYTHONPATH": src, "ROLLBACK_CONSOLE_STATE": str(workdir / "state")}
    argv = [sys.executable, "-m", "console", "run", "--config", str(config), "--systems", "app"]
    argv += ["--strategy", "version-rollback", "--param", "target=2.9.0", "--trigger"]
    argv += ["user-impact", "--reason", "bench", "--yes", "--quiet", "--journal", str(journal)]
    start = time.monotonic()
    started = datetime.now().astimezone()
    done = subprocess.run(argv, env=env, cwd=src, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    if done.returncode != 0:
        raise SystemExit(f"{src}: exit {done.returncode}: {done.stdout[-400:]}{done.stderr[-400:]}")
    events = read_journal(journal / "journal.jsonl").events
    opened = events[0].ts
    halted = max(e.ts for e in events if e.where.step == "halt")
    restore = min(e.ts for e in events if e.where.step == "restore" and e.kind == Kind.STEP_STARTED)
    return {
        "wall": wall,
        "sessions": sessions(workdir) - before,
        "intents": sum(e.kind == Kind.COMMAND_INTENT for e in events),
        "to_open": (opened - started).total_seconds(),
        "to_restore": (restore - halted).total_seconds(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--console-src", nargs="+", required=True)
    args = parser.parse_args()
    account = sshd.ensure_test_account()
    workdir = Path(tempfile.mkdtemp(prefix="bench-named-"))
    fleet = start_fleet(workdir / "fleet", args.hosts)
    homes: list[Path] = []
    try:
        hosts = []
        for name, address, port in fleet.hosts(args.hosts):
            home = sshd.account_dir(account, f"bench-named-{name}")
            homes.append(home)
            hosts.append({"name": name, "address": address, "port": port, "workdir": str(home)})
        inventory = {
            "ssh": {
                "user": fleet.user,
                "identity_files": [str(fleet.client_key)],
                "known_hosts": str(fleet.known_hosts),
                "use_ssh_config": False,
            },
            "systems": [{"name": "app", "strategies": ["version-rollback"], "hosts": hosts}],
        }
        strategies = {"strategies": [{"name": "version-rollback", "kind": "version-rollback"}]}
        config = workdir / "config"
        config.mkdir()
        for name, data in (
            ("inventory.toml", inventory),
            ("strategies.toml", strategies),
            ("procedure.toml", PROCEDURE),
        ):
            (config / name).write_text(tomli_w.dumps(data))
        results: dict[str, list[dict[str, float]]] = {s: [] for s in args.console_src}
        for round_ in range(args.rounds):
            for src in args.console_src:
                reset(homes, account)
                journal = workdir / f"j-{round_}-{args.console_src.index(src)}"
                results[src].append(one_run(src, config, journal, workdir / "fleet"))
                print(src, round_, results[src][-1], flush=True)
        print(f"load average before the end: {os.getloadavg()}")
        for src, runs in results.items():
            median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(src, {k: round(v, 2) for k, v in median.items()})
    finally:
        fleet.stop()
        for home in homes:
            shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


def reset(homes: list[Path], account: sshd.Account) -> None:
    """Every host on 2.10.0, 2.9.0 beside it, nothing of an earlier run left."""
    for home in homes:
        shutil.rmtree(home / ".rollback", ignore_errors=True)
        for name in ("current", "lock"):
            (home / name).unlink(missing_ok=True)
        for version in ("2.9.0", "2.10.0"):
            (home / "releases" / version).mkdir(parents=True, exist_ok=True)
        (home / "current").symlink_to("releases/2.10.0")
        subprocess.run(["chown", "-R", f"{account.uid}:{account.gid}", str(home)], check=True)


if __name__ == "__main__":
    main()
