"""Fault injection for the demo fleet: `--inject KIND:HOST`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    UNREACHABLE = "unreachable"
    REFUSE_AUTH = "refuse-auth"
    HANG = "hang"
    SLOW = "slow"
    DROP = "drop"
    FAIL = "fail"
    WRONG_HOSTKEY = "wrong-hostkey"
    CORRUPT_BACKUP = "corrupt-backup"
    BREACH = "breach"
    CORRUPT_DATA = "corrupt-data"


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    host: str

    @classmethod
    def parse(cls, text: str, hosts: list[str]) -> Fault:
        """Parse `KIND:HOST`; the error message names what is wrong."""
        kind, sep, host = text.partition(":")
        if not sep:
            raise ValueError(f"--inject {text!r}: expected KIND:HOST")
        try:
            fault_kind = FaultKind(kind)
        except ValueError:
            kinds = ", ".join(k.value for k in FaultKind)
            raise ValueError(
                f"--inject {text!r}: unknown kind {kind!r} (one of: {kinds})"
            ) from None
        if host not in hosts:
            raise ValueError(f"--inject {text!r}: no demo host {host!r}")
        return cls(fault_kind, host)
