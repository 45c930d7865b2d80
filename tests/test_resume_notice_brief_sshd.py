"""The resume's notice leaves the grid to the hosts: walked at 80x24 on a README fleet of
200 real sshd hosts named like `checkout-frontend-eu-west-1b-prod-002`, a `run` killed
mid-wave (SIGKILL) left 64 hosts unknown, and the console resuming it showed 'Outcome
unknown on ... verify (v) before retrying (r). Before this resume, rollback-console run
pid ... ended without closing it or letting go (killed, or crashed) ...' for 30 s, 14 of
the 24 rows beside the checklist and over the execution screen's grid once v ran, all of
it but how the run ended said by the banner above ('? UNKNOWN ... v verify them · r retry
only them'). It now stays as long as a notice of its kind (RESUMED_SAID); the banner says
the hosts and the keys as long as they are unknown. Real sshd, a real `run` killed,
resumed at 80x24."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.engine.session import Engine
from console.model.loading import load_settings
from console.ui.app import make_app
from console.ui.widgets.mode_banner import ModeBanner
from tests.test_terminal_closed import _let_go
from tests.test_ui_support import until
from tests.test_verify_many_hosts_sshd import killed_mid_restart

pytestmark = pytest.mark.sshd


async def test_the_resumed_notice_goes_and_the_banner_stays(sshd_server, tmp_path: Path):
    fleet, journal = killed_mid_restart(sshd_server, tmp_path)
    engine = Engine.build(load_settings(fleet.config))
    app = make_app(engine.settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: any(n.title == "Resumed" for n in app._notifications))
            [notice] = [n for n in app._notifications if n.title == "Resumed"]
            assert notice.message.startswith("Outcome unknown on checkout-frontend"), notice
            assert "Before this resume, rollback-console run pid " in notice.message, notice
            assert notice.timeout <= 10, notice.timeout  # on main: 30 s over the grid
            banner = str(app.screen.query_one(ModeBanner).render())
            assert banner.startswith(" ? UNKNOWN  checkout-frontend-eu-west-1"), banner
            assert "v verify them (the step's verify, those hosts only) · r retry" in banner
    finally:
        await _let_go(app, engine)
