"""Turn what went wrong while reaching or running on a host into a failure class."""

from __future__ import annotations

import asyncio
import errno
import socket

import asyncssh

from console.model.status import FailureClass


class HostFailure(Exception):
    """A classified failure on one host, with a detail for people."""

    def __init__(self, failure: FailureClass, detail: str, fingerprint: str | None = None):
        super().__init__(detail)
        self.failure = failure
        self.detail = detail
        self.fingerprint = fingerprint


UNREACHABLE_ERRNOS = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.EADDRNOTAVAIL}


def classify_connect_error(exc: BaseException) -> HostFailure:
    """Classify an exception raised while connecting and logging in."""
    if isinstance(exc, HostFailure):
        return exc
    if isinstance(exc, ConnectionRefusedError):
        return HostFailure(FailureClass.REFUSED, "connection refused")
    if isinstance(exc, socket.gaierror):
        return HostFailure(FailureClass.UNREACHABLE, f"name does not resolve: {exc.strerror}")
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return HostFailure(FailureClass.UNREACHABLE, "no SSH answer within the connect timeout")
    if isinstance(exc, asyncssh.PermissionDenied):
        return HostFailure(FailureClass.AUTH, f"authentication failed: {exc.reason}")
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return HostFailure(FailureClass.HOSTKEY_UNKNOWN, f"host key not verifiable: {exc.reason}")
    if isinstance(exc, asyncssh.ConnectionLost | asyncssh.DisconnectError):
        return HostFailure(FailureClass.UNREACHABLE, f"disconnected during login: {exc}")
    if isinstance(exc, OSError):
        if exc.errno in UNREACHABLE_ERRNOS:
            return HostFailure(FailureClass.UNREACHABLE, exc.strerror or str(exc))
        return HostFailure(FailureClass.UNREACHABLE, f"{type(exc).__name__}: {exc}")
    return HostFailure(FailureClass.UNREACHABLE, f"{type(exc).__name__}: {exc}")
