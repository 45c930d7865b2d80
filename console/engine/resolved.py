"""What the hosts said a strategy's symbolic parameter (`target = previous`) stands for,
asked before the commander's yes (console/engine/resolving.py asks them): said for the
confirmation, pinned for the run, or why the step cannot be confirmed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from console.model.alike import grouped
from console.model.waves import named_some


@dataclass(frozen=True)
class Resolved:
    """`param = symbolic` on each host: the value and the words of those that resolved
    it, why for those that could not (unreachable, or the precheck would fail there: the
    others go on), and those where there is nothing to do (exit 120: rolled back already;
    the precheck refuses them as needed nothing, and the others go on). `per_host`: each
    host's value is its own (the git preset's commit ids): said host by host, never
    pinned, differing as they may; but what each holds (`same`: the content of the git
    preset's paths) must be alike, or the step stops."""

    param: str
    symbolic: str
    values: dict[str, str]
    said: dict[str, str]
    refused: dict[str, str]
    nothing: dict[str, str] = field(default_factory=dict)
    per_host: bool = False
    # what each host's value holds (`same=`: the git preset's content of the paths)
    same: dict[str, str] = field(default_factory=dict)
    # what each host with nothing to do holds, and keeps (`stays same=`)
    stays: dict[str, str] = field(default_factory=dict)
    holds: str = ""  # the parameter the content confirmed is pinned in (Resolve.holds)
    # what an earlier yes in this incident pinned in `holds`: the content every host asked
    # again (a retry of some alone) must still hold
    confirmed: str = ""
    # what each host that resolved it is on now, where its resolve says it (`from=`)
    current: dict[str, str] = field(default_factory=dict)
    # `symbolic` is a value named outright (`revision=0001`), checked on the hosts only:
    # it goes as given, nothing pinned
    given: bool = False
    # the hosts of `refused` whose own command refused it (the others were not reached)
    refused_there: frozenset[str] = frozenset()
    # when the hosts were asked (ISO 8601, UTC: `strategy.resolved`'s `asked_at`), and,
    # of answers named outright: `reused`, this incident's on record, fresh, not asked
    # now (console/engine/asked_fresh.py); else why they were asked again (`again`)
    asked_at: str = ""
    reused: bool = False
    again: str = ""

    @property
    def value(self) -> str | None:
        """The one value every host that resolved it gave; None if any could not, or they
        differ."""
        found = set(self.values.values())
        return found.pop() if len(found) == 1 else None

    @property
    def pinned(self) -> dict[str, str]:
        """The parameter with its one value, for the run; empty if there is none, or where
        some host has nothing to do or did not answer: pinned, that value would be a
        release named on them, and their precheck would take them to it (seen: a host
        rolled back to 1.1 already, its peers resolving previous to 1.0). Never a value of
        each host's own."""
        value = self.value
        if self.per_host:
            return {self.param: self.symbolic, self.holds: self.content} if self.content else {}
        if value is None or self.nothing or self.refused or self.given:
            return {}
        return {self.param: value}

    @property
    def content(self) -> str:
        """`per_host`: what every host that resolved it would be restored to, when that
        is one content and a parameter pins it (`holds`); else ''. Pinned, each host's
        precheck refuses a `previous` that holds other content by the time the run gets
        there (seen: a hotfix committed on a host between the question and the yes made
        its `previous` the bad delivery, restored and verified as succeeded)."""
        found = set(self.same.values())
        whole = self.values and set(self.same) == set(self.values)
        if self.confirmed and found != {self.confirmed}:
            return ""
        return found.pop() if self.holds and whole and len(found) == 1 else ""

    def recorded(self) -> dict[str, Any]:
        """As `strategy.resolved` records it (less the strategy): the hosts that said alike
        together, the most first, each group's value and what it was on (`from=`)."""

        def groups(said: dict[str, str], resolved: bool) -> list[dict[str, object]]:
            keyed = {
                h: (self.values.get(h, "") if resolved else "", self.current.get(h, ""), w)
                for h, w in said.items()
            }
            out: list[dict[str, object]] = []
            for hosts, (value, current, words) in sorted(
                grouped(keyed), key=lambda group: -len(group[0])
            ):
                entry: dict[str, object] = {"hosts": hosts}
                entry |= {"value": value} if value else {}
                entry |= {"current": current} if current else {}
                out.append(entry | {"said": words})
            return out

        data: dict[str, object] = {"param": self.param, "symbolic": self.symbolic}
        if not self.per_host and (value := self.pinned.get(self.param)):
            data["value"] = value
        data["groups"] = groups(self.said, True)
        if self.nothing:
            data["nothing"] = groups(self.nothing, False)
        if self.refused:
            data["refused"] = groups(self.refused, False)
        return data | ({"given": True} if self.given else {})

    def shown(self) -> str:
        """For the confirmation: `target=previous is 1 (db-1: schema version 2 down to 1,
        reversing 000002_note.down.sql)`, or, named outright (said as checked), `target=2.9.1
        is there on every host (web-1, web-2: release 2.10.0 to 2.9.1)`, with when they
        answered where those answers are on record and fresh, hosts that said alike
        together; then those with nothing to do. A value of each host's own, host by host: `revision=previous on
        edge-1: nginx 4840370 ... → 08c022d ... (1 file changed); edge-2: ...`."""
        if self.per_host:
            said = f"{self.param}={self.symbolic} on {_alike(self.said, None)}"
        elif self.given:  # named outright: checked on the hosts (the label says so)
            who = "every host that answered" if self.refused else "every host"
            said = f"{self.param}={self.symbolic} is there on {who} ({_alike(self.said)})"
            if self.reused:  # fresh on record: the step goes with them, not asking again
                said += (  # a command step's may have reached them (asked_fresh.py: _READS)
                    f", as they answered at {self.asked_at[11:19]} UTC: no strategy step or"
                    " command outside the checklist sent them anything since"
                )
            elif self.again:
                said += f"; asked again: {self.again}"
        else:
            said = f"{self.param}={self.symbolic} is {self.value} ({_alike(self.said)})"
        if self.nothing:
            said += f"; nothing to do, refused at their precheck: {_alike(self.nothing)}"
            if self.content and set(self.stays.values()) == {self.content}:
                said += " (they hold what the others are restored to)"
        if self.refused:
            said += f"; not resolved, their precheck decides: {_alike(self.refused)}"
        if self.content:
            said += (
                f"; the run restores this content only: a host where {self.symbolic} holds"
                " other content by then (a commit since) is refused there, nothing changed"
            )
        return said

    def problem(self, again: str = "") -> str:
        """Why the step cannot be confirmed with one value: '' when it can. `again`: how to
        go on where the console's words (choose the strategy again) are of no use
        (headless: `--param target=VALUE`, `--hosts`)."""
        naming = f"choose the strategy again naming {self.param}"
        # A value named outright that some hosts answered they lack (`target=2.9`, a
        # release not there) goes to none: sent as it was, those failed at their precheck
        # after a yes that had offered it to all of them. (Lacked by all: said below.)
        lacking = {h: w for h, w in self.refused.items() if h in self.refused_there}
        if self.given and lacking and self.values:
            asked = len(self.refused) + len(self.values) + len(self.nothing)
            return (
                f"{self.param}={self.symbolic} is refused on {len(lacking)} of {asked} host(s):"
                f" {_alike(lacking)}; it is there on {named_some(sorted(self.values), 3)}"
            ) + (f"; {again}" if again else "")
        # A host that could not resolve it (unreachable, or its precheck would fail there)
        # stops it only when no host could: the others go on as before, each host's
        # precheck deciding (seen: one host down held up the rollback of the rest).
        if self.refused and not self.values:
            host, why = next(iter(self.refused.items()))
            more = f" (and {len(self.refused) - 1} more host(s))" if len(self.refused) > 1 else ""
            could = "is refused on" if self.given else "could not be resolved on"
            said = f"{self.param}={self.symbolic} {could} {host}{more}: {why}"
            if self.nothing:  # the others rolled back already: said, not left to guess
                said += f"; nothing to do, refused at their precheck: {_alike(self.nothing)}"
            return said + (f"; {again}" if again else "")
        if not self.values and self.nothing:
            return (
                f"{self.param}={self.symbolic}: nothing to do on any host ({_alike(self.nothing)}):"
                f" skip the step, or {again or naming}"
            )
        if self.value is None and not self.per_host:
            return (
                f"{self.param}={self.symbolic} stands for different values on the hosts"
                f" ({_by_value(self.values)}): {again or naming + ', or run it on fewer hosts'}"
            )
        # each host's own value, not the same content; or hosts with nothing to do that
        # keep other content than the others get (restored there by another incident)
        contents = {**self.same, **self.stays}
        # asked again (a retry of a host its precheck refused, alone): compared with what
        # was confirmed, never with itself (seen: web-2's `previous`, the bad delivery since
        # a hotfix there, pinned as the content and restored over the hotfix)
        if self.confirmed and (other := {h: c for h, c in contents.items() if c != self.confirmed}):
            nothing = {h: f"nothing to do: {self.nothing[h]}" for h in self.stays}
            return (
                f"{self.param}={self.symbolic} would restore other content than was confirmed"
                f" for this step ({_by_content(other, {**self.said, **nothing})}): name the revision to"
                f" restore there (a commit or tag it has), {again or naming}"
            )
        if len(set(contents.values())) > 1:
            nothing = {h: f"nothing to do: {self.nothing[h]}" for h in self.stays}
            return (
                f"{self.param}={self.symbolic} would restore different content on the hosts"
                f" ({_by_content(contents, {**self.said, **nothing})}): name the one to"
                f" restore (a commit or tag every host has),"
                f" {again or naming + ', or run it on fewer hosts'}"
            )
        return ""


VALUES_SHOWN = 3  # values named, the most hosts first; the others counted


def _by_value(values: dict[str, str]) -> str:
    """`2.9.1 on web-1, web-2, web-3 +196 more; 2.8.0 on web-4`: each value and a few of
    its hosts, the most hosts first (200 hosts named one by one filled the toast and the
    run's last line), values beyond the first few counted."""
    groups = sorted(grouped(values), key=lambda group: -len(group[0]))
    said = "; ".join(f"{v} on {named_some(h, 3)}" for h, v in groups[:VALUES_SHOWN])
    if rest := groups[VALUES_SHOWN:]:
        said += f"; {len(rest)} other values on {sum(len(h) for h, _ in rest)} hosts"
    return said


def _by_content(same: dict[str, str], said: dict[str, str]) -> str:
    """`edge-1, edge-3: nginx 4840370 ... → 08c022d ... (2 files changed), as on edge-1;
    edge-2: ...`: hosts whose value holds the same content together, the most first, each
    content said as its first host said it (its commit ids are that host's own)."""
    groups = sorted(grouped(same), key=lambda group: -len(group[0]))

    def words(hosts: list[str]) -> str:
        as_on = f", as on {hosts[0]}" if len(hosts) > 1 else ""
        return f"{named_some(hosts, 3)}: {said[hosts[0]]}{as_on}"

    said_ = "; ".join(words(hosts) for hosts, _ in groups[:VALUES_SHOWN])
    if rest := groups[VALUES_SHOWN:]:
        said_ += f"; {len(rest)} other contents on {sum(len(h) for h, _ in rest)} hosts"
    return said_


def _alike(said: dict[str, str], shown: int | None = VALUES_SHOWN) -> str:
    """`web-1, web-2, web-3 +7 more: release 1.2 to 1.1; web-11: ...`: hosts that said the
    same together (200 hosts named one by one filled the dialog), the most first; beyond
    `shown` of those, the other hosts named a few (16 hosts whose sshd was down, each
    refused at its own port, filled the run's line). None: every host's words (each
    host's own value, which the commander confirms)."""
    groups = grouped(said)
    if shown is None:
        return "; ".join(f"{named_some(h, 3)}: {w}" for h, w in groups)
    groups = sorted(groups, key=lambda group: -len(group[0]))
    words = "; ".join(f"{named_some(h, 3)}: {w}" for h, w in groups[:shown])
    if rest := [host for hosts, _ in groups[shown:] for host in hosts]:
        words += f"; {len(rest)} more ({named_some(rest, 3)})"
    return words
