"""feature-toggle-off, preset `http`: a flag service's API called from the jump host by
`rollback-console run`, the token taken from the environment, sent, and never recorded."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.model.loading import load_settings
from tests.flag_service import TOKEN, FlagService, serving
from tests.pgrig import undo, write_config


@pytest.fixture
def service() -> Iterator[FlagService]:
    with serving() as server:
        yield server


STRATEGY = """\
[[strategies]]
name = "checkout-off"
kind = "feature-toggle-off"
preset = "http"
params = [{ name = "flags", default = "new_checkout,dark_mode" }]
"""


def run(config: Path, state: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    argv = [
        sys.executable, "-m", "console", "--config", str(config), "run", "--systems", "web",
        "--strategy", "checkout-off", "--trigger", "user-impact", "--reason", "checkout 500s",
        "--yes", "--journal", str(state / "incident"),
    ]  # fmt: skip
    environment = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(state), **env}
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=environment)


@pytest.mark.sshd
async def test_flags_are_disabled_through_the_api_and_the_token_is_never_recorded(
    sshd_server, service, tmp_path, monkeypatch
):
    config = write_config(
        tmp_path / "config", sshd_server, STRATEGY, sshd_server.sandbox("w"), "web"
    )
    env = {"FLAG_SERVICE_URL": service.url, "FLAG_SERVICE_TOKEN": TOKEN}

    result = run(config, tmp_path / "state", env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert service.flags == {
        "new_checkout": {"enabled": False, "rollout": 100},
        "dark_mode": {"enabled": False, "rollout": 5},
    }
    assert set(service.authorizations) == {f"Bearer {TOKEN}"}  # sent, for real
    incident = tmp_path / "state" / "incident"
    for path in incident.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    assert TOKEN not in result.stdout + result.stderr
    assert "sending action on the jump host (attempt 1)" in result.stdout  # where it ran, said
    assert "FLAG_SERVICE_TOKEN" in load_settings(config).secret_env()  # redacted if echoed

    # undo (Conductor.undo on the same journal) puts each flag back as the precheck saved it
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert (await undo(config, incident))[0]
    assert service.flags["dark_mode"] == {"enabled": True, "rollout": 5}


@pytest.mark.sshd
def test_a_missing_token_stops_the_precheck_and_nothing_is_sent(sshd_server, service, tmp_path):
    config = write_config(
        tmp_path / "config", sshd_server, STRATEGY, sshd_server.sandbox("w"), "web"
    )

    result = run(config, tmp_path / "state", {"FLAG_SERVICE_URL": service.url})

    assert result.returncode == 1
    assert "the flag service's token is not in the environment" in result.stdout
    assert service.authorizations == []
    assert service.flags["new_checkout"]["enabled"] is True


@pytest.mark.sshd
async def test_undo_after_a_retry_puts_back_the_flags_as_they_were_first(
    sshd_server, service, tmp_path, monkeypatch
):
    """The service's cache answers verify's GET with the old value once: verify fails, and
    the retry's precheck saved the flags again, disabled, over what undo puts back. Before,
    undo then "succeeded" and left both flags off; now the first save is kept, and a second
    incident, with every flag disabled already, is refused at the precheck."""
    from console.engine.conductor import Conductor
    from console.engine.ssh import SshPool
    from console.model.triggers import TriggerKind
    from tests.events_factory import recorder_in

    config = write_config(
        tmp_path / "config", sshd_server, STRATEGY, sshd_server.sandbox("w"), "web"
    )
    env = {"FLAG_SERVICE_URL": service.url, "FLAG_SERVICE_TOKEN": TOKEN}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    service.stale_reads = 1
    settings = load_settings(config)
    conductor = Conductor(settings, recorder_in(tmp_path / "one"), SshPool(settings.inventory.ssh))
    conductor.open_incident("retried", "inc-retried")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "test")
    conductor.select(["web"])
    conductor.choose_strategy("checkout-off", {})
    try:
        assert not await conductor.run_step("restore")  # verify read the cache
        assert await conductor.run_step("restore", only_hosts=["db-1"])
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
    assert service.flags["dark_mode"] == {"enabled": False, "rollout": 5}

    again = run(config, tmp_path / "state", env)
    assert again.returncode == 3, again.stdout  # refused: nothing to do there, not failed
    assert "flags new_checkout dark_mode are all disabled already: nothing to disable" in (
        again.stdout
    )

    assert (await undo(config, tmp_path / "one" / "journal.jsonl"))[0]
    assert service.flags == {
        "new_checkout": {"enabled": True, "rollout": 100},
        "dark_mode": {"enabled": True, "rollout": 5},
    }


@pytest.mark.sshd
async def test_a_second_wave_takes_the_save_of_the_first_and_undo_puts_the_flags_back(
    sshd_server, service, tmp_path, monkeypatch
):
    """Two hosts in waves of one, as docs/strategies.md suggests to send fewer requests:
    the second wave's precheck found the flags disabled by the first, and with nothing
    saved for its own host refused (failed, before refusals) the host; the run ended not
    rolled back, the flags off. Now it takes the save the first wave made: done, and undo
    from either host puts the flags back as they were."""
    strategy = STRATEGY.replace('preset = "http"\n', 'preset = "http"\nwaves = { size = 1 }\n')
    config = write_config(
        tmp_path / "config", sshd_server, strategy, sshd_server.sandbox("w"), "web"
    )
    inventory = config / "inventory.toml"
    inventory.write_text(
        inventory.read_text()
        + f'\n[[systems.hosts]]\nname = "db-2"\naddress = "127.0.0.1"\nport = {sshd_server.server.port}\n'
    )
    env = {"FLAG_SERVICE_URL": service.url, "FLAG_SERVICE_TOKEN": TOKEN}

    outcome = run(config, tmp_path / "state", env)

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert "wave 2 of 2 finished: 1 ok, 0 failed" in outcome.stdout
    assert service.flags["new_checkout"] == {"enabled": False, "rollout": 100}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    ok, state = await undo(config, tmp_path / "state" / "incident")
    assert ok, state.step("restore.undo").summary
    assert service.flags == {
        "new_checkout": {"enabled": True, "rollout": 100},
        "dark_mode": {"enabled": True, "rollout": 5},
    }


@pytest.mark.sshd
def test_undo_dry_run_says_the_api_is_called_from_here(sshd_server, service, tmp_path):
    """Seen walking `undo JOURNAL restore --dry-run` after an http toggle-off: it printed
    'web-1: rbtest@127.0.0.1:34053' and '### web-1 undo', as if the undo went to each
    host over SSH (run --dry-run said '(on the jump host)'); the undo calls the API from
    here and sends nothing to the hosts."""
    config = write_config(
        tmp_path / "config", sshd_server, STRATEGY, sshd_server.sandbox("w"), "web"
    )
    env = {"FLAG_SERVICE_URL": service.url, "FLAG_SERVICE_TOKEN": TOKEN}
    assert run(config, tmp_path / "state", env).returncode == 0
    argv = [
        sys.executable, "-m", "console", "--config", str(config), "undo",
        str(tmp_path / "state" / "incident"), "restore", "--dry-run",
    ]  # fmt: skip
    environment = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state"), **env}
    shown = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=environment)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "### db-1 undo (on the jump host)" in shown.stdout, shown.stdout
    assert "nothing is sent to the hosts" in shown.stdout
    assert f"@127.0.0.1:{sshd_server.server.port}" not in shown.stdout
    assert service.flags["new_checkout"]["enabled"] is False  # a dry run: nothing sent
