"""A service still starting when its restart returns (systemd's Type=simple) failed the
rollback: verify ran `check` once, straight after the restart. `check_wait` tries it again,
once a second, for that many seconds; 0 (the default) keeps one try. Real OpenSSH sshd:
the restart starts a "service" that becomes healthy two seconds later."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_presets_sshd import configure, run

pytestmark = pytest.mark.sshd

# The restart returns at once; the service answers its health check 2 s later.
RESTART = "rm -f ready; (sleep 2; touch ready) >/dev/null 2>&1 < /dev/null &"


def _releases(sshd_server, tmp_path: Path, wait: int | None) -> tuple[Path, Path]:
    app = sshd_server.sandbox("app")
    for version in ("2.3.0", "2.4.0"):
        (app / "releases" / version).mkdir(parents=True)
    (app / "current").symlink_to("releases/2.4.0")
    waits = f'  {{ name = "check_wait", default = "{wait}" }},\n' if wait is not None else ""
    strategies = (
        '[[strategies]]\nname = "rollback"\nkind = "version-rollback"\nparams = [\n'
        f'  {{ name = "restart", default = "{RESTART}" }},\n'
        '  { name = "check", default = "test -f ready" },\n'
        f"{waits}]\n"
    )
    return configure(sshd_server, tmp_path, app, strategies), app


def test_a_service_healthy_after_its_restart_returned_passes_with_check_wait(sshd_server, tmp_path):
    config, app = _releases(sshd_server, tmp_path, 20)
    outcome = run(config, tmp_path, "rollback")
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert (app / "current").readlink() == Path("releases/2.3.0")


def test_without_check_wait_the_check_runs_once_and_fails(sshd_server, tmp_path):
    config, _app = _releases(sshd_server, tmp_path, None)
    outcome = run(config, tmp_path, "rollback")
    assert outcome.returncode == 1, outcome.stdout + outcome.stderr
    assert "health check failed: test -f ready" in outcome.stdout + outcome.stderr
