"""The floor: connect to every host with asyncssh, run `true`, close; one gather.

Usage: python asyncssh_gather.py FLEET_JSON [--cap N] [--steps K]

``--cap N`` limits concurrent handshakes (connect and login) with a semaphore;
commands are not capped.  ``--steps K`` runs `true` K times on every host, one
gather per step, over the same connections: the floor for a K-step procedure.
Options are built once, as a well-tuned client builds them: the client key
loaded and the fleet's known_hosts parsed once (``asyncssh.read_known_hosts``),
not once per connection as when a path is given.  Host keys are checked, no
~/.ssh/config, no agent: the same footing as rollback-console, whose ciphers it
offers too (AES-GCM first, then asyncssh's own list: console/engine/login_options.py's CIPHERS);
``--asyncssh-ciphers`` offers asyncssh's own order (chacha20-poly1305 first), as the
floor did before 2026-12-03 16:30 UTC.  Exit status 1 if any host failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys

import asyncssh

CIPHERS = "^aes128-gcm@openssh.com,aes256-gcm@openssh.com"  # as the console offers them


async def connect(host: dict, options, cap: asyncio.Semaphore | None):
    async with cap or contextlib.nullcontext():
        return await asyncssh.connect(host["address"], port=host["port"], options=options)


async def one(host: dict, options, cap: asyncio.Semaphore | None) -> int | None:
    async with await connect(host, options, cap) as conn:
        result = await conn.run("true", check=False, stdin=asyncssh.DEVNULL)
    return result.exit_status


async def steps(hosts: list[dict], options, cap, count: int) -> list:
    conns = await asyncio.gather(*(connect(h, options, cap) for h in hosts))
    try:
        for _ in range(count):
            runs = [c.run("true", check=False, stdin=asyncssh.DEVNULL) for c in conns]
            results = await asyncio.gather(*runs, return_exceptions=True)
            statuses = [getattr(r, "exit_status", r) for r in results]
            if any(s != 0 for s in statuses):
                return statuses
        return statuses
    finally:
        for conn in conns:
            conn.close()
        await asyncio.gather(*(c.wait_closed() for c in conns))


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("fleet")
    parser.add_argument("--cap", type=int, default=0, help="max concurrent handshakes (0: none)")
    parser.add_argument("--steps", type=int, default=1, help="commands per host, one at a time")
    parser.add_argument(
        "--asyncssh-ciphers", action="store_true", help="asyncssh's own cipher order"
    )
    args = parser.parse_args()
    with open(args.fleet) as handle:
        fleet = json.load(handle)
    options = asyncssh.SSHClientConnectionOptions(
        username=fleet["user"],
        client_keys=asyncssh.load_keypairs(fleet["key"]),
        known_hosts=asyncssh.read_known_hosts(fleet["known_hosts"]),
        config=None,
        agent_path=None,
        gss_auth=False,
        gss_kex=False,
        encryption_algs=() if args.asyncssh_ciphers else CIPHERS,
    )
    cap = asyncio.Semaphore(args.cap) if args.cap else None
    if args.steps > 1:
        results = await steps(fleet["hosts"], options, cap, args.steps)
    else:
        results = await asyncio.gather(
            *(one(h, options, cap) for h in fleet["hosts"]), return_exceptions=True
        )
    bad = [r for r in results if r != 0]
    if bad:
        print(f"{len(bad)} of {len(results)} failed, e.g. {bad[0]!r}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
