"""Shared pytest fixtures."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests judge what is computed, not how fast: Hypothesis's deadline and its
# too_slow health check are timings, and failed a run at load 26 (3 workers on 2 cores).
settings.register_profile("loaded", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("loaded")

# Subprocesses (`rollback-console` in tmux, `python -m console`) import the checkout
# under test, not whatever an editable install elsewhere points at.
_ROOT = str(Path(__file__).resolve().parent.parent)
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (_ROOT, os.environ.get("PYTHONPATH", "")) if p
)

try:
    from tests import pg as _pg
    from tests import sshd as _sshd
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    import pg as _pg  # type: ignore[no-redef]
    import sshd as _sshd  # type: ignore[no-redef]


def _on_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


# --- real OpenSSH sshd on loopback -------------------------------------------


def _require_sshd() -> None:
    if _sshd.sshd_available():
        return
    if _on_ci():
        pytest.fail(f"{_sshd.SSHD} is missing on CI (install openssh-server)", pytrace=False)
    pytest.skip(f"{_sshd.SSHD} is not installed")


def require_postgres() -> Path:
    """The PostgreSQL server binaries; skip without them (fail on CI)."""
    bindir = _pg.pg_bindir()
    if bindir is not None:
        return bindir
    message = "PostgreSQL server binaries are missing (Debian: postgresql)"
    if _on_ci():
        pytest.fail(f"{message} on CI", pytrace=False)
    pytest.skip(message)


def _require_tmux() -> None:
    if shutil.which("tmux") is not None:
        return
    if _on_ci():
        pytest.fail("tmux is missing on CI (install tmux)", pytrace=False)
    pytest.skip("tmux is not installed")


@pytest.fixture(autouse=True)
def _own_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's journals, locks and crash reports go to a directory of its own, never
    to the user's state directory, which every test run on the machine would share (a demo
    lock left there by one run made another's `run --demo` refuse)."""
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(autouse=True)
def _no_configuration_named_yet() -> None:
    """The command lines a test's screens and lines print name no `--config` that an
    earlier command run in this process was given (console/model/invocation.py)."""
    from console.model.invocation import repeat_config

    repeat_config(None)


@pytest.fixture(autouse=True)
def _no_command_named_yet() -> None:
    """This process is "rollback-console", as a refusal names it, whatever command an
    earlier test ran in it (`run` set it: test_handover read "rollback-console run pid"
    where it expected a console, in a fresh clone's full run)."""
    from console.journal.journal_lock import PROGRAM

    PROGRAM[0] = "rollback-console"


@pytest.fixture(autouse=True)
def _marker_gates(request: pytest.FixtureRequest) -> None:
    """Skip (or fail on CI) tests marked ``sshd``, ``postgres`` or ``tmux`` when those
    are missing."""
    if request.node.get_closest_marker("sshd") is not None:
        _require_sshd()
    if request.node.get_closest_marker("postgres") is not None:
        require_postgres()
    if request.node.get_closest_marker("tmux") is not None:
        _require_tmux()


@pytest.fixture(scope="session")
def sshd_account() -> _sshd.Account:
    """The dedicated login account (``rbtest`` as root, else the current user)."""
    _require_sshd()
    return _sshd.ensure_test_account()


@dataclass
class SshdFixture:
    """What ``sshd_server`` yields."""

    server: _sshd.SshdServer
    client_key: Path
    client_public_key: str
    known_hosts: Path
    account: _sshd.Account
    workdir: Path
    _sandboxes: list[Path] = field(default_factory=list, repr=False)

    def sandbox(self, name: str = "sandbox") -> Path:
        """A fresh dir in the account's home, owned by it, removed at teardown."""
        path = _sshd.account_dir(self.account, name)
        self._sandboxes.append(path)
        return path


@pytest.fixture
def sshd_server(tmp_path: Path, sshd_account: _sshd.Account) -> Iterator[SshdFixture]:
    """One running sshd trusting a fresh client key, plus a matching known_hosts."""
    workdir = tmp_path / "sshd"
    workdir.mkdir()
    client_key, client_public_key = _sshd.make_client_key(workdir)
    server = _sshd.start_sshd(workdir, sshd_account, authorized_keys=[client_public_key])
    fixture = SshdFixture(
        server=server,
        client_key=client_key,
        client_public_key=client_public_key,
        known_hosts=_sshd.write_known_hosts(workdir / "known_hosts", [server]),
        account=sshd_account,
        workdir=workdir,
    )
    try:
        yield fixture
    finally:
        server.stop()
        for path in fixture._sandboxes:
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def export_child_unniced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The export screen's document child at the test's own priority, not CHILD_NICE
    above it: niced, it waited behind every process of a loaded machine (first previews
    over 60 s at load 23) in tests that check what it renders, not its priority
    (tests/test_export_screen.py checks that)."""
    from console.ui import document_process

    monkeypatch.setattr(document_process, "CHILD_NICE", 0)


# --- a loopback HTTP receiver for notification channels -----------------------


@pytest.fixture
def hooks():
    """A loopback HTTP server answering as told on each path, and keeping every request."""
    from tests.hooks import HookServer

    with HookServer() as server:
        yield server


# --- the embedded demo fleet -------------------------------------------------


@pytest.fixture
async def demo():
    """The demo fleet on loopback, with its settings pointing at it."""
    from console.demo.fleet import DemoFleet
    from console.model.loading import load_settings
    from console.paths import demo_config

    async with DemoFleet(load_settings(demo_config())) as fleet:
        yield fleet


@pytest.fixture
async def pool(demo):
    """One SSH pool for the demo fleet, closed after the test."""
    from console.engine.ssh import SshPool

    pool = SshPool(demo.settings.inventory.ssh)
    yield pool
    await pool.close()
