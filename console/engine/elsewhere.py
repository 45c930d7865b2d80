"""A strategy step with nothing to do in this incident (`console.model.elsewhere`) is
skipped, its reason recorded, in the console and headless."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.model.elsewhere import not_for

if TYPE_CHECKING:
    from console.engine.conductor import Conductor


def pass_over(conductor: Conductor, step_id: str) -> str | None:
    """Skip `step_id`, recording why, when it has nothing to do in this incident: the reason
    (None: it has, and nothing is recorded)."""
    why = not_for(conductor.settings, conductor.state, conductor.step(step_id))
    if why is not None and not conductor.state.step(step_id).status.finished:
        conductor.skip(step_id, why)
    return why
