"""A strategy step's confirmation says what it sends, with which values, before anything
else: above its commands the strategy, where it runs, the value resolved or checked on the
hosts and the parameters chosen, however many; below them its waves, its failure
threshold, its stages and its description (seen at 80x24: those filled the first screen,
the parameters fell on its last row, an edited `restart=sleep 15` unseen)."""

from datetime import UTC, datetime
from types import SimpleNamespace

from console.model.kinds import RunsOn
from console.model.loading import load_settings
from console.model.set_aside import aside_in
from console.paths import demo_config, example_config
from console.ui.screens.run_said import strategy_text


def test_a_canary_strategy_says_its_waves_and_threshold():
    strategy = load_settings(example_config()).strategy("version-rollback")
    chosen = {"target": "1.4.2", "restart": ""}
    said = strategy_text(strategy, chosen, hosts=3, undo=False)
    assert said.first.plain.splitlines() == [
        "Strategy: version-rollback",
        "With (2): target=1.4.2, restart=(empty)",  # an empty value is said, not left blank
    ]
    assert said.then.plain.splitlines() == [
        "Waves: 2 waves, of 1 and 2 hosts, your yes before each next one",  # a canary, the rest
        "Failures: no more hosts start once over 25% have failed",
        # as the picker and the checklist say it: `current` in bold, not its backticks
        "Does: Point current at the previous release and restart the service",
    ]
    does = said.then.spans[-1]
    assert said.then.plain[does.start : does.end] == "current" and does.style == "bold"


def test_a_gradual_strategy_says_its_threshold_by_its_waves_not_its_stages():
    """The threshold is about hosts starting: it read as a clause of the "Stages:" line,
    where "25 %" could also split across two lines at 80 columns."""
    strategy = (
        load_settings(demo_config()).strategy("feature-reenable").replace(max_fail_percentage=25)
    )
    lines = strategy_text(strategy, {}, hosts=3, undo=False).then.plain.splitlines()
    assert lines[:2] == [
        "Waves: all 3 at once",
        "Failures: no more hosts start once over 25% have failed",
    ]
    assert lines[2].startswith("Stages: ") and "failed" not in lines[2]


def test_an_undo_says_what_its_commands_do_on_every_host_at_once():
    """Not the strategy's description and parameters: they say where the action went
    (`alembic downgrade` to a target), and the undo goes back up."""
    strategy = load_settings(example_config()).strategy("orders-schema-down")
    said = strategy_text(strategy, {"target": "-1"}, hosts=2, undo=True)
    assert said.first.plain.splitlines() == ["Undoes: orders-schema-down (migration-reversal)"]
    assert said.then.plain.splitlines() == [
        "Waves: all 2 at once",
        "Does: its undo migrates the schema up again on each host, to where this incident's"
        " reversal began; the data its down migrations dropped does not come back",
    ]


def test_a_migration_undo_of_the_configurations_own_says_what_the_action_changed():
    """The demo's reversal undoes with a command of its own (it puts its kept database
    back): nothing is said of down migrations it does not run."""
    strategy = load_settings(demo_config()).strategy("migration-reversal")
    said = strategy_text(strategy, {}, hosts=1, undo=True).then.plain
    assert said.splitlines()[-1] == "Does: its undo puts back what the action changed on each host"


def test_a_restore_undo_says_what_its_hosts_answered_it_sets_aside():
    """The hosts' answers (pg_undo.py's UNDO_WEIGH), above the commands; where it sets
    nothing aside, what it does there instead, in the host's words."""
    strategy = load_settings(example_config()).strategy("orders-restore")
    asides = {
        "db-1": aside_in("sets aside xacts=2 wal=592 in=/d.undone-i: 2 transactions wrote since"),
        "db-2": aside_in("sets aside nothing: an earlier undo put it back: the undo starts it"),
    }
    said = strategy_text(strategy, {}, hosts=2, undo=True, asides=asides)
    assert said.first.plain.splitlines()[1] == (
        "Sets aside: db-1: 2 transactions wrote since: it goes aside with the restored data"
        " directory to /d.undone-i, not merged back; db-2: nothing: an earlier undo put it"
        " back: the undo starts it"
    )
    assert said.then.plain.splitlines()[-1] == (
        "Does: its undo puts back the data the recovery replaced on the others, bad data"
        " included, and puts nothing back on db-2: an earlier undo put it back: the undo starts it"
    )


def test_the_undo_of_a_recovery_says_it_brings_the_replaced_data_back():
    """Walked at 80x24: u on an orders-replay step read only "puts back what the action
    changed", as if a clean-up; it puts back the data the recovery replaced, bad data and
    all."""
    settings = load_settings(example_config())
    for name in ("orders-restore", "orders-replay", "orders-pitr"):
        text = strategy_text(settings.strategy(name), {}, hosts=1, undo=True).then.plain
        assert text.splitlines()[-1] == (
            "Does: its undo puts back the data the recovery replaced on each host, bad data"
            " included"
        )


def test_the_undo_of_a_recovery_not_finished_everywhere_says_what_it_does_there():
    """Where the restore's action did not finish (cut short once it had stopped the
    cluster), the undo starts that cluster again rather than put data back: said per host."""
    settings = load_settings(example_config())
    said = strategy_text(
        settings.strategy("orders-restore"), {}, hosts=3, undo=True, unfinished=["db-3"]
    )
    assert said.then.plain.splitlines()[-1] == (
        "Does: its undo puts back the data the recovery replaced where the recovery finished,"
        " bad data included; its action did not finish on db-3: where it stopped the cluster"
        " and replaced nothing, its undo starts that cluster again on its own data; where it"
        " replaced the data, it puts that back, bad data included"
    )


def test_a_host_supplied_looking_value_is_shown_inert():
    strategy = load_settings(example_config()).strategy("version-rollback")
    text = strategy_text(strategy, {"target": "1.0\x1b[2J"}, hosts=1, undo=False).first.plain
    assert "\x1b" not in text and "With: target=1.0" in text


def test_a_strategy_run_on_the_jump_host_says_so():
    """The http preset's commands run here, once per host, with the console's environment
    (its token): the confirmation said only "Run ... on 3 host(s)?" above a shell that
    names no host's (seen walking feature-toggle-off/http at 80x24)."""
    strategy = (
        load_settings(example_config())
        .strategy("version-rollback")
        .replace(runs_on=RunsOn.JUMP_HOST)
    )
    text = strategy_text(strategy, {}, hosts=3, undo=False).first.plain
    assert (
        "Runs on: this jump host, in the console's environment, once for each host; nothing"
        " is sent to the hosts"
    ) in text.splitlines()


def test_an_undo_run_on_the_jump_host_says_it_puts_back_from_here():
    """Walked at 80x24: the undo of an http re-enable (the flag service's flags, from the
    jump host) said it 'puts back what the action changed on each host' under 'nothing
    is sent to the hosts'."""
    strategy = (
        load_settings(example_config())
        .strategy("version-rollback")
        .replace(runs_on=RunsOn.JUMP_HOST)
    )
    said = strategy_text(strategy, {}, hosts=2, undo=True)
    assert (
        said.then.plain.splitlines()[-1]
        == "Does: its undo puts back what the action changed from here, once for each host"
    )
    assert "nothing is sent to the hosts" in said.first.plain.splitlines()[1]


def test_the_values_come_before_how_it_goes_however_many():
    """postgres-pitr's 14 parameters, counted, above its commands with the strategy, where
    it runs and what it recovers to; its waves, threshold and description below them."""
    strategy = (
        load_settings(example_config())
        .strategy("orders-pitr")
        .replace(max_fail_percentage=25, runs_on=RunsOn.JUMP_HOST)
    )
    chosen = {p.name: p.default or "" for p in strategy.params}
    said = strategy_text(strategy, chosen, hosts=2, undo=False)
    assert [line.split(":")[0] for line in said.first.plain.splitlines()] == [
        "Strategy",
        "Runs on",
        f"With ({len([v for v in chosen.values() if v])})",  # a default left empty: unsaid
    ]
    assert [line.split(":")[0] for line in said.then.plain.splitlines()] == [
        "Waves",
        "Failures",
        "Does",
    ]
    assert len(chosen) == 15  # lock_timeout since


def test_a_retry_of_one_host_says_one_wave_and_no_threshold():
    """Walked at 80x24 on a README fleet of 3 sshd hosts: t on the one host that failed
    read "Waves: all 1 at once" and "Failures: no more hosts start once over 25% have
    failed", with no other host to start."""
    strategy = load_settings(example_config()).strategy("version-rollback")
    lines = strategy_text(strategy, {}, hosts=1, undo=False).then.plain.splitlines()
    assert lines[0] == "Waves: 1 host, one wave"
    assert not [line for line in lines if line.startswith("Failures:")], lines


def test_a_default_left_empty_is_not_said_and_the_record_names_the_empty_once():
    """Walked on 200 sshd hosts from `init`: the confirmation read `With (6): target=2.10.0;
    defaults: current=current, restart=true, check=test -d current/, check_wait=30,
    running=(empty)`, and every `chose the strategy:` line of `run`, the timeline and the
    document ended `running=(empty))` (a config restore's `content=(empty)` likewise): a
    default nobody set, nothing checked. The confirmation leaves it out; the record names
    the empty ones together at the end."""
    from console.journal.event_phrases import strategy as chose
    from console.model.payloads import StrategyChosen

    strategy = load_settings(example_config()).strategy("version-rollback")
    chosen = {"target": "2.10.0", **{p.name: p.default or "" for p in strategy.params[1:]}}
    assert chosen["running"] == ""
    with_ = strategy_text(strategy, chosen, hosts=3, undo=False).first.plain.splitlines()[-1]
    assert "running" not in with_ and "(empty)" not in with_, with_
    assert with_.startswith(f"With ({len(chosen) - 1}): target=2.10.0; defaults: "), with_
    written = SimpleNamespace(ts=datetime.now(UTC))  # an event of a journal written since
    line = chose(StrategyChosen(strategy=strategy.name, params=chosen), written)  # type: ignore[arg-type]
    assert "(empty)" not in line and line.endswith("; empty: running)"), line


def test_a_value_named_outright_is_said_checked_and_previous_resolved():
    """`Resolved: target=2.9.1 checked: every host has it` read as if 2.9.1 were what
    something symbolic stood for: a value named outright is checked on the hosts."""
    strategy = load_settings(example_config()).strategy("version-rollback")
    named = "target=2.9.1 is there on every host (web-1, web-2: release 2.10.0 to 2.9.1)"
    said = strategy_text(strategy, {"target": "2.9.1"}, 2, False, resolved=named, checked=True)
    assert said.first.plain.splitlines()[1] == f"Checked: {named}"
    previous = "target=previous is 2.9.1 (web-1, web-2: release 2.10.0 to 2.9.1)"
    said = strategy_text(strategy, {"target": "2.9.1"}, 2, False, resolved=previous)
    assert said.first.plain.splitlines()[1] == f"Resolved: {previous}"
