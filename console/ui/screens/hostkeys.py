"""Host keys from the execution grid or the picker: accept an unknown key after
comparing its fingerprint (journalled), refuse a mismatched one always."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

from textual.screen import Screen

from console.engine.errors import ProcedureError
from console.model.status import REVOKED_KEY, FailureClass
from console.model.visible import visible

FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/=]+")


class KeyFailure(Protocol):
    """What a host answered: a host run on the grid, or a picker's SSH check."""

    @property
    def host(self) -> str: ...
    @property
    def failure(self) -> FailureClass | None: ...
    @property
    def detail(self) -> str | None: ...


JUMP_HOST = re.compile(r"^jump host (\S+): ")


def whose_key(run: KeyFailure) -> str:
    """The host, or the jump host on the way to it, whose key this failure is about."""
    found = JUMP_HOST.match(run.detail or "")
    return f"jump host {found.group(1)} (on the way to {run.host})" if found else run.host


def sharing_the_key(run: KeyFailure, answers: Iterable[KeyFailure]) -> list[str]:
    """The hosts whose unknown key is `run`'s: a jump host's key is every host's behind it
    (accepted once, each of them is checked again), a host's own key its own."""
    jump = JUMP_HOST.match(run.detail or "")
    offered = fingerprint_of(run)
    same = [
        answer.host
        for answer in answers
        if jump is not None
        and answer.failure is FailureClass.HOSTKEY_UNKNOWN
        and (theirs := JUMP_HOST.match(answer.detail or "")) is not None
        and theirs.group(1) == jump.group(1)
        and fingerprint_of(answer) == offered
    ]
    return same or [run.host]


def fingerprint_of(run: KeyFailure) -> str | None:
    """The SHA256 fingerprint the host offered, read from its result detail."""
    found = FINGERPRINT.search(run.detail or "")
    return found.group(0) if found else None


def accept_host_key(
    screen: Screen,
    run: KeyFailure | None,
    next_step: str = "",
    accepted: Callable[[str], None] | None = None,
    trust: Callable[[str, str], Awaitable[object]] | None = None,
    recorded: str = "and journalled",
) -> None:
    """Ask to trust the key of `run`'s host; refuse mismatches and non-key failures.
    `trust(host, fingerprint)` writes and records it (default: the open incident's
    conductor). Once accepted, the notification says `next_step` and `accepted(host)`
    is called."""
    from console.ui.screens.dialogs import ConfirmDialog

    if run is None:
        screen.notify("Select a host first.")
        return
    if run.failure is FailureClass.HOSTKEY_MISMATCH and REVOKED_KEY in (run.detail or ""):
        screen.notify(
            f"{whose_key(run)} offers a key that known_hosts marks @revoked. A revoked key is"
            " never accepted: the host's owner must re-key the host.",
            title="Refused: host key revoked",
            severity="error",
            timeout=10,
        )
        return
    if run.failure is FailureClass.HOSTKEY_MISMATCH:
        screen.notify(
            f"{whose_key(run)} offers a key that does not match known_hosts. A changed key is"
            " never accepted from the console: check the host out of band and fix"
            " known_hosts by hand.",
            title="Refused: host key mismatch",
            severity="error",
            timeout=10,
        )
        return
    fingerprint = fingerprint_of(run)
    if run.failure is not FailureClass.HOSTKEY_UNKNOWN or fingerprint is None:
        screen.notify(f"{run.host} has no unknown host key to accept.")
        return
    if trust is None:
        from console.ui.app import RollbackApp

        app = screen.app
        assert isinstance(app, RollbackApp)
        conductor = app.conductor
        assert conductor is not None  # a host run or a check belongs to an open incident
        trust = conductor.accept_host_key

    async def accept() -> None:
        try:
            await trust(run.host, fingerprint)
        except ProcedureError as exc:
            screen.notify(str(exc), title="Host key not accepted", severity="error")
            return
        screen.notify(
            f"{whose_key(run)}: {fingerprint} written to known_hosts"
            f"{'' if recorded.startswith(';') else ' '}{recorded}. {next_step}",
            title="Host key accepted",
        )
        if accepted is not None:
            accepted(run.host)

    def answered(yes: bool | None) -> None:
        if yes:
            screen.run_worker(accept(), group="hostkey", exit_on_error=False)

    screen.app.push_screen(
        ConfirmDialog(
            f"Trust the host key of {whose_key(run)}?",
            f"{whose_key(run)} offered a key that is not in known_hosts:\n\n  {fingerprint}\n\n"
            # where it was dialled and which files were read: the host's own words
            f"{visible(run.detail or '', one_line=True)}\n\n"
            "Compare it with the fingerprint from the host's owner before you accept."
            " Your name goes into the record.",
            yes="Accept key",
        ),
        answered,
    )
