"""Hosts behind a bastion whose sshd keeps OpenSSH's default MaxStartups: which read
unreachable that are not, by route.

    FLEET_PORTS=30000-30299 python bench/bastion.py --hosts 200 --rounds 2
    python bench/bastion.py --hosts 200 --routes proxy-command --caps 200 10 --tools exec run

Starts bench/fleet.py's real sshd hosts on loopback and one more sshd, the bastion, with
`--max-startups` (default 10:30:100, OpenSSH's and Debian's: past 10 unauthenticated
connections it drops new ones at random, all of them past 100; checked with `sshd -T`).
Writes what README has a user write for hosts behind it: an ssh_config naming the bastion
(`Host bastion`, its HostName, Port, User, IdentityFile, UserKnownHostsFile) and, for the
route `proxy-command`, `ProxyCommand ssh -F CONFIG -W %h:%p bastion` for the hosts; for
`jump-host`, the system's `jump_host = "bastion"` (one connection, its channels). Each
route and `max_handshakes` in `--caps` (none: the console's default) runs `exec
--systems bench true` and `run` (the noop strategy, `--yes`), headless, rotated each
round. Per run: exit status, wall, the hosts that did not succeed grouped by what the
console said (every host is up: each is a false alarm), the connections the bastion
dropped past MaxStartups (its log), and the retries the record says. A benchmark, not a
test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fleet as fleetlib
from fanout import leave, tool_path, wait_quiet
from slow_jump import said

RUN = ["--strategy", "noop", "--trigger", "stakeholder-decision", "--reason", "bench", "--yes"]
DROPPED = "past MaxStartups"


def start_bastion(fleet: fleetlib.Fleet, max_startups: str) -> fleetlib.Sshd:
    """One more sshd on the fleet's host key and client key, MaxStartups as given (the
    fleet's own 1000:30:1000 replaced: OpenSSH 9.2 keeps the last line it reads)."""
    keys_file = (fleet.keys_dir or fleet.workdir) / "authorized_keys"
    extra = f"MaxStartups {max_startups}\nLogLevel VERBOSE\n"
    server = fleetlib.start_sshd(
        fleet.workdir / "bastion",
        fleet.account,
        fleet.workdir / "host_ed25519",
        keys_file,
        1,
        extra,
    )
    fleetlib.check_effective(server, [("MaxStartups", max_startups)])
    entry = fleet.known_hosts.read_text().splitlines()[0].split(" ", 1)[1]
    with open(fleet.known_hosts, "a") as known:
        known.write(f"[{server.host}]:{server.ports[0]} {entry}\n")
    return server


def write_route(work: Path, fleet: fleetlib.Fleet, bastion: fleetlib.Sshd, count: int,
                route: str, cap: int | None) -> Path:  # fmt: skip
    """A console configuration whose hosts are reached through the bastion by `route`."""
    directory = work / f"console-{route}-{cap or 'default'}"
    fleetlib.write_console_config(
        directory, fleet, count, command_steps=0, max_handshakes=cap, max_commands=64
    )
    ssh_config = directory / "ssh_config"
    lines = [
        "Host bastion",
        f"  HostName {bastion.host}",
        f"  Port {bastion.ports[0]}",
        f"  User {fleet.user}",
        f"  IdentityFile {fleet.client_key}",
        "  IdentitiesOnly yes",
        f"  UserKnownHostsFile {fleet.known_hosts}",
        "  BatchMode yes",
    ]
    if route == "proxy-command":
        lines += ["", "Host h*", f"  ProxyCommand ssh -F {ssh_config} -W %h:%p bastion"]
    ssh_config.write_text("\n".join(lines) + "\n")
    inventory = directory / "inventory.toml"
    text = inventory.read_text().replace(
        "use_ssh_config = false", f'config_files = ["{ssh_config}"]'
    )
    if route == "jump-host":
        text = text.replace('name = "bench"\n', 'name = "bench"\njump_host = "bastion"\n', 1)
    inventory.write_text(text)
    return directory


def run_one(argv: list[str], env: dict, log: Path, bastion: fleetlib.Sshd) -> dict:
    before = bastion.log_path.read_text(errors="replace").count(DROPPED)
    with open(log, "wb") as out:
        started = time.perf_counter()
        code = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                              env=env, timeout=900).returncode  # fmt: skip
        wall = time.perf_counter() - started
    dropped = bastion.log_path.read_text(errors="replace").count(DROPPED) - before
    kinds: dict[str, int] = {}
    text = log.read_text(errors="replace")
    for line in text.splitlines():  # exec's lines, and run's hosts whose last step failed
        if re.match(r"\s*h\d{4}: (FAILED|UNKNOWN|NOT STARTED|failed|unknown|not started)", line):
            kinds[said(line.strip())] = kinds.get(said(line.strip()), 0) + 1
        elif grouped := re.match(r"\s*(\d+) hosts \(h[^)]*\): (.*)", line):  # run's, alike
            kind = said(grouped[2])
            kinds[kind] = kinds.get(kind, 0) + int(grouped[1])
    return {"code": code, "wall": wall, "kinds": kinds, "dropped": dropped}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--routes", nargs="+", default=["proxy-command", "jump-host"])
    parser.add_argument("--caps", type=int, nargs="+", default=[0], help="0: the default")
    parser.add_argument("--tools", nargs="+", default=["exec", "run"])
    parser.add_argument("--max-startups", default="10:30:100")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--console-src", type=Path, help="import the console from here")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rc-bastion-"))
    env = {
        k: v for k, v in os.environ.items() if k not in ("SSH_AUTH_SOCK", "ROLLBACK_CONSOLE_CONFIG")
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    env["ROLLBACK_CONSOLE_STATE"] = str(work / "state")
    if args.console_src:
        env["PYTHONPATH"] = str(args.console_src.resolve())
    fleet = fleetlib.start_fleet(work / "fleet", args.hosts)
    try:
        bastion = start_bastion(fleet, args.max_startups)
        try:
            measure(args, work, env, fleet, bastion)
        finally:
            bastion.stop()
    finally:
        fleet.stop()
        leave(work, args.keep)
    return 0


def measure(args: argparse.Namespace, work: Path, env: dict, fleet, bastion) -> None:
    """Each route, cap and tool once a round, the order rotated by one each round."""
    console = tool_path("rollback-console")
    runs = []
    for route in args.routes:
        for cap in args.caps:
            config = str(write_route(work, fleet, bastion, args.hosts, route, cap or None))
            for tool in args.tools:
                what = [*RUN] if tool == "run" else ["true"]
                argv = [console, tool, "--config", config, "--systems", "bench", *what]
                runs.append((f"{route} cap {cap or 'default'} {tool}", argv))
    for round_no in range(args.rounds):
        turn = round_no % len(runs)
        for label, argv in runs[turn:] + runs[:turn]:
            busy = wait_quiet(0.5, 20.0)
            fleet.wait_idle()
            log = work / f"{label.replace(' ', '-')}-{round_no}.log"
            row = run_one(argv, env, log, bastion)
            failed = sum(row["kinds"].values())
            print(
                f"round {round_no + 1} {label}: exit {row['code']}, {row['wall']:.1f} s,"
                f" {failed} of {args.hosts} hosts not done, {row['dropped']} dropped by"
                f" the bastion past MaxStartups (CPUs {busy:.0%} busy before, load"
                f" {os.getloadavg()[0]:.1f})",
                flush=True,
            )
            for kind, count in sorted(row["kinds"].items(), key=lambda kv: -kv[1]):
                print(f"    {count:4d} x {kind}")


if __name__ == "__main__":
    sys.exit(main())
