"""The assessment's hosts, a line per value, fit 80 columns whatever their names: walked
at 80x24 on a README fleet of 200 real sshd hosts named like
`checkout-frontend-eu-west-1b-prod-002`, the verify's reassessment read `64:
checkout-frontend-eu-we` on three rows and `1: checkout-frontend-eu-wes` on three more,
the names cut at the screen's edge where every one reads alike (the rest reachable only by
scrolling the table sideways, a key the footer does not show). The names are now cut in
their middle, apart from the other hosts' (`1: checkout-f…a-prod-012`), one name where
two leave too little. Real sshd, the follow view at 80x24."""

from __future__ import annotations

from tests.test_steps_sshd import pytestmark
from tests.test_ui_assess_one_host import assessed_at_80

__all__ = ["pytestmark"]

NAMES = [f"checkout-frontend-eu-west-1{'abc'[n % 3]}-prod-{n:03d}" for n in range(1, 13)]


async def test_long_host_names_fit_cut_apart(sshd_server, tmp_path):
    cells, wide, _ = await assessed_at_80(sshd_server, tmp_path, NAMES)
    assert not wide, wide  # on main: 131 cells wide in 76, the names cut at the edge
    at = next(i for i, row in enumerate(cells) if row[0].endswith("release"))
    most, odd_one = cells[at][2], cells[at + 1][2]
    assert most.startswith("11: checkout") and most.endswith(" +10"), cells
    assert "…" in most and "-prod-001" in most, cells  # cut in its middle, its end kept
    assert odd_one.startswith("1: checkout") and odd_one.endswith("-prod-012"), cells
