"""Between waves, or a gradual strategy's stages, that say `confirm`: the commander says
whether the next one starts, and the answer goes into the record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from console.model.status import HostStatus
from console.model.step_state import StepState, undoes
from console.model.waves import hosts_said, named_some
from console.ui.probes_now import latest_readings, probes_now

if TYPE_CHECKING:
    from rich.text import Text

    from console.engine.reading import Reading
    from console.ui.screens.dialogs import ConfirmDialog
    from console.ui.step_host import StepHost


async def confirm_next(
    app: StepHost, step_id: str, what: str, done: int, total: int, hosts: Sequence[str] = ()
) -> bool:
    """Between waves (or a gradual strategy's stages) that say `confirm`: the
    commander says whether the next one starts (the next wave's `hosts`); the answer,
    and who gave it, go into the record. No, or Esc, stops here: the later hosts are not
    started."""
    conductor = app.conductor
    assert conductor is not None  # a step of it is running
    who = conductor.state.commander or app.engine.actor.login
    question = next_question(app, step_id, what, done, total, hosts)
    go_on = bool(await app.push_screen_wait(question))
    conductor.questions.answered(what, done, total, go_on, who)
    return go_on


def next_question(
    app: StepHost, step_id: str, what: str, done: int, total: int, hosts: Sequence[str] = ()
) -> ConfirmDialog:
    """The question between waves or stages: stopping, the safe answer, is focused (Enter
    gives it, as in every confirmation of the console, and the dialog says so); going on
    takes y. The next wave's `hosts` are named (waves of different sizes: `sizes`)."""
    from console.ui.screens.dialogs import ConfirmDialog

    conductor = app.conductor
    assert conductor is not None  # a step of it is running
    undone = undoes(step_id)
    title = f"Undo: {conductor.step(undone).title}" if undone else conductor.step(step_id).title
    if what == "stage":  # every host is in every stage: stopping leaves them at this one
        at = _stage_values(app, step_id)
        this, after = (at[done - 1], at[done]) if len(at) > done else ("?", "?")
        hosts, left = _stage_counts(conductor.state.step(step_id), at[done + 1 :])
        question = (
            f"Stage {done} of {total} ({this}) of “{title}” has finished: {hosts} at {this}."
            f"\nStart stage {done + 1} of {total} ({after}): {hosts} from {this} to"
            f" {after}, {left}? Stop here, and every host is held at {this}"
            f" (a retry of the step goes on with stage {done + 1})."
        )
    else:
        question = (
            f"Wave {done} of {total} of “{title}” has finished"
            f"{_wave_result(conductor.state.step(step_id), what, done)}."
            f"{_wave_probed(app, step_id, done)}\nStart wave"
            f" {done + 1} of {total}{f' ({hosts_said(hosts, 3)})' if hosts else ''}? Stop"
            " here, and the hosts of later waves are not"
            f" started ({_go_on(app, step_id)} to go on)."
        )

    def now() -> Text | None:  # as they read when asked, and again as they read again
        return probes_now(_step_readings(app, step_id), width=_dialog_width(app))

    title = f"{what.capitalize()} {done} of {total} done"
    return ConfirmDialog(title, question, f"Start {what} {done + 1}", "Stop here", now(), now)


def _dialog_width(app: StepHost) -> int:
    """The columns inside a dialog (app.tcss `.dialog`: 70 wide at most 95%, a thick border
    and a padding of 1 each side)."""
    return min(70, app.screen.size.width * 95 // 100) - 4


def _go_on(app: StepHost, step_id: str) -> str:
    """How the hosts of later waves are taken on after a stop: a step is retried; an
    undo, from the execution screen (its retry takes them; the checklist's undo takes
    every host the step changed again)."""
    if undoes(step_id) is None:
        return "retry the step"
    return f"{app.key_label('execution.retry')} on the execution screen retries the undo"


def _step_readings(app: StepHost, step_id: str) -> list[Reading]:
    """The latest readings of the probes of the step's systems (those of every host its
    runs named, the later waves' too): the live watcher's, or the conductor's round read
    after a stage, whichever is newer. Seen: a canary on web, the next wave on web and
    api, and api's probe, bad, left out of the table (api had no host run yet)."""
    conductor = app.conductor
    assert conductor is not None
    state = conductor.state
    step = state.step(step_id)
    where = {h: r.system for h, r in step.hosts.items()} | state.hosts
    named = [where.get(h) for h in [*step.targets, *step.hosts]]
    inventory = conductor.settings.inventory
    systems = inventory.in_order(s for s in named if s) or list(state.systems)
    return latest_readings([app.live.watcher, conductor.watcher], systems)


def _wave_probed(app: StepHost, step_id: str, done: int) -> str:
    """What the probes read after the wave on the hosts whose change succeeded so far
    (`wave.probed`; the table under the question shows the whole system, hosts not rolled
    back yet too): ` Probes on web-1, web-2 (succeeded so far): healthy, web/errors =
    0.01.`, or that none reads them alone (an HTTP probe of one URL)."""
    from console.model.outcome import named
    from console.model.payloads import WaveProbed, WaveStarted

    conductor = app.conductor
    assert conductor is not None
    for event in reversed(conductor.recorder.events.actions):
        d = event.data
        if isinstance(d, WaveStarted) and event.where.step == step_id:
            return ""  # this run read none after this wave
        if isinstance(d, WaveProbed) and event.where.step == step_id:
            if d.wave != done:
                return ""
            if not d.hosts:  # every host so far refused (nothing to do there), or failed
                return " No host succeeded so far: no probe judged the wave."
            if not d.probes:
                return f" No probe reads {named(d.hosts)} alone: none judged the wave."
            read = ", ".join(f"{k} = {p.get('shown')}" for k, p in d.probes.items())
            # not "changed": a host that failed after its change (a restart) is changed too,
            # and is not judged
            return f" Probes on {named(d.hosts)} (succeeded so far): healthy, {read}."
    return ""


def _stage_values(app: StepHost, step_id: str) -> list[str]:
    """A gradual strategy's stages as shown ("25%": a figure and its unit never split
    across two lines of a wrapped question), from the parameters chosen."""
    from console.model.kinds import STRATEGY_KINDS

    conductor = app.conductor
    assert conductor is not None
    state = conductor.state
    name = conductor.step(step_id).strategy or state.strategy
    strategy = conductor.settings.strategy(name) if name else None
    stepping = STRATEGY_KINDS[strategy.kind].stepping if strategy else None
    if strategy is None or stepping is None:
        return []
    values = stepping.values(strategy.values_in(state.strategy, state.params))
    return [f"{v}{stepping.unit}" for v in values]


def _stage_counts(st: StepState, later: list[str]) -> tuple[str, str]:
    """(`3 hosts`, `then 2 stages left (50%, 100%)`): the hosts the stage took, and the
    stages after the next. It asked "Start stage 2 of 4 (25%)?" alone: how many hosts
    it takes, and how far the rollout then is from its end, unsaid. (Asked only once every
    host of the stage passed it: they all go on.)"""
    passed = sum(r.status is HostStatus.SUCCEEDED for r in st.hosts.values())
    hosts = f"{passed} host{'' if passed == 1 else 's'}"
    if not later:
        return hosts, "the last stage"
    return (
        hosts,
        f"then {len(later)} stage{'' if len(later) == 1 else 's'} left ({', '.join(later)})",
    )


def _wave_result(st: StepState, what: str, number: int) -> str:
    """`: 2 ok, 1 failed (web-3)` for a finished wave; nothing for a gradual stage."""
    wave = st.waves.get(number) if what == "wave" else None
    if not wave:
        return ""
    runs = {h: st.hosts[h].status for h in wave.get("hosts", []) if h in st.hosts}
    ok = sorted(h for h, s in runs.items() if s is HostStatus.SUCCEEDED)
    # refused at the precheck: nothing to do there (rolled back already), nothing changed
    refused = sorted(h for h, s in runs.items() if s is HostStatus.REFUSED)
    bad = sorted(set(runs) - set(ok) - set(refused))
    said = [f": {len(ok)} ok"]
    said += [f"{len(bad)} did not succeed{_named(bad)}"] if bad or not refused else []
    said += [_refused_said(st, refused)] if refused else []
    return ", ".join(said)


def _refused_said(st: StepState, refused: list[str]) -> str:
    """`1 refused at the precheck, nothing changed there (web-1: already rolled back to 1.1
    ...)`: why, since going on is the question. Seen: '0 ok, 1 needed nothing (web-1)' of a
    canary its precheck refused as rolled back already by an earlier incident (a drill's),
    and y took the other hosts to the same refusal: nothing rolled back."""
    from console.model.alike import grouped

    why = st.refused()
    groups = grouped({h: why.get(h, "nothing to do") for h in refused})
    each = "; ".join(f"{named_some(h, 3)}: {reason}" for h, reason in groups)
    return f"{len(refused)} refused at the precheck, nothing changed there ({each})"


def _named(hosts: list[str]) -> str:
    return f" ({', '.join(hosts[:5])}{', …' if len(hosts) > 5 else ''})" if hosts else ""
