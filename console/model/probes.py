"""Probes that watch a system: their kinds, how a sample is judged, and the probe record
(frozen.py: a kept configuration makes it without pydantic, issue 18)."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, NamedTuple

from console.model.bounds import NAME_PATTERN, YEAR_SECONDS
from console.model.frozen import After, Frozen, Shown, checked_after, checked_before, in_turn, ruled
from console.model.problems import located_error
from console.model.templates import PLACEHOLDER, check_extended_regex, template_problems


class ProbeKind(StrEnum):
    COMMAND = "command"
    HTTP = "http"
    LOG = "log"
    CHECKSUM = "checksum"


class Aggregate(StrEnum):
    """How per-host results become one: a number (max, min, mean, sum) or a vote (any, all)."""

    MAX = "max"
    MIN = "min"
    MEAN = "mean"
    SUM = "sum"
    ANY = "any"
    ALL = "all"


class BadWhen(StrEnum):
    ABOVE = "above"
    BELOW = "below"


HEALTHY_WORDS = ["ok", "healthy", "up", "pass", "passing", "green", "running"]


class ProbeKindInfo(NamedTuple):
    """What the loader and the watcher need to know of a probe kind; how it is sampled
    is the engine's (console/engine/probes.py, SAMPLERS)."""

    needs: tuple[str, ...] = ()  # keys it must be given
    one_of: tuple[str, ...] = ()  # keys of which exactly one must be given
    combine: Aggregate = Aggregate.MAX  # how the hosts' values become one, by default
    thresholded: bool = True  # compared with a threshold (else with an expected value)
    words: bool = False  # a status word it prints counts (healthy_words)


PROBE_KINDS: dict[ProbeKind, ProbeKindInfo] = {
    ProbeKind.COMMAND: ProbeKindInfo(needs=("command",), words=True),
    ProbeKind.HTTP: ProbeKindInfo(needs=("url",)),
    ProbeKind.LOG: ProbeKindInfo(needs=("path", "pattern"), combine=Aggregate.SUM),
    ProbeKind.CHECKSUM: ProbeKindInfo(
        one_of=("path", "command"), combine=Aggregate.ANY, thresholded=False
    ),
}


def _ok_status() -> list[int]:
    return [200]


def _healthy_words() -> list[str]:
    return list(HEALTHY_WORDS)


def _grep_pattern(pattern: str | None) -> str | None:
    """The pattern goes to `grep -E` on each host: check it as such."""
    return pattern if pattern is None else check_extended_regex(pattern)


@dataclass(init=False, repr=False, eq=False, kw_only=True)  # kind: required after name
class Probe(Frozen):
    """One signal about a system, sampled every `interval` seconds within `timeout`.

    command: a command over SSH printing a number or a status word (last line counts).
    http: a GET from the jump host; bad on an unexpected status or latency over threshold.
    log: matches of `pattern` in `path` since the last sample, per host.
    checksum: sha256 of `path` or the output of `command` (e.g. a row count), compared
    with `expected`, else with the host's last-known-good value.
    """

    name: str = ruled(pattern=NAME_PATTERN)
    kind: ProbeKind
    title: str = ""
    interval: float = ruled(10.0, gt=0, le=YEAR_SECONDS, strict=True)
    timeout: float = ruled(5.0, gt=0, le=YEAR_SECONDS, strict=True)
    command: str | None = None
    url: str | None = None
    path: str | None = None
    pattern: Annotated[str | None, After(_grep_pattern)] = None
    expected: str | None = None
    expect_status: Annotated[list[int], Shown([200])] = field(default_factory=_ok_status)
    aggregate: Aggregate | None = None
    threshold: float | None = ruled(None, strict=True)
    bad_when: BadWhen = BadWhen.ABOVE
    healthy_words: Annotated[list[str], Shown(HEALTHY_WORDS)] = field(
        default_factory=_healthy_words
    )
    unit: str = ""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        checked = checked_after(handler(source), in_turn(_kind_needs, _no_stray_placeholders))
        return checked_before(checked, _http_in_ms)

    @property
    def combine(self) -> Aggregate:
        """The aggregate, defaulting by kind: counts add up, checksums vote."""
        return self.aggregate or PROBE_KINDS[self.kind].combine

    @property
    def label(self) -> str:
        return self.title or self.name

    @property
    def reads_against_its_first(self) -> bool:
        """Whether its first reading is the one it judges the later ones by: a log probe
        counts the lines written since, a checksum without `expected` compares with it."""
        return self.kind is ProbeKind.LOG or (
            self.kind is ProbeKind.CHECKSUM and self.expected is None
        )

    @property
    def per_host(self) -> bool:
        """Whether it reads each host alone: an HTTP probe of one URL, without {{host}} or
        {{address}}, reads the whole system once, from the jump host."""
        return self.kind is not ProbeKind.HTTP or "{{" in (self.url or "")


def _http_in_ms(data: Any) -> Any:
    """An http probe's value is its latency in milliseconds: its threshold reads `> 500 ms`,
    not `> 500` (an HTTP status, as a reader took it)."""
    if isinstance(data, dict) and data.get("kind") in ("http", ProbeKind.HTTP):
        return {"unit": "ms", **data}
    return data


def _kind_needs(probe: Probe) -> Probe:
    info = PROBE_KINDS[probe.kind]
    missing = [k for k in info.needs if not getattr(probe, k)]
    if missing:
        raise ValueError(f"a {probe.kind} probe needs {' and '.join(missing)}")
    if info.one_of and sum(1 for k in info.one_of if getattr(probe, k)) != 1:
        raise ValueError(f"a {probe.kind} probe needs either {' or '.join(info.one_of)}")
    url = probe.url or ""  # required for HTTP: checked above
    if probe.kind is ProbeKind.HTTP and not url.startswith(("http://", "https://")):
        raise located_error("Probe", [(("url",), "must start with http:// or https://")])
    if probe.kind is ProbeKind.HTTP and (why := _port_problem(url)):
        raise located_error("Probe", [(("url",), why)])
    return probe


def _no_stray_placeholders(probe: Probe) -> Probe:
    """Probe commands and paths are sent as written; only a URL names {{host}} and
    {{address}}. A `{{` anywhere else would reach the shell as is."""
    available = {"url": ("host", "address"), "command": (), "path": ()}
    problems = [
        ((key,), problem)
        for key, names in available.items()
        for problem in template_problems(getattr(probe, key) or "", names)
    ]
    written = {m.group(0) for m in PLACEHOLDER.finditer(probe.url or "")}
    if not problems and written - {"{{host}}", "{{address}}"}:
        problems.append((("url",), "write {{host}} and {{address}} without spaces"))
    if problems:
        raise located_error("Probe", problems)
    return probe


def _port_problem(url: str) -> str | None:
    """Why the URL's port cannot be connected to (`:70000` was sampled every interval,
    'Connection refused', never a word that the port was wrong), or None."""
    from urllib.parse import urlsplit

    netloc = urlsplit(PLACEHOLDER.sub("h", url)).netloc
    port = netloc.rpartition("@")[2].rpartition("]")[2].partition(":")[2]
    if port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        return f"its port {port!r} is not a TCP port, 1 to 65535"
    return None
