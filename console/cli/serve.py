"""`serve JOURNAL`: the read-only follow view in web browsers, through textual-serve.

Each browser that connects gets its own `rollback-console follow JOURNAL` process, which
never connects to a host: nothing in the page can act on one. Bound to 127.0.0.1 unless
told otherwise; watchers reach it through an SSH tunnel to the jump host.
"""

from __future__ import annotations

import argparse
import errno
import os
import shlex
import socket
import sys
from pathlib import Path

from console.cli.common import existing_journal
from console.cli.parser import EXIT_OK, PROG, UsageError

LOOPBACK = ("127.0.0.1", "::1", "localhost")
WILDCARD = ("0.0.0.0", "::")  # every address: none a browser could be sent to


def follow_command(journal: str, config: Path | None = None) -> str:
    """The shell command textual-serve starts for each browser: this Python, this code,
    and the configuration serve found (`--config`: the commands the view prints name it,
    as the console's own do; each browser's process has not serve's command line).
    `-P`: the program as installed (or on PYTHONPATH), never a `console` package or
    console.py in the directory serve was started in, which `-m` would import first."""
    said = f"{shlex.quote(sys.executable)} -P -m console follow {shlex.quote(journal)}"
    return said + (f" --config {shlex.quote(str(config.absolute()))}" if config else "")


def url_host(host: str) -> str:
    """`host` as a URL or ssh -L names it: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def check_listen(host: str, port: int) -> None:
    """Refuse, before saying anything is served, an address this machine cannot listen on
    (a port another serve holds, an address not its own), in each family it resolves to
    (`::1` is IPv6: tried as IPv4, it was refused as "unknown error -9")."""
    where = f"{url_host(host)}:{port}"
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError(f"cannot listen on {where}: {str(exc.strerror).lower()}") from None
    for family, address in dict.fromkeys((f[0], f[4][:2]) for f in found):
        try:
            socket.create_server(address, family=family).close()
        except OSError as exc:
            in_use = exc.errno == errno.EADDRINUSE
            hint = " (another serve? --port picks another)" if in_use else ""
            reason = (os.strerror(exc.errno) if exc.errno else str(exc)).lower()
            raise UsageError(f"cannot listen on {where}: {reason}{hint}") from None


def serve(args: argparse.Namespace) -> int:
    from textual_serve.server import Server

    from console.journal.store import read_journal
    from console.paths import find_config

    journal = existing_journal(args.journal, args.config)
    read_journal(journal)  # a file that is not a journal is refused here, not in each browser
    if args.host in WILDCARD and not args.public_url:
        raise UsageError(
            f"--host {args.host} needs --public-url, the address browsers reach this host at"
            f" (e.g. --public-url http://jump-1.example.com:{args.port}): the page tells each"
            f" browser where to connect, and no browser elsewhere reaches {args.host}"
        )
    check_listen(args.host, args.port)
    if args.host not in LOOPBACK:
        print(
            f"warning: serving on {args.host}: anyone who reaches that address can watch this"
            " incident; prefer 127.0.0.1 and an SSH tunnel",
            file=sys.stderr,
        )
    where = f"http://{url_host(args.host)}:{args.port}"
    server = Server(
        follow_command(str(journal), find_config(args.config)),
        host=args.host,
        port=args.port,
        title=f"{PROG} follow {journal.parent.name}",
        # textual-serve's own default, http://HOST:PORT, is no URL for an IPv6 address
        public_url=args.public_url or where,
    )
    if args.public_url:
        how = f"open {args.public_url}"
    elif args.host in LOOPBACK:
        to = url_host("::1" if args.host == "::1" else "127.0.0.1")
        how = f"from your machine: ssh -L {args.port}:{to}:{args.port} {_this_host()}"
    else:
        how = f"open {where}"
    print(f"serving the follow view of {journal} on {where} ({how})", flush=True)
    server.serve()
    return EXIT_OK


def _this_host() -> str:
    """This machine as the watcher's ssh reaches it: the address and port this session
    came in on (SSH_CONNECTION, as sshd sets it), else its host name."""
    said = os.environ.get("SSH_CONNECTION", "").split()
    if len(said) != 4:
        return socket.gethostname()
    address, port = said[2], said[3]
    return address if port == "22" else f"-p {port} {address}"
