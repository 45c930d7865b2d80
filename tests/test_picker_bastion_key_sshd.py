"""A new bastion's key, accepted once in the picker, serves every host behind it. Walked
at 80x24 on a README fleet of 7 real sshd hosts behind one bastion whose key was not in
known_hosts yet (helper-128): k, y on web-1 checked web-1 alone; the six others still
read '? host key unknown at jump host bastion', and k on each asked again to trust the
key already written."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.ui.screens.dialogs import ConfirmDialog
from tests import sshd as sshd_mod
from tests.fleet_settings import sshd_settings
from tests.test_ui_picker_reach import REACH_SECONDS, open_picker, patient, tree_lines
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
    until_shown,
)

pytestmark = pytest.mark.sshd
HOSTS = {"web-1": "web", "web-2": "web", "web-3": "web"}


async def test_a_jump_hosts_key_accepted_once_checks_every_host_behind_it(
    tmp_path: Path, sshd_server, sshd_account
) -> None:
    bastion = sshd_mod.start_sshd(
        tmp_path / "bastion", sshd_account, authorized_keys=[sshd_server.client_public_key]
    )
    try:
        jump = f"{bastion.user}@127.0.0.1:{bastion.port}"
        settings, _ = sshd_settings(sshd_server, HOSTS, jump_host=jump)
        app = build_app(patient(settings), tmp_path / "incidents", check_reach=True)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            picker = await open_picker(pilot, hosts=len(HOSTS))
            lines = tree_lines(picker.host_tree)
            assert all("? host key unknown" in lines[host] for host in HOSTS), lines
            await pilot.press("down")  # web-1
            await until_shown(pilot, "#reach", "k shows its fingerprint, to compare and accept")
            await pilot.press("k")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            question = str(app.screen.query_one(".dialog-text").render())
            assert f"[127.0.0.1]:{bastion.port} is not in" in question, question
            await pilot.press("y")
            await until(
                pilot,
                lambda: all(app.reach.results[h].ok for h in HOSTS) and not app.reach.checking,
                timeout=REACH_SECONDS,
            )
            lines = tree_lines(picker.host_tree)
            assert all("✔ up" in lines[host] for host in HOSTS), lines
            said = [n.message for n in app._notifications]
            assert any(
                m.endswith(
                    " written to known_hosts; journalled in the incident once it is"
                    " declared (⏎). Checking it again."
                )
                for m in said
            ), said
        written = sshd_server.known_hosts.read_text()
        assert written.count(bastion.host_public_key.split()[1]) == 1  # written once
    finally:
        bastion.stop()
