"""Taking probe samples: commands, log counts and checksums over the SSH pool, HTTP
checks from the jump host. A failure to sample is an error on that host, never a value."""

from __future__ import annotations

import asyncio
import itertools
import math
import shlex
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from console.engine.failures import HostFailure, said_once, ssh_errors, ssh_timeout
from console.engine.ssh import SshPool
from console.engine.targets import Target
from console.model.clock import Clock
from console.model.probes import PROBE_KINDS, Probe, ProbeKind
from console.model.stderr_lines import telling
from console.model.templates import in_workdir
from console.model.watch import HostValue, ProbeSample, aggregate, parse_value, probe_key

JUMP_HOST = "jump-host"
HTTP_READ_LIMIT = 65536
HTTP_THREADS = 32  # GETs of HTTP probes at once; one a server keeps past its timeout holds one

# Prints "<size> <matches since offset>"; an offset of -1 takes a baseline.
LOG_SCRIPT = """\
f={path}; off={offset}
[ -r "$f" ] || {{ echo "cannot read $f" >&2; exit 3; }}
size=$(($(wc -c < "$f")))
[ "$size" -ge "$off" ] || off=0
if [ "$off" -lt 0 ]; then n=0; else
  n=$(tail -c +$((off + 1)) "$f" | head -c $((size - off)) | grep -c -E -e {pattern})
  [ $? -le 1 ] || exit 4
fi
echo "$size ${{n:-0}}"
"""


ROUNDS = itertools.count(1)  # every watcher's, in the order their rounds ended


class Sampler:
    """Samples probes; remembers log offsets and last-known-good values per host."""

    def __init__(self, pool: SshPool, clock: Clock, max_commands: int | None = None):
        self.pool = pool
        self.clock = clock
        self._commands = asyncio.Semaphore(max_commands or pool.defaults.max_commands)
        self.offsets: dict[tuple[str, str], int] = {}
        self.known_good: dict[tuple[str, str], str] = {}

    async def sample(
        self, system: str, probe: Probe, targets: list[Target], threshold: float | None = None
    ) -> ProbeSample:
        """One round of `probe` on `targets`, aggregated against `threshold` (else the probe's)."""
        key = probe_key(system, probe.name)
        hosts = await SAMPLERS[probe.kind](self, key, probe, targets)
        limit = probe.threshold if threshold is None else threshold
        value, state = aggregate(probe, list(hosts), limit)
        errors = [f"{h.host}: {h.error}" for h in hosts if h.error]
        return ProbeSample(
            probe=probe.name,
            system=system,
            at=self.clock.now(),
            value=value,
            state=state,
            threshold=probe.threshold if PROBE_KINDS[probe.kind].thresholded else None,
            hosts=tuple(hosts),
            detail="; ".join(errors),
            unit=probe.unit,
            serial=next(ROUNDS),
        )

    async def _command(self, key: str, probe: Probe, target: Target) -> HostValue:
        out, error, unreachable = await self._ssh(target, probe.command or "", probe.timeout)
        if error:
            return HostValue(target.name, None, error=error, unreachable=unreachable)
        lines = out.strip().splitlines()
        value = parse_value(lines[-1]) if lines else None
        if value is None:
            return HostValue(target.name, None, error="printed nothing")
        if isinstance(value, float) and not math.isfinite(value):
            # `NaN` (a rate over no requests) compares with nothing: judged, it read
            # healthy, and as the hosts' max it hid another host's bad value.
            said = lines[-1].strip()
            return HostValue(target.name, None, error=f"printed {said!r}: not a number to judge")
        return HostValue(target.name, value)

    async def _log(self, key: str, probe: Probe, target: Target) -> HostValue:
        offset = self.offsets.get((key, target.name), -1)
        script = LOG_SCRIPT.format(
            path=shlex.quote(probe.path or ""),
            offset=offset,
            pattern=shlex.quote(probe.pattern or ""),
        )
        out, error, unreachable = await self._ssh(target, script, probe.timeout)
        if error:
            return HostValue(target.name, None, error=error, unreachable=unreachable)
        try:
            size, count = (int(part) for part in out.split())
        except ValueError:
            return HostValue(target.name, None, error=f"unexpected output {out.strip()!r}")
        self.offsets[(key, target.name)] = size
        detail = "baseline" if offset < 0 else f"{count} new match(es)"
        return HostValue(target.name, float(count), detail=detail)

    async def _checksum(self, key: str, probe: Probe, target: Target) -> HostValue:
        command = probe.command or f"sha256sum -- {shlex.quote(probe.path or '')}"
        out, error, unreachable = await self._ssh(target, command, probe.timeout)
        words = out.split() if not error else []
        if error or not words:
            return HostValue(
                target.name, None, error=error or "printed nothing", unreachable=unreachable
            )
        value = words[0] if probe.path else out.strip().splitlines()[-1].strip()
        good = probe.expected or self.known_good.setdefault((key, target.name), value)
        source = "expected" if probe.expected else "last known good"
        mismatch = value != good
        detail = f"differs from {source} {good[:16]}" if mismatch else f"matches {source}"
        return HostValue(target.name, value, flagged=mismatch, detail=detail)

    async def _ssh(
        self, target: Target, command: str, timeout: float
    ) -> tuple[str, str | None, bool]:
        """(stdout, error, unreachable) of one command; errors are words for people."""
        async with self._commands:
            try:
                result = await self.pool.run(target, in_workdir(command, target.workdir), timeout)
            except HostFailure as failure:
                return "", said_once(failure.failure, failure.detail), True
            except ssh_timeout():
                return "", f"no answer within {timeout:g} s", False
            except ssh_errors() as exc:
                return "", f"connection lost: {exc}", False
        if result.exit_status != 0:
            err = str(result.stderr or "").strip().splitlines()
            said = (telling(err) or err[-1]).strip() if err else ""
            why = said or (f"signal {result.exit_signal[0]}" if result.exit_signal else "")
            return "", f"exit {result.exit_status}" + (f": {why}" if why else ""), False
        return str(result.stdout or ""), None, False

    async def _http_all(self, _key: str, probe: Probe, targets: list[Target]) -> list[HostValue]:
        """From the jump host: once, or once per host when the URL names {{host}}."""
        url = probe.url or ""
        if "{{" not in url:
            return [await self._http(JUMP_HOST, url, probe)]
        return list(
            await asyncio.gather(
                *(
                    self._http(
                        t.name,
                        url.replace("{{host}}", t.name).replace("{{address}}", t.address),
                        probe,
                    )
                    for t in targets
                )
            )
        )

    async def _http(self, name: str, url: str, probe: Probe) -> HostValue:
        import urllib.error  # http.client and email: only when an HTTP probe samples

        loop = asyncio.get_running_loop()
        try:
            status, latency = await asyncio.wait_for(
                loop.run_in_executor(_http_threads(), _http_get, url, probe.timeout),
                probe.timeout + 1,
            )
        except (urllib.error.URLError, OSError, TimeoutError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc or "timed out"
            return HostValue(name, None, error=f"GET {url}: {reason}")
        unexpected = status not in probe.expect_status
        detail = f"HTTP {status} in {latency:.0f} ms"
        return HostValue(name, round(latency, 1), flagged=unexpected, detail=detail)


Sample = Callable[[Sampler, str, Probe, list[Target]], Awaitable[list[HostValue]]]
OneHost = Callable[[Sampler, str, Probe, Target], Awaitable[HostValue]]


def _on_each_host(one: OneHost) -> Sample:
    async def sample(
        sampler: Sampler, key: str, probe: Probe, targets: list[Target]
    ) -> list[HostValue]:
        return list(await asyncio.gather(*(one(sampler, key, probe, t) for t in targets)))

    return sample


# How each probe kind is sampled (what it needs and how it is judged: PROBE_KINDS).
SAMPLERS: dict[ProbeKind, Sample] = {
    ProbeKind.COMMAND: _on_each_host(Sampler._command),
    ProbeKind.HTTP: Sampler._http_all,
    ProbeKind.LOG: _on_each_host(Sampler._log),
    ProbeKind.CHECKSUM: _on_each_host(Sampler._checksum),
}


def _http_get(url: str, timeout: float) -> tuple[int, float]:
    """(status, latency in ms) of a GET; an HTTP error status is a result, not an error."""
    import urllib.error
    import urllib.request

    started = time.monotonic()
    request = urllib.request.Request(url, headers={"User-Agent": "rollback-console-probe"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, left = response.status, HTTP_READ_LIMIT
            # A body sent a byte at a time reads within the socket's timeout each time: read
            # against the whole timeout, or the thread reads on for as long as it trickles.
            while left > 0 and (chunk := response.read1(min(left, 8192))):
                left -= len(chunk)
                if time.monotonic() - started > timeout:
                    raise TimeoutError(f"its body still coming after {timeout:g} s")
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
    return status, (time.monotonic() - started) * 1000


_HTTP_THREADS: list[ThreadPoolExecutor] = []


def _http_threads() -> ThreadPoolExecutor:
    """The threads HTTP probes wait in, theirs alone: one stuck in a server that answers a
    byte at a time filled asyncio's default threads, where the journal's fsync and the
    name lookups of SSH dials wait their turn (and every host's GET read 'timed out')."""
    if not _HTTP_THREADS:
        _HTTP_THREADS.append(ThreadPoolExecutor(HTTP_THREADS, thread_name_prefix="http-probe"))
    return _HTTP_THREADS[0]
