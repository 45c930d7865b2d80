"""The question between waves (or a gradual strategy's stages) that say `confirm`, and
its answer, each journalled: the record shows the console stopped to ask (also if it
died waiting), who answered, and how long it waited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from console.engine.run_plan import AskBetween, BetweenWaves
from console.journal.recorder import Recorder
from console.model.events import Kind


class Questions:
    def __init__(self, recorder: Recorder):
        self.recorder = recorder
        self._asked: tuple[str, float] | None = None  # the step asked about, and when

    def asking(self, step_id: str, confirm: BetweenWaves | None) -> AskBetween | None:
        """`confirm`, its question journalled first (`wave.asked`, a stage's with the
        share it set and the next one's); the asker journals the answer (`answered`)."""
        if confirm is None:
            return None

        async def ask(
            what: str,
            done: int,
            total: int,
            hosts: Sequence[str] = (),
            shares: tuple[int | float, int | float] | None = None,
        ) -> bool:
            self._asked = (step_id, self.recorder.clock.monotonic())
            starts: dict[str, Any] = {"hosts": list(hosts)} if hosts else {}  # a stage: all
            if shares is not None:
                starts |= {"percent": shares[0], "next_percent": shares[1]}
            self.recorder.record(
                Kind.WAVE_ASKED, step=step_id, what=what, done=done, of=total, **starts
            )
            return await confirm(what, done, total, hosts)

        return ask

    def answered(self, what: str, done: int, total: int, go_on: bool, by: str) -> None:
        """Journal the answer to the question asked last, and how long it waited."""
        now = self.recorder.clock.monotonic()
        step_id, at = self._asked or (None, now)
        self.recorder.record(
            Kind.WAVE_ANSWERED,
            step=step_id,
            what=what,
            done=done,
            of=total,
            go_on=go_on,
            by=by,
            waited=max(0.0, round(now - at, 3)),
        )
