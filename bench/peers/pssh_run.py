"""parallel-ssh: ParallelSSHClient(pool_size=N), run_command('true'), join.

Usage: python pssh_run.py FLEET_JSON

parallel-ssh's native client (libssh2) takes the key, the user and a port per
host; it has no known_hosts check of its own (it does not verify host keys).
Exit status 1 if any host failed.
"""

from __future__ import annotations

import json
import sys

from pssh.clients import ParallelSSHClient
from pssh.config import HostConfig


def main() -> int:
    with open(sys.argv[1]) as handle:
        fleet = json.load(handle)
    hosts = fleet["hosts"]
    client = ParallelSSHClient(
        [h["address"] for h in hosts],
        host_config=[
            HostConfig(port=h["port"], user=fleet["user"], private_key=fleet["key"]) for h in hosts
        ],
        pool_size=len(hosts),
    )
    output = client.run_command("true", stop_on_errors=False)
    client.join(output)
    bad = [o for o in output if o.exception is not None or o.exit_code != 0]
    if bad:
        first = bad[0]
        print(
            f"{len(bad)} of {len(output)} failed, e.g. {first.exception or first.exit_code!r}",
            file=sys.stderr,
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
