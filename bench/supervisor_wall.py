"""What the remote supervisor costs per command over SSH: `true` sent N times, one
after another, on one connection to a real OpenSSH sshd on loopback, bare (as commands
were sent before the supervisor) and wrapped in `supervisor.supervised` (as every
command is sent now). Both are started as the console starts a command (asyncssh
create_process, stdin left open) and awaited to their exit status.

Per command: the wall time the console waits, from sending it to its exit status. Rounds
interleave the variants, each on a fresh connection, so that load from elsewhere hits
both alike; medians and min-max over rounds. (The host's CPU per command, without SSH,
is what bench/wrapper_cost.py measures.)

    python bench/supervisor_wall.py [N] [ROUNDS]     # defaults: 200 commands, 7 rounds

Needs root (the `rbtest` account and sshd of tests/sshd.py, as bench/fanout.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
import fleet as fleetlib  # noqa: E402

from console.engine.supervisor import attempt_token, supervised  # noqa: E402

VARIANTS = {
    "bare `true`": lambda: "true",
    "supervised `true`": lambda: supervised("true", attempt_token()),
}


async def one_round(fleet: fleetlib.Fleet, make, n: int) -> float:
    """Wall ms per command for one variant: a fresh connection, n commands."""
    address, port = fleet.endpoints()[0]
    async with asyncssh.connect(
        address,
        port,
        username=fleet.user,
        client_keys=[str(fleet.client_key)],
        known_hosts=str(fleet.known_hosts),
    ) as conn:
        started = time.perf_counter()
        for _ in range(n):
            process = await conn.create_process(make())
            done = await process.wait(check=False)
            assert done.exit_status == 0, done
        wall = (time.perf_counter() - started) / n * 1000
    busy = fleet.wait_idle()
    assert busy == 0, f"{busy} sshd session(s) still open"
    return wall


async def main(n: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="supervisor-bench-") as work:
        fleet = fleetlib.start_fleet(Path(work) / "fleet", 1)
        try:
            await one_round(fleet, VARIANTS["bare `true`"], 20)  # warm-up
            samples: dict[str, list[float]] = {k: [] for k in VARIANTS}
            for _ in range(rounds):
                for name, make in VARIANTS.items():
                    samples[name].append(await one_round(fleet, make, n))
        finally:
            fleet.stop()
    print(f"{n} commands per round, {rounds} rounds, load {os.getloadavg()[0]:.1f}")
    medians = {}
    for name, wall in samples.items():
        medians[name] = statistics.median(wall)
        print(
            f"{name:18} wall per command: median {medians[name]:.2f} ms"
            f" ({min(wall):.2f}-{max(wall):.2f})"
        )
    bare, wrapped = medians.values()
    print(f"supervisor cost per command: +{wrapped - bare:.2f} ms wall")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int, nargs="?", default=200, help="commands a round (200)")
    parser.add_argument("rounds", type=int, nargs="?", default=7, help="rounds (7)")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.rounds))
