"""What the hosts said a strategy's symbolic parameter (`target = previous`) stood for when
it was confirmed (`strategy.resolved`), in words: the release a version rollback went back
to, and from which, hosts alike together. Said by the timeline's line, the document's
summary and the console's line for a closed incident."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from console.journal.export.host_runs import host_runs
from console.model.alike import grouped
from console.model.visible import visible
from console.model.waves import named_some

if TYPE_CHECKING:
    from console.model.payloads.choices import ResolvedHosts, StrategyResolved
    from console.model.state import IncidentState

SHOWN = 3  # groups said, the most hosts first; the others counted


def hosts_named(hosts: Sequence[str]) -> str:
    """`h0001–h0200 (200 hosts)`, `web-1, web-4, web-9 +12 more (15 hosts)`, `web-2`."""
    if len(hosts) == 1:
        return hosts[0]
    runs = host_runs(list(hosts))
    if runs.count(", ") >= SHOWN:  # not numbered one after another: a few named
        runs = ", ".join(hosts[:SHOWN]) + f" +{len(hosts) - SHOWN} more"
    return f"{runs} ({len(hosts)} hosts)"


def went(value: str, current: str) -> str:
    """`2.11.0 → 2.10.0`, or `2.10.0` where what the hosts were on was not said."""
    return visible(f"{current} → {value}" if current else value, one_line=True)


def _said(groups: list[tuple[list[str], str]], words: Mapping[str, str] | None = None) -> str:
    """Each value on its hosts, the most first; with `words` (by host), what they said."""
    groups = sorted(groups, key=lambda group: -len(group[0]))
    words = words or {}
    said = "; ".join(
        f"{value} on {hosts_named(hosts)}" + (f": {w}" if (w := words.get(hosts[0])) else "")
        for hosts, value in groups[:SHOWN]
    )
    if rest := groups[SHOWN:]:
        said += f"; {len(rest)} other values on {sum(len(h) for h, _ in rest)} hosts"
    return said


def confirmed(resolved: Mapping[str, tuple[str, str, str]]) -> str:
    """`target=previous: 2.11.0 → 2.10.0 on h0001–h0200 (200 hosts)` from the fold's
    `resolved` (the latest per host); '' when nothing was resolved."""
    if not resolved:
        return ""
    asked = dict.fromkeys(asked for asked, _, _ in resolved.values())
    per_host = {h: went(value, current) for h, (_, value, current) in resolved.items() if value}
    said = _said(grouped(per_host))
    return f"{', '.join(asked)}: {said}" if said else ""


def confirmed_sentences(state: IncidentState) -> list[str]:
    """The summary's: `Confirmed before the run: target=previous: 2.11.0 → 2.10.0 on
    h0001–h0200 (200 hosts).`; none for a journal with no `strategy.resolved` (older
    ones, or nothing to resolve)."""
    said = confirmed(state.resolved)
    return [f"Confirmed before the run: {said}."] if said else []


def resolved_phrase(d: StrategyResolved, words: bool = True) -> str:
    """The timeline's line: `resolved target=previous (version-rollback) as 2.11.0 → 2.10.0
    on h0001–h0200 (200 hosts): release 2.11.0 to 2.10.0; nothing to do on web-9: ...`
    (named outright: `target=2.9.0 checked (version-rollback), asked at 12:49:36: every
    host has it: ...`: `run --param` asks before the incident opens, the console before
    its yes),
    each group with the hosts' own words: the one line that says it (headless `run` also
    noted them until 2026-12-06, the same thing said twice). `words` False: an event
    written before that (console/journal/worded.py), whose headless note says them."""
    said = (
        [_said([(g.get("hosts", []), _group(g)) for g in d.groups], _words(d) if words else None)]
        if d.groups
        else []
    )
    said += [f"nothing to do on {_others(d.nothing)}"] if d.nothing else []
    said += [f"not resolved, their precheck decides, on {_others(d.refused)}"] if d.refused else []
    if d.given:  # named outright: whether it is there, as the confirmation says it
        when = f", asked at {_clock(d.asked_at)}" if d.asked_at else ""  # before this line
        who = "every host that answered" if d.refused else "every host"
        has = f"{who} has it: " if d.groups else ""
        return f"{d.param}={d.symbolic} checked ({d.strategy}){when}: {has}" + "; ".join(said)
    return f"resolved {d.param}={d.symbolic} ({d.strategy}) as " + "; ".join(said)


def _clock(at: str) -> str:
    """`12:46:25` from an ISO 8601 time (UTC), as the timeline's lines say times."""
    return at[11:19] if len(at) >= 19 else visible(at, one_line=True)


def _group(group: ResolvedHosts) -> str:
    value = group.get("value", "")
    return went(value, group.get("current", "")) if value else visible(group.get("said", ""))


def _words(d: StrategyResolved) -> dict[str, str]:
    """What each host that resolved it to a value said of it (`release 2.11.0 to 2.10.0`;
    `on 1.10.0, where incident ...'s rollback put it; its restart never finished: ...`)."""
    return {
        host: visible(g.get("said", ""), one_line=True)
        for g in d.groups
        if g.get("value")
        for host in g.get("hosts", [])
    }


def _others(groups: list[ResolvedHosts]) -> str:
    """`app-01: connection refused ...; ...; 2 more (app-04, app-05)`: the SHOWN groups of
    the most hosts, then the other hosts counted, a few named (16 hosts refused each at its
    own port made one line of 894 characters)."""
    groups = sorted(groups, key=lambda g: -len(g.get("hosts", [])))
    said = "; ".join(
        f"{hosts_named(g.get('hosts', []))}: {visible(g.get('said', ''), one_line=True)}"
        for g in groups[:SHOWN]
    )
    if rest := [h for g in groups[SHOWN:] for h in g.get("hosts", [])]:
        said += f"; {len(rest)} more ({named_some(rest, SHOWN)})"
    return said
