"""A toggle's undo after a later incident (or a hand) changed the same flags: it refuses,
naming the flag and where it is, rather than write over that change. The file presets on
a real sshd; the http presets against a flag service on loopback."""

from __future__ import annotations

import pytest

from tests import test_presets_http_reenable as http
from tests.pgrig import undo
from tests.test_presets_sshd import FLAGS_FILE, configure, flags_off, run

pytestmark = pytest.mark.sshd

service = http.service  # the flag service fixture

NEW_CHECKOUT = '{ name = "flags", default = "new_checkout" }'
REENABLE_TO_50 = (
    '[[strategies]]\nname = "reenable"\nkind = "feature-reenable"\npreset = "file"\n'
    f'params = [{NEW_CHECKOUT}, {FLAGS_FILE}, {{ name = "steps", default = "25,50" }}]\n'
)


async def test_an_earlier_toggle_off_undo_leaves_a_later_re_enable_alone(sshd_server, tmp_path):
    """Incident A turned new_checkout off (100 -> 0), then incident B brought it back to
    50 %. A's undo put back A's copy (100) over B's 50 with no word. Now it refuses while
    the flag is not where A left it; once B is undone (back to 0), A's undo returns 100."""
    app = sshd_server.sandbox("app")
    (app / "flags").write_text("new_checkout=100\ndark_mode=0\n")
    config = configure(
        sshd_server, tmp_path, app, flags_off(NEW_CHECKOUT, FLAGS_FILE) + REENABLE_TO_50
    )
    first = run(config, tmp_path, "flags-off")
    assert first.returncode == 0, first.stdout + first.stderr
    later = run(config, tmp_path, "reenable")
    assert later.returncode == 0, later.stdout + later.stderr
    assert (app / "flags").read_text() == "new_checkout=50\ndark_mode=0\n"

    a, b = (tmp_path / "state" / f"incident-{name}" for name in ("flags-off", "reenable"))
    ok, state = await undo(config, a)
    assert not ok
    assert (app / "flags").read_text() == "new_checkout=50\ndark_mode=0\n"
    said = state.step("restore.undo").hosts["db-1"].said()
    assert "flag new_checkout on db-1 reads 50, not 0 as this incident set it" in said, said

    assert (await undo(config, b))[0]
    assert (app / "flags").read_text() == "new_checkout=0\ndark_mode=0\n"
    assert (await undo(config, a))[0]
    assert (app / "flags").read_text() == "new_checkout=100\ndark_mode=0\n"


async def test_a_re_enable_undo_leaves_a_flag_changed_since(sshd_server, tmp_path):
    """B re-enabled new_checkout to 50 %; someone took it down to 5 % by hand since.
    B's undo put back B's copy (0) over that; now it refuses, and the 5 % stays."""
    app = sshd_server.sandbox("app")
    (app / "flags").write_text("new_checkout=0\ndark_mode=0\n")
    config = configure(sshd_server, tmp_path, app, REENABLE_TO_50)
    assert run(config, tmp_path, "reenable").returncode == 0
    (app / "flags").write_text("new_checkout=5\ndark_mode=0\n")

    ok, state = await undo(config, tmp_path / "state" / "incident-reenable")
    assert not ok
    said = state.step("restore.undo").hosts["db-1"].said()
    assert "flag new_checkout on db-1 reads 5, not 50 as this incident set it" in said, said
    assert (app / "flags").read_text() == "new_checkout=5\ndark_mode=0\n"


async def test_an_earlier_http_toggle_off_undo_leaves_a_later_re_enable_alone(
    sshd_server, service, tmp_path
):
    """The same through a flag service: A's undo PUT its saved JSON over B's 50 %."""
    config = http.configure(sshd_server, tmp_path, http.strategies(service, "25,50"))
    assert http.run(config, tmp_path, "checkout-off").returncode == 0
    assert http.run(config, tmp_path, "checkout-reenable").returncode == 0
    at_50 = {"enabled": True, "rollout": 50}
    assert service.flags == {"new_checkout": at_50, "dark_mode": at_50}

    a, b = (tmp_path / "state" / f"incident-checkout-{name}" for name in ("off", "reenable"))
    ok, state = await undo(config, a)
    assert not ok
    assert service.flags == {"new_checkout": at_50, "dark_mode": at_50}
    said = state.step("restore.undo").hosts["db-1"].said()
    assert (
        f"flag dark_mode at {service.url}/dark_mode reads"
        ' {"enabled": true, "rollout": 50}, not disabled as this incident set it:'
        " nothing to undo (the change since would be lost)"
    ) in said, said

    assert (await undo(config, b))[0]
    assert service.flags["new_checkout"] == http.OFF
    assert (await undo(config, a))[0]
    assert service.flags == {"new_checkout": http.ON, "dark_mode": {"enabled": True, "rollout": 5}}


async def test_an_http_re_enable_undo_leaves_a_flag_changed_since(sshd_server, service, tmp_path):
    """B re-enabled both flags to 50 %; dark_mode was taken down to 5 % since. B's undo
    refuses, and changes neither flag."""
    config = http.configure(sshd_server, tmp_path, http.strategies(service, "25,50"))
    service.flags = {"new_checkout": http.OFF, "dark_mode": http.OFF}
    assert http.run(config, tmp_path, "checkout-reenable").returncode == 0
    service.flags["dark_mode"] = {"enabled": True, "rollout": 5}

    ok, state = await undo(config, tmp_path / "state" / "incident-checkout-reenable")
    assert not ok
    said = state.step("restore.undo").hosts["db-1"].said()
    assert (
        f"flag dark_mode at {service.url}/dark_mode reads"
        ' {"enabled": true, "rollout": 5}, not enabled at 50 % as this incident set it'
    ) in said, said
    assert service.flags["new_checkout"] == {"enabled": True, "rollout": 50}
