"""Turn what went wrong while reaching or running on a host into a failure class."""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import NamedTuple

from console.model.status import FailureClass


class HostFailure(Exception):
    """A classified failure on one host, with a detail for people."""

    def __init__(self, failure: FailureClass, detail: str, fingerprint: str | None = None):
        super().__init__(detail)
        self.failure = failure
        self.detail = detail
        self.fingerprint = fingerprint
        # Logins an sshd dropped on the way, each tried again, before this failure: where,
        # and how many times (engine/login_drops.py); said by the dial that had them only.
        self.drops: dict[str, int] = {}


class ExecResult(NamedTuple):
    """How a command ended on its host (or the jump host): exit status 0, or a failure
    class with its detail, and the signal or host key that caused it."""

    failure: FailureClass | None = None
    detail: str | None = None
    exit_status: int | None = None
    signal: str | None = None
    fingerprint: str | None = None
    # Logins dropped before its connection opened (each tried again): where, how many
    # times; only on the command that was the first use of that connection.
    dropped: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, failure: HostFailure) -> ExecResult:
        dropped = tuple(failure.drops.items())
        return cls(
            failure.failure, failure.detail, fingerprint=failure.fingerprint, dropped=dropped
        )


OK = ExecResult(exit_status=0)
# An abort or a detach came while its host was still being reached: the command was not sent.
NOT_SENT = ExecResult(FailureClass.SIGNAL, "stopped while its host was being reached: nothing sent")


def said_once(failure: FailureClass, detail: str | None) -> str:
    """`class: detail`, the class left out where the detail starts with it already
    ('connection refused by 10.0.0.1:22', not 'connection refused: connection refused by')."""
    if not detail or detail.startswith(failure.value):
        return detail or failure.value
    return f"{failure.value}: {detail}"


UNREACHABLE_ERRNOS = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.EADDRNOTAVAIL}


def ssh_errors() -> tuple[type[Exception], ...]:
    """What a connection or a channel raises besides HostFailure: asyncssh's errors and
    the socket's. As an `except` clause it is evaluated only once something was raised, so
    asyncssh is imported by the first connection, not by the modules that catch its errors
    (its import is ~15 % of the console's way to its first frame, bench/RESULTS.md)."""
    import asyncssh

    return (asyncssh.Error, OSError)


def ssh_timeout() -> type[Exception]:
    """asyncssh's timeout of a process (`wait(timeout=)`), as `ssh_errors` is evaluated."""
    import asyncssh

    return asyncssh.TimeoutError


# Why a jump host refuses to open the forwarded connection at all, by its RFC 4254 code
# (asyncssh's OPEN_ADMINISTRATIVELY_PROHIBITED, OPEN_RESOURCE_SHORTAGE)
_WONT_FORWARD = {
    1: "administratively prohibited: its sshd forwards nothing there (AllowTcpForwarding no,"
    " or a PermitOpen that leaves it out; ssh: 'stdio forwarding failed')",
    4: "resource shortage: too many channels open there",
}


def classify_connect_error(
    exc: BaseException,
    where: str | None = None,
    seconds: float | None = None,
    via: str | None = None,
) -> HostFailure:
    """Classify an exception raised while connecting and logging in; `where` (host:port),
    `seconds` (the connect timeout) and `via` (the jump host) name what was dialled, how
    long it was given and through which host."""
    import asyncssh  # loaded already: the connection that raised `exc` imported it

    at = f" {where}" if where else ""
    if isinstance(exc, HostFailure):
        return exc
    if isinstance(exc, ConnectionRefusedError):
        return HostFailure(FailureClass.REFUSED, f"connection refused by{at or ' the host'}")
    if isinstance(exc, asyncssh.ChannelOpenError) and exc.code == asyncssh.OPEN_CONNECT_FAILED:
        # The jump host could not open the forwarded TCP connection: its words say why.
        said = f"jump host {via or ''} cannot reach{at or ' it'}: {exc.reason}".replace("  ", " ")
        refused = "refused" in exc.reason.lower()
        return HostFailure(FailureClass.REFUSED if refused else FailureClass.UNREACHABLE, said)
    if isinstance(exc, asyncssh.ChannelOpenError) and via:  # it refused to forward at all
        why = _WONT_FORWARD.get(exc.code, f"channel open failure {exc.code}")
        said = f"jump host {via} will not forward to{at or ' it'}: {exc.reason}, {why}"
        return HostFailure(FailureClass.UNREACHABLE, said)
    if isinstance(exc, socket.gaierror):  # dialled directly: the name is the host's own
        name = f" {where.rpartition(':')[0]}" if where and not via else ""
        return HostFailure(FailureClass.UNREACHABLE, f"name{name} does not resolve: {exc.strerror}")
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        within = (
            f"within {seconds:g} s (the connect timeout)"
            if seconds
            else "within the connect timeout"
        )
        return HostFailure(FailureClass.UNREACHABLE, f"no SSH answer from{at or ' it'} {within}")
    if isinstance(exc, asyncssh.PermissionDenied):
        return HostFailure(FailureClass.AUTH, exc.reason)  # the class says the rest
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return HostFailure(FailureClass.HOSTKEY_UNKNOWN, f"host key not verifiable: {exc.reason}")
    if isinstance(exc, asyncssh.ConnectionLost | asyncssh.DisconnectError):
        return HostFailure(FailureClass.UNREACHABLE, f"disconnected during login: {exc}")
    if isinstance(exc, OSError):
        if exc.errno in (errno.EMFILE, errno.ENFILE):  # this machine's, not the host's
            return HostFailure(FailureClass.UNREACHABLE, out_of_files(exc.errno))
        if exc.errno in UNREACHABLE_ERRNOS:
            return HostFailure(
                FailureClass.UNREACHABLE,
                f"{where}: {exc.strerror or exc}" if where else exc.strerror or str(exc),
            )
        return HostFailure(FailureClass.UNREACHABLE, f"{type(exc).__name__}: {exc}")
    return HostFailure(FailureClass.UNREACHABLE, f"{type(exc).__name__}: {exc}")


NOT_DIALLED = "not dialled: "  # how `out_of_files` starts: the host was never asked


def at_jump_host_said(jump: str, detail: str) -> str:
    """A jump host's failure as each host behind it says it: the jump host named first
    (Reach.jump_host), unless it was never dialled for this jump host's open files, not its
    fault: then a host's not dialled (the picker read 'unreachable at jump host gw-32',
    as if gw-32 were down)."""
    if detail.startswith(NOT_DIALLED):
        return f"{NOT_DIALLED}its jump host {jump} was not dialled either: {detail[len(NOT_DIALLED) :]}"
    return f"jump host {jump}: {detail}"


def out_of_files(number: int = errno.EMFILE) -> str:
    """The jump host ran out of open files (or would have, for the console's own next
    file): the host was never dialled, and what to do."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    whose = "this process's" if number == errno.EMFILE else "the system's"
    return (
        f"{NOT_DIALLED}{whose} open files ran out on this jump host (ulimit -n {soft}),"
        " nothing sent; raise the limit (ulimit -Hn, limits.conf) and retry this host"
    )
