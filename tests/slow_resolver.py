"""A name server that answers every question 'no such name' after a delay, each on a
thread of its own, as a resolver slow to say a mistyped domain does not exist; a name
with a label `late` waits `LATE` seconds (past check-config's deadline). It binds
127.0.0.1:53: run it only in a network namespace of its own (`unshare -mn`), where
/etc/resolv.conf is bind-mounted to name it (`resolved_slowly` below)."""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

RUN = """\
ip link set lo up && mount --bind "$1" /etc/resolv.conf || exit 97
shift
python -m tests.slow_resolver "$DELAY" "$LATE" > "$READY" &
server=$!
trap 'kill $server' EXIT
while ! grep -q ready "$READY"; do sleep 0.02; done
"$@"
"""


@functools.cache
def can_run() -> bool:
    """Root with unshare and ip, and a namespace of its own can be made here."""
    if os.geteuid() != 0 or not all(shutil.which(tool) for tool in ("unshare", "ip")):
        return False
    made = subprocess.run(["unshare", "-mn", "true"], capture_output=True, timeout=30, check=False)
    return made.returncode == 0


def resolved_slowly(
    argv: list[str], delay: float, scratch: Path, env: dict[str, str], late: float = 0.0
) -> subprocess.CompletedProcess[str]:
    """`argv` run where every name lookup waits `delay` seconds for its 'no such name'
    (`late` seconds for a name with a label `late`)."""
    conf = scratch / "resolv.conf"
    conf.write_text("nameserver 127.0.0.1\noptions attempts:1 timeout:10\n")
    ready = scratch / "resolver-ready"
    root = str(Path(__file__).resolve().parent.parent)
    return subprocess.run(
        ["unshare", "-mn", "sh", "-c", RUN, "sh", str(conf), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **env,
            "DELAY": str(delay),
            "LATE": str(late),
            "READY": str(ready),
            "PYTHONPATH": root,
        },
        cwd=root,
        check=False,
    )


def _serve(delay: float, late: float) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 53))
    print("ready", flush=True)

    def answer(query: bytes, peer: tuple[str, int]) -> None:
        time.sleep(late if b"\x04late" in query[12:] else delay)
        flags = bytes([0x81 | (query[2] & 0x01), 0x83])  # a response, RA, NXDOMAIN
        sock.sendto(query[:2] + flags + query[4:6] + bytes(6) + query[12:], peer)

    while True:
        query, peer = sock.recvfrom(512)
        threading.Thread(target=answer, args=(query, peer), daemon=True).start()


if __name__ == "__main__":
    _serve(float(sys.argv[1]), float(sys.argv[2]))
