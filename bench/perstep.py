"""A step's client CPU, in one process: the console's Runner against the floor's gather.

One process starts a fleet of N real sshd hosts on loopback (bench/fleet.py), opens the
floor's N connections (options built once, as bench/peers/asyncssh_gather.py does) and
builds the console's SshPool, Runner and Recorder (a real journal, fsync'd intents) from
the configuration `write_console_config` writes. Then, after a warm-up step each, it
alternates a step of `true` on every host through `Runner.run` and a gather of
`conn.run('true')`, and reports each one's CPU (`time.process_time`) and wall. Start-up,
imports and handshakes are outside the timed steps, and both share the process and the
moment, so the ratio moves less with the machine's load than whole runs do.

    PYTHONPATH=SNAP python bench/perstep.py [--hosts 200] [--rounds 6]

With --callgrind, run under callgrind with collection off at the start; each timed step
is then counted alone and dumped as `console-N` / `floor-N` (instruction counts do not
move with the machine's load; the timeouts are raised and keepalive set to an hour, so
valgrind's slowness fails no login and fires no keepalive mid-step):

    PYTHONPATH=SNAP valgrind --tool=callgrind --instr-atstart=no \
        --callgrind-out-file=OUT/cg.%p PYTHON bench/perstep.py --callgrind --rounds 3
    grep -H -e '^desc: Trigger' -e '^totals:' OUT/cg.*.*
(PYTHON: the interpreter itself, not a shim script that execs it.)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import fleet as fleetlib  # noqa: E402

from console.engine.login_options import CIPHERS  # noqa: E402
from console.engine.runner import Runner  # noqa: E402
from console.engine.ssh import SshPool  # noqa: E402
from console.engine.targets import targets_for  # noqa: E402
from console.journal.actor import current_actor  # noqa: E402
from console.journal.recorder import Recorder  # noqa: E402
from console.journal.writer import JournalWriter  # noqa: E402
from console.model.clock import SystemClock  # noqa: E402
from console.model.loading import load_settings  # noqa: E402
from console.model.status import HostStatus  # noqa: E402
from console.model.templates import RenderedCommand  # noqa: E402


def callgrind(*args: str) -> None:
    """Tell the callgrind this process runs under (callgrind_control)."""
    subprocess.run(["callgrind_control", *args, str(os.getpid())], check=True, capture_output=True)


async def measure(
    fleet: fleetlib.Fleet, config: Path, hosts: int, rounds: int, counted: bool = False
) -> dict:
    inventory = load_settings(config).inventory
    targets = targets_for(inventory, [h.name for s in inventory.systems for h in s.hosts])
    pool = SshPool(inventory.ssh)
    recorder = Recorder(
        JournalWriter(config.parent / "journal.jsonl"), SystemClock(), current_actor()
    )
    runner = Runner(pool, recorder)
    command = RenderedCommand("true", "true")
    options = asyncssh.SSHClientConnectionOptions(
        username=fleet.user,
        client_keys=asyncssh.load_keypairs(str(fleet.client_key)),
        known_hosts=asyncssh.read_known_hosts(str(fleet.known_hosts)),
        config=None,
        agent_path=None,
        gss_auth=False,
        gss_kex=False,
        encryption_algs=CIPHERS,  # as the console's pool offers them
        login_timeout=900 if counted else 120,
    )
    conns: list[asyncssh.SSHClientConnection] = []
    for start in range(0, hosts, 20 if counted else hosts):
        batch = fleet.hosts(hosts)[start : start + (20 if counted else hosts)]
        conns += await asyncio.gather(
            *(asyncssh.connect(a, port=p, options=options) for _, a, p in batch)
        )

    async def console(number: int) -> None:
        out = await runner.run(f"step-{number}", targets, lambda t: [("action", command)])
        assert all(o.status is HostStatus.SUCCEEDED for o in out.values()), out

    async def floor(number: int) -> None:
        await asyncio.gather(*(c.run("true", check=False, stdin=asyncssh.DEVNULL) for c in conns))

    tools = {"console": console, "floor": floor}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in tools}
    try:
        for step in tools.values():
            await step(0)  # warm-up: the console's handshakes, caches, first allocations
        for number in range(1, rounds + 1):
            order = list(tools) if number % 2 else list(tools)[::-1]
            for name in order:
                gc.collect()
                if counted:
                    callgrind("--zero")
                    callgrind("--instr=on")
                wall, cpu = time.monotonic(), time.process_time()
                await tools[name](number)
                samples[name].append((time.monotonic() - wall, time.process_time() - cpu))
                if counted:
                    callgrind("--instr=off")
                    callgrind(f"--dump={name}-{number}")
    finally:
        for conn in conns:
            conn.close()
        await pool.close()
        recorder.close()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--callgrind", action="store_true", help="count each step (see above)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rc-perstep-"))
    os.environ.setdefault("ROLLBACK_CONSOLE_STATE", str(work / "state"))
    fleet = fleetlib.start_fleet(work / "fleet", args.hosts)
    try:
        config = fleetlib.write_console_config(
            work / "console",
            fleet,
            args.hosts,
            command_steps=0,
            max_handshakes=20 if args.callgrind else 50,
            max_commands=64,
        )
        if args.callgrind:
            inventory = config / "inventory.toml"
            slow = "connect_timeout = 900\nlogin_timeout = 900\nkeepalive_interval = 3600\n"
            inventory.write_text(inventory.read_text().replace("[ssh]\n", "[ssh]\n" + slow, 1))
        samples = asyncio.run(measure(fleet, config, args.hosts, args.rounds, args.callgrind))
    finally:
        fleet.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.hosts} hosts, {args.rounds} rounds, load {os.getloadavg()[0]:.1f}")
    medians = {}
    for name, values in samples.items():
        wall = statistics.median(v[0] for v in values) * 1000
        cpu = medians[name] = statistics.median(v[1] for v in values) * 1000
        each = ", ".join(f"{v[1] * 1000:.0f}" for v in values)
        print(f"  {name:8s} step: CPU {cpu:5.0f} ms, wall {wall:5.0f} ms   (CPU: {each})")
    print(f"  console / floor, CPU: {medians['console'] / medians['floor']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
