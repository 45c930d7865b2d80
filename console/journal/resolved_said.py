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


def _said(groups: list[tuple[list[str], str]]) -> str:
    groups = sorted(groups, key=lambda group: -len(group[0]))
    said = "; ".join(f"{words} on {hosts_named(hosts)}" for hosts, words in groups[:SHOWN])
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


def resolved_phrase(d: StrategyResolved) -> str:
    """The timeline's line: `resolved target=previous (version-rollback) as 2.11.0 → 2.10.0
    on h0001–h0200 (200 hosts); nothing to do on web-9: ...`."""
    said = [_said([(g.get("hosts", []), _group(g)) for g in d.groups])] if d.groups else []
    said += [f"nothing to do on {_others(d.nothing)}"] if d.nothing else []
    said += [f"not resolved, their precheck decides, on {_others(d.refused)}"] if d.refused else []
    return f"resolved {d.param}={d.symbolic} ({d.strategy}) as " + "; ".join(said)


def _group(group: ResolvedHosts) -> str:
    value = group.get("value", "")
    return went(value, group.get("current", "")) if value else visible(group.get("said", ""))


def _others(groups: list[ResolvedHosts]) -> str:
    return "; ".join(
        f"{hosts_named(g.get('hosts', []))}: {visible(g.get('said', ''), one_line=True)}"
        for g in groups
    )
