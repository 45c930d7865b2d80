"""Why a host key is refused, in one line: unknown (its fingerprint shown, to accept once
its owner confirms it), changed (the known_hosts line holding the old key named, never
accepted here) or revoked (never accepted at all)."""

from __future__ import annotations

import os
import shlex

from console.engine.destination import Destination
from console.engine.failures import HostFailure
from console.engine.known_hosts import KnownHosts
from console.model.outcome import named
from console.model.status import REVOKED_KEY, FailureClass


def refusal(known: KnownHosts, dest: Destination, fingerprint: str | None) -> HostFailure:
    """Unknown (fingerprint shown, may be accepted) or mismatched (refused, always)."""
    where = dest.key_name
    files = ", ".join(dest.known_hosts_files) or "no known_hosts file"
    if said := revoked(known, dest, fingerprint):
        return HostFailure(FailureClass.HOSTKEY_MISMATCH, said, fingerprint)
    if known.knows(dest.known_hosts_files, dest.host, dest.port, dest.host_key_alias):
        return HostFailure(
            FailureClass.HOSTKEY_MISMATCH, _changed(known, dest, fingerprint), fingerprint
        )
    elsewhere = known.recorded_for(dest.known_hosts_files, fingerprint) if fingerprint else []
    also = (
        f" (that key is recorded for {named(elsewhere)}, not {where}: ssh, and the"
        " console, look a key up by the host's name as given)"
        if elsewhere
        else ""
    )
    offers = f"{where} is not in {files}; it offers {fingerprint or 'an unreadable key'}{also}"
    if dest.user_known_hosts[:1] == (os.devnull,):  # no key can be accepted: none offered
        return HostFailure(
            FailureClass.HOSTKEY_UNKNOWN,
            f"{offers}; UserKnownHostsFile is {os.devnull}, nowhere to record it (ssh reaches"
            " it only by trusting any key, StrictHostKeyChecking no; the console always"
            " checks): name a file in ssh_config, then accept it",
        )
    return HostFailure(FailureClass.HOSTKEY_UNKNOWN, offers, fingerprint)


def revoked(known: KnownHosts, dest: Destination, fingerprint: str | None) -> str | None:
    """Why `fingerprint` is never trusted for `dest`: a known_hosts line marks it
    @revoked (as ssh: 'REVOKED HOST KEY DETECTED'); None if none does."""
    files, where = dest.known_hosts_files, dest.key_name
    lines = [
        f"{path}:{number}"
        for path, number, marked in known.revoked_at(
            files, dest.host, dest.port, dest.host_key_alias
        )
        if marked == fingerprint
    ]
    if not lines:
        return None
    return (
        f"host key for {where}{REVOKED_KEY}{' and '.join(lines)} marks @revoked the key"
        f" it offers, {fingerprint} — refused, nothing sent; a revoked key is never"
        " trusted (nor is it by ssh): the host's owner must re-key the host"
    )


def _changed(known: KnownHosts, dest: Destination, fingerprint: str | None) -> str:
    """A changed key's refusal: what it offers, which known_hosts line records
    another, and how a host really re-keyed is trusted again (by hand, never here)."""
    where, files = dest.key_name, dest.known_hosts_files
    offered = fingerprint or "an unreadable key"
    recorded = known.recorded_at(files, dest.host, dest.port, dest.host_key_alias)
    if not recorded:  # known through a CA only: no line of its own to name
        authorities = known.authorities_at(files, dest.host, dest.port, dest.host_key_alias)
        if not authorities:
            listed = ", ".join(files)
            return f"host key for {where} does not match {listed}: offered {offered}; refused"
        lines = " and ".join(f"{path}:{number}" for path, number, _ in authorities)
        return (
            f"host key for {where} is not signed by its @cert-authority: it offers"
            f" {offered}, where {lines} trusts only certificates that authority signed —"
            " refused, nothing sent; the host's owner must give it a certificate from it"
        )
    # Each fingerprint followed by a space: the side pane folds there, keeping it whole.
    lines = " and ".join(f"{path}:{number} records {old}" for path, number, old in recorded)
    path = recorded[0][0]
    return (
        f"host key for {where} has CHANGED: it offers {offered} where {lines} — refused,"
        f" nothing sent; if its owner confirms the host was re-keyed:"
        f" ssh-keygen -R '{where}' -f {shlex.quote(path)}"
    )
