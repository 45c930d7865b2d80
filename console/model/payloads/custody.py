"""Who holds the incident and what it trusts: reopened after a crash, its lock taken
over, a host key accepted. Apart from `incident`: exec records none of them."""

from typing_extensions import TypedDict

from console.model.event_kinds import Kind
from console.model.payloads.base import JsonObject, Payload
from console.model.payloads.record import Field


class InFlight(TypedDict):
    step: str
    host: str


class IncidentResumed(Payload):
    """Someone reopened the incident (after a crash or a closed terminal)."""

    KIND = Kind.INCIDENT_RESUMED
    unknown: list[InFlight] = Field(
        [],
        description="`step` and `host` of each command whose intent had no outcome: unknown,"
        " verify before retrying",
    )
    amendments_only: bool | None = Field(
        None, description="true when the incident was closed (it stays closed)"
    )
    torn: str | None = Field(
        None,
        description="the file the journal's last line was set aside in, cut short: the"
        " process before stopped while writing it (killed, or its disk full); since"
        " 2026-12-04",
    )
    stopped: str | None = Field(
        None,
        description="why the process before stopped writing, as it said as it stopped"
        " (its journal could not be written: a full disk), and when; since 2026-12-06",
    )


class LockTakenOver(Payload):
    """A stale or abandoned lock was taken over, with a reason."""

    KIND = Kind.LOCK_TAKEN_OVER
    previous: JsonObject = Field(
        description="the holder: `pid`, `user`, `host`, `started`, `incident`, and `journal`"
        " (its journal.jsonl; since 2026-12-03)"
    )
    reason: str = Field(description="why it was taken over")


class LockLost(Payload):
    """While this incident's lock was stale (its console or command had ended), another
    incident took it over, or held the system after this one let go of it open
    (`released`), and may have changed its hosts; recorded as the incident takes its locks
    again. A verify by hand records it for the closed incident it verifies (`of`)."""

    KIND = Kind.LOCK_LOST
    by: JsonObject = Field(
        description="the incident that took it over: `pid`, `user`, `host`, `started`,"
        " `incident`, `journal`"
    )
    at: str = Field(description="when it was taken over (UTC, ISO 8601)")
    reason: str = Field(description="the reason it was taken over with")
    released: str | None = Field(
        None,
        description="when this incident had let go of the lock with the incident still open"
        " (its console quit, or its terminal closed): the lock was free, `by` took it, not"
        " over (`at`: when; `reason` empty); since 2026-12-05",
    )
    of: str | None = Field(
        None,
        description="whose lock it was when not this incident's: the closed incident this"
        " verify by hand verifies (or an earlier verify of it); since 2026-12-04",
    )


class HostkeyAccepted(Payload):
    """The commander accepted an unknown host key, having seen its fingerprint."""

    KIND = Kind.HOSTKEY_ACCEPTED
    fingerprint: str = Field(description="the key's SHA256 fingerprint")
    endpoint: str | None = Field(None, description="`host:port` the key is for")
    known_hosts: str = Field(description="the known_hosts file written")
    entry: str = Field(description="the line added to it")
    via: str | None = Field(None, description="the jump host it was reached through")
