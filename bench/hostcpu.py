"""The hosts' CPU for a step of `true` on N real sshd hosts: bare, and as the console sends
it (wrapped by its remote supervisor), with the supervisor's pieces alone in between.

One process starts a fleet of N real sshd hosts on loopback (bench/fleet.py), puts its
sshd processes in a cgroup of their own (cgroup v1 `cpuacct`, or v2's `cpu.stat`: every
session, shell and fork they start is counted, to the nanosecond, and nothing else on the
machine), opens one connection a host, then alternates steps of each command on every
host and reports the fleet's CPU for a step, the processes forked on the machine during
it (/proc/stat), its wall time and this client's CPU. Needs root (the cgroup).

    PYTHONPATH=SNAP python bench/hostcpu.py [--hosts 200] [--rounds 6] [--command /bin/true]

`--command` is what each of them runs: `true` (the default, what fanout.py's tools run) is
a builtin of the hosts' /bin/sh, which the floor's login shell runs without a fork; an
external command such as `/bin/true` is forked by both (the supervisor's subshell execs it).

  bare        `true`, as the floor sends it
  exec-sh     `exec /bin/sh -c true`: the supervisor's sh, started by the login shell
  one-fork    the same sh running `true` in a background subshell it waits for
  two-fork    and a watcher subshell beside it, killed at the command's end
  exec-supervised  the supervisor's script exec'd by /bin/sh whatever the login shell (as
              sent before the login shell /bin/sh read it itself)
  supervised  what the console sends: console.engine.supervisor.supervised('true', token)
  watcher-only  the supervisor's watcher without its subshell: the command run by the
              login shell itself (`_watcher_only`: a fork fewer for a builtin only)
  supervised-base  the same from another tree's supervisor (--base-src DIR: its
              console/engine/supervisor.py alone), alternated with this one's: paired
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import asyncssh

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import fleet as fleetlib  # noqa: E402
from cgroup_cpu import Cgroup, forks  # noqa: E402
from wrapper_cost import base_supervisor  # noqa: E402

from console.engine import supervisor as sv  # noqa: E402
from console.engine.supervisor import attempt_token, supervised  # noqa: E402


def _sh(script: str) -> str:
    return f"exec /bin/sh -c {shlex.quote(script)}"


COMMANDS: dict[str, Callable[[str], str]] = {
    "bare": lambda c: c,
    "exec-sh": lambda c: _sh(c),
    "one-fork": lambda c: _sh(f"(\n{c}\n) &\nwait $!\n"),
    "two-fork": lambda c: _sh(
        f"(\n{c}\n) &\nc=$!\n{{ read -r l; }} </dev/null &\nw=$!\nwait $c\n"
        "kill -KILL $w 2>/dev/null\nwait $w 2>/dev/null\nexit 0\n"
    ),
    "exec-supervised": lambda c: (
        "exec /bin/sh -c " + supervised(c, attempt_token()).partition("\nexec /bin/sh -c ")[2]
    ),
    "supervised": lambda c: supervised(c, attempt_token()),
    "watcher-only": lambda c: _watcher_only(c),
}


def _watcher_only(command: str) -> str:
    """A fork fewer that is not one (bench/HISTORY.md, "A 5-step run: a guardian costs
    more than the watchers it saves"), for a /bin/sh login shell only: the supervisor's
    script with its watcher but no subshell, the command run by the login shell itself.
    The watcher tells the command's end (sshd reaps the shell before it closes the
    channel's stdin: `kill -0 $$` fails) from a lost session (the shell still there: the
    group TERMed, then KILLed). A fork fewer for a builtin (`true`) only: dash forks an
    external command that eval runs, as the supervisor's subshell execs it."""
    body = (
        f"{sv._STOP}exec 3<&0 </dev/null\n"
        f'{{ while read -r l; do [ "$l" = {sv.DETACH} ] && {{ {sv._DRAIN} exec {sv.DETACHED_WATCHER}; }};'
        " done; kill -0 $$ 2>/dev/null || exit 0; trap '' TERM; kill -TERM 0;"
        f" sleep {sv.LOST_GRACE_SECONDS}; kill -KILL 0; }} <&3 3<&- >/dev/null 2>&1 &\n"
        f"w=$!\nexec 3<&-\n{sv._NO_EDITOR}{command}\nexit\n"
    )
    return f'test "$SHELL" = /bin/sh && eval {sv._quoted(body)}\nexit 1'


async def _one(conn: asyncssh.SSHClientConnection, command: str) -> None:
    # stdin stays open, as the console leaves it (the supervisor's watcher reads it).
    channel, _ = await conn.create_session(asyncssh.SSHClientSession, command)
    await channel.wait_closed()
    if channel.get_exit_status() != 0:
        raise RuntimeError(f"{command!r}: exit {channel.get_exit_status()}")


async def measure(
    fleet: fleetlib.Fleet, cgroup: Cgroup, hosts: int, rounds: int, names: list[str], command: str
) -> dict[str, list[tuple[float, int, float, float]]]:
    options = asyncssh.SSHClientConnectionOptions(
        username=fleet.user,
        client_keys=asyncssh.load_keypairs(str(fleet.client_key)),
        known_hosts=asyncssh.read_known_hosts(str(fleet.known_hosts)),
        config=None,
        agent_path=None,
        gss_auth=False,
        gss_kex=False,
    )
    conns: list[asyncssh.SSHClientConnection] = []
    for start in range(0, hosts, 50):
        batch = fleet.hosts(hosts)[start : start + 50]
        conns += await asyncio.gather(
            *(asyncssh.connect(a, port=p, options=options) for _, a, p in batch)
        )
    samples: dict[str, list[tuple[float, int, float, float]]] = {n: [] for n in names}
    try:
        for number in range(rounds + 1):  # round 0 warms up
            for name in names if number % 2 else names[::-1]:
                commands = [COMMANDS[name](command) for _ in conns]
                await asyncio.sleep(0.3)  # the previous step's sessions end
                host, forked = cgroup.seconds(), forks()
                wall, cpu = time.monotonic(), time.process_time()
                await asyncio.gather(*(_one(c, x) for c, x in zip(conns, commands, strict=True)))
                wall, cpu = time.monotonic() - wall, time.process_time() - cpu
                await asyncio.sleep(0.3)
                if number:
                    sample = (cgroup.seconds() - host, forks() - forked, wall, cpu)
                    samples[name].append(sample)
    finally:
        for conn in conns:
            conn.close()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--base-src", type=Path, metavar="DIR", help="supervised-base's tree")
    known = [*COMMANDS, "supervised-base"]
    parser.add_argument("--commands", nargs="+", choices=known, default=list(COMMANDS))
    parser.add_argument(
        "--command", default="true", help="what each runs: `true` (a builtin), or `/bin/true`"
    )
    args = parser.parse_args()
    if args.base_src is not None:
        base = base_supervisor(args.base_src)
        COMMANDS["supervised-base"] = lambda c: base.supervised(c, base.attempt_token())
    elif "supervised-base" in args.commands:
        parser.error("supervised-base needs --base-src DIR")
    work = Path(tempfile.mkdtemp(prefix="rc-hostcpu-"))
    cgroup = Cgroup(work.name)
    try:  # a fleet that fails to start leaves no cgroup and no work dir behind either
        fleet = fleetlib.start_fleet(work / "fleet", args.hosts)
        try:
            for server in fleet.servers:
                cgroup.add(server.process.pid)
            samples = asyncio.run(
                measure(fleet, cgroup, args.hosts, args.rounds, args.commands, args.command)
            )
        finally:
            fleet.stop()
    finally:
        cgroup.remove()
        shutil.rmtree(work, ignore_errors=True)
    median = statistics.median
    load = os.getloadavg()[0]
    print(f"{args.hosts} hosts, {args.rounds} rounds of {args.command!r}, load {load:.1f}")
    for name, values in samples.items():
        host = [v[0] * 1000 for v in values]
        print(
            f"  {name:15s} hosts' CPU {median(host):5.0f} ms a step"
            f" ({', '.join(f'{h:.0f}' for h in host)}), forks {median(v[1] for v in values):4.0f},"
            f" wall {median(v[2] for v in values) * 1000:5.0f} ms,"
            f" client CPU {median(v[3] for v in values) * 1000:4.0f} ms"
        )
    if "supervised" in samples and "supervised-base" in samples:
        pairs = zip(samples["supervised"], samples["supervised-base"], strict=True)
        diffs = sorted((a[0] - b[0]) * 1000 for a, b in pairs)
        print(
            f"  supervised - supervised-base, paired by round: median {median(diffs):+.0f} ms"
            f" ({', '.join(f'{d:+.0f}' for d in diffs)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
