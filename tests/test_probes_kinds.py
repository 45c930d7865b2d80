"""Each probe kind against real state: commands, logs and checksums on a real sshd,
HTTP checks against a real server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
from pathlib import Path

import pytest

from console.engine.probes import JUMP_HOST, Sampler
from console.engine.ssh import SshPool
from console.engine.targets import Target
from console.model.clock import SystemClock
from console.model.inventory import SshDefaults
from console.model.probes import Probe
from console.model.watch import SampleState


def pool_for(fx) -> SshPool:
    return SshPool(
        SshDefaults(
            user=fx.server.user,
            identity_files=[str(fx.client_key)],
            known_hosts=str(fx.known_hosts),
            use_ssh_config=False,
            connect_timeout=5,
            login_timeout=5,
        )
    )


def target(fx, name: str, workdir: Path | None = None, port: int | None = None) -> Target:
    return Target(
        name, "svc", "127.0.0.1", port or fx.server.port, fx.server.user, str(workdir or "")
    )


def variant(probe: Probe, changes: dict) -> Probe:
    return Probe.validated({**probe.dumped(), **changes})


def hosts_with(fx, filename: str, contents: list[str]) -> list[Target]:
    """One target per value, all on the same sshd, each in its own working directory."""
    sandbox = fx.sandbox("probe")
    out = []
    for index, text in enumerate(contents):
        workdir = sandbox / f"h{index}"
        workdir.mkdir()
        (workdir / filename).write_text(text)
        out.append(target(fx, f"h{index}", workdir))
    return out


@pytest.fixture
async def sampler(sshd_server):
    pool = pool_for(sshd_server)
    yield Sampler(pool, SystemClock())
    await pool.close()


@pytest.mark.sshd
async def test_command_probe_aggregates_numbers_across_hosts(sshd_server, sampler):
    targets = hosts_with(sshd_server, "rate", ["0.1\n", "0.5\n"])
    probe = Probe.validated(
        dict(name="rate", kind="command", command="cat rate", threshold=0.3, aggregate="max")
    )
    worst = await sampler.sample("svc", probe, targets)
    assert (worst.value, worst.state) == (0.5, SampleState.BAD)
    assert {h.host: h.value for h in worst.hosts} == {"h0": 0.1, "h1": 0.5}
    mean = await sampler.sample("svc", variant(probe, {"aggregate": "mean"}), targets)
    assert (mean.value, mean.state) == (0.3, SampleState.HEALTHY)


@pytest.mark.sshd
async def test_command_probe_status_words_vote_any_or_all(sshd_server, sampler):
    targets = hosts_with(sshd_server, "status", ["healthy\n", "degraded\n"])
    probe = Probe.validated(dict(name="st", kind="command", command="cat status", aggregate="all"))
    assert (await sampler.sample("svc", probe, targets)).state is SampleState.HEALTHY
    anyone = variant(probe, {"aggregate": "any"})
    result = await sampler.sample("svc", anyone, targets)
    assert (result.value, result.state) == (1.0, SampleState.BAD)


@pytest.mark.sshd
async def test_a_failing_or_unreachable_host_is_inconclusive_never_healthy(sshd_server, sampler):
    targets = hosts_with(sshd_server, "rate", ["0.1\n"])
    failing = Probe.validated(
        dict(name="f", kind="command", command="echo broken >&2; exit 3", threshold=1)
    )
    result = await sampler.sample("svc", failing, targets)
    assert result.state is SampleState.INCONCLUSIVE
    assert result.hosts[0].error == "exit 3: broken"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    probe = Probe.validated(dict(name="r", kind="command", command="cat rate", threshold=1))
    mixed = await sampler.sample("svc", probe, [*targets, target(sshd_server, "gone", port=closed)])
    assert mixed.state is SampleState.INCONCLUSIVE
    gone = mixed.hosts[1]
    # the class said once (it read 'connection refused: connection refused by ...', and
    # 'authentication failed: authentication failed: Permission denied ...' on a real fleet)
    assert gone.unreachable and gone.error == f"connection refused by 127.0.0.1:{closed}"


@pytest.mark.sshd
async def test_log_probe_counts_matches_since_the_last_sample(sshd_server, sampler):
    sandbox = sshd_server.sandbox("logs")
    log = sandbox / "auth.log"
    log.write_text("Failed password for root\nAccepted publickey for ops\n")
    probe = Probe.validated(
        dict(
            name="auth",
            kind="log",
            path=str(log),
            pattern="Failed password|Invalid user",
            threshold=2,
        )
    )
    hosts = [target(sshd_server, "h0")]
    first = await sampler.sample("svc", probe, hosts)
    assert (first.value, first.state, first.hosts[0].detail) == (
        0.0,
        SampleState.HEALTHY,
        "baseline",
    )
    with log.open("a") as fh:
        fh.write("Failed password for admin\nInvalid user oracle\nFailed password for x\nok\n")
    burst = await sampler.sample("svc", probe, hosts)
    assert (burst.value, burst.state) == (3.0, SampleState.BAD)
    quiet = await sampler.sample("svc", probe, hosts)
    assert quiet.value == 0.0
    log.write_text("Invalid user z\n")  # rotated: shorter than the offset, counted from the start
    rotated = await sampler.sample("svc", probe, hosts)
    assert rotated.value == 1.0
    missing = variant(probe, {"path": str(sandbox / "nope.log")})
    assert (await sampler.sample("svc", missing, hosts)).state is SampleState.INCONCLUSIVE


@pytest.mark.sshd
async def test_checksum_probe_compares_with_last_known_good_and_expected(sshd_server, sampler):
    sandbox = sshd_server.sandbox("data")
    data = sandbox / "orders.csv"
    data.write_text("1,apple\n2,pear\n3,plum\n")
    hosts = [target(sshd_server, "h0")]
    probe = Probe.validated(dict(name="orders", kind="checksum", path=str(data)))
    good = await sampler.sample("svc", probe, hosts)
    assert good.state is SampleState.HEALTHY
    assert good.hosts[0].value == hashlib.sha256(data.read_bytes()).hexdigest()
    data.write_text("1,apple\n2,pear\n3,PLUM\n")
    corrupted = await sampler.sample("svc", probe, hosts)
    assert corrupted.state is SampleState.BAD
    assert "differs from last known good" in corrupted.hosts[0].detail
    expected = variant(probe, {"expected": hashlib.sha256(data.read_bytes()).hexdigest()})
    assert (await sampler.sample("svc", expected, hosts)).state is SampleState.HEALTHY
    rows = Probe.validated(
        dict(name="rows", kind="checksum", command=f"wc -l < {data}", expected="3")
    )
    assert (await sampler.sample("svc", rows, hosts)).state is SampleState.HEALTHY
    data.write_text("1,apple\n")
    assert (await sampler.sample("svc", rows, hosts)).state is SampleState.BAD


class _Handler(http.server.BaseHTTPRequestHandler):
    release = threading.Event()

    def do_GET(self):
        if self.path == "/slow":
            self.release.wait(10)
        code = {"/ok": 200, "/fail": 500}.get(self.path, 404)
        body = b"fine" if code == 200 else b"no"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_base():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _Handler.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)
    _Handler.release.clear()


async def test_http_probe_checks_status_and_latency(http_base):
    sampler = Sampler(SshPool(SshDefaults()), SystemClock())
    probe = Probe.validated(
        dict(name="home", kind="http", url=f"{http_base}/ok", threshold=60_000, timeout=5)
    )
    ok = await sampler.sample("svc", probe, [])
    assert ok.state is SampleState.HEALTHY
    assert ok.hosts[0].host == JUMP_HOST and ok.hosts[0].detail.startswith("HTTP 200 in")
    assert isinstance(ok.value, float) and ok.value >= 0
    failing = await sampler.sample("svc", variant(probe, {"url": f"{http_base}/fail"}), [])
    assert failing.state is SampleState.BAD and failing.hosts[0].detail.startswith("HTTP 500")
    tight = variant(probe, {"threshold": -1.0})
    assert (await sampler.sample("svc", tight, [])).state is SampleState.BAD


async def test_http_probe_per_host_and_timeouts_are_inconclusive(http_base):
    sampler = Sampler(SshPool(SshDefaults()), SystemClock())
    port = http_base.rsplit(":", 1)[1]
    hosts = [
        Target("web-1", "web", "127.0.0.1", 22, None),
        Target("web-2", "web", "localhost", 22, None),
    ]
    per_host = Probe.validated(
        dict(name="h", kind="http", url=f"http://{{{{address}}}}:{port}/ok", threshold=60_000)
    )
    result = await sampler.sample("web", per_host, hosts)
    assert [h.host for h in result.hosts] == ["web-1", "web-2"]
    assert result.state is SampleState.HEALTHY
    slow = Probe.validated(dict(name="s", kind="http", url=f"{http_base}/slow", timeout=0.3))
    timed_out = await sampler.sample("web", slow, [])
    assert timed_out.state is SampleState.INCONCLUSIVE
    assert timed_out.hosts[0].error.startswith(f"GET {http_base}/slow")


async def test_an_http_probes_threshold_reads_in_milliseconds(http_base):
    """Its value is the GET's latency: the `probe` table read "THRESHOLD > 500" beside a
    503, as if it were a status; a unit the configuration gives stays."""
    from collections import deque

    from console.engine.probe_report import threshold_text
    from console.engine.reading import Reading

    probe = Probe.validated(dict(name="door", kind="http", url=f"{http_base}/ok", threshold=500))
    assert probe.unit == "ms"
    assert threshold_text(Reading("svc", probe, deque())) == "> 500 ms"
    sampler = Sampler(SshPool(SshDefaults()), SystemClock())
    assert (await sampler.sample("svc", probe, [])).state is SampleState.HEALTHY
    given = Probe.validated(
        dict(name="door", kind="http", url=f"{http_base}/ok", threshold=0.5, unit="s")
    )
    assert given.unit == "s"
    assert Probe.validated(dict(name="c", kind="command", command="true")).unit == ""
