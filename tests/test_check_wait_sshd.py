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


def _releases(
    sshd_server, tmp_path: Path, wait: int | None, check: str = "test -f ready"
) -> tuple[Path, Path]:
    app = sshd_server.sandbox("app")
    for version in ("2.3.0", "2.4.0"):
        (app / "releases" / version).mkdir(parents=True)
    (app / "current").symlink_to("releases/2.4.0")
    waits = f'  {{ name = "check_wait", default = "{wait}" }},\n' if wait is not None else ""
    strategies = (
        '[[strategies]]\nname = "rollback"\nkind = "version-rollback"\nparams = [\n'
        f'  {{ name = "restart", default = "{RESTART}" }},\n'
        f'  {{ name = "check", default = "{check}" }},\n'
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


def test_a_checks_output_without_a_newline_stays_on_its_own_line(sshd_server, tmp_path):
    """`printf ok` as the check: verify's record read `okon 2.3.0`, on screen, in the
    document and headless (helper-138, a README configuration on real sshd)."""
    config, _app = _releases(sshd_server, tmp_path, None, check="printf ok")
    outcome = run(config, tmp_path, "rollback")
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    said = [
        line
        for e in outcome.events
        if e.kind == "command.output" and e.where.step == "restore"
        for line in e.data.lines
    ]
    assert "ok" in said and "on 2.3.0" in said, said
    assert "| okon" not in outcome.stdout and "| ok\n" in outcome.stdout, outcome.stdout
