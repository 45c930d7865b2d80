"""A gradual re-enable's close is refused in the words its close dialog offers: walked at
80x24 on two real sshd hosts, a re-enable held at 5 % (its next stage not confirmed), F7
offered 'Re-enabled, not verified' and 'Partially re-enabled', and choosing the first was
refused as 'closing as “rolled back, not verified” needs every host rolled back (not
rolled back: web-1, web-2): close as partially rolled back, or finish the steps first',
naming outcomes the dialog did not have."""

from __future__ import annotations

import pytest

from console.engine.errors import ProcedureError
from console.model.outcome import Outcome
from tests.cli_fleet import Fleet, flag_incident
from tests.test_strategy_chosen_after_run import fleet  # noqa: F401

pytestmark = pytest.mark.sshd


async def test_a_held_re_enable_is_refused_in_its_own_words(fleet: Fleet) -> None:  # noqa: F811
    async with flag_incident(fleet) as conductor:
        assert await conductor.run_step("restore")  # the toggle-off, then the re-enable
        conductor.choose_strategy("reenable", {})

        async def no(what: str, done: int, of: int, hosts) -> bool:
            return False  # Esc: held at 5 %

        conductor.confirm_wave = no
        await conductor.run_step("restore")
        assert conductor.state.step("restore").held is not None
        with pytest.raises(ProcedureError) as refused:
            conductor.close(Outcome.UNVERIFIED, reason="checked by hand")
        assert str(refused.value) == (
            "closing as “re-enabled, not verified” needs every host re-enabled (not"
            " re-enabled: app-1, app-2): close as partially re-enabled, or finish the steps"
            " first"
        )
        with pytest.raises(ProcedureError) as refused:
            conductor.close(Outcome.ROLLED_BACK)
        assert str(refused.value).startswith(
            "the record does not show every host re-enabled and verified (not re-enabled:"
            " app-1, app-2"
        ), refused.value
        assert str(refused.value).endswith(
            ": close as partially re-enabled, or finish the steps first"
        )
        with pytest.raises(ProcedureError, match=r"^closing as “partially re-enabled” needs"):
            conductor.close(Outcome.PARTIAL)
        with pytest.raises(ProcedureError, match=r"^closing as “re-enabled, not verified” needs"):
            conductor.close(Outcome.UNVERIFIED)
    assert set(fleet.written("flags").values()) == {"new_checkout=5\n"}
