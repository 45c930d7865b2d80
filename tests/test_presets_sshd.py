"""The host presets (releases, file flags, git) over real sshd through `rollback-console
run`, asserting on the host's files; undo through the engine, on the same journal."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from console.model.events import Kind
from console.ui.widgets.incident_rows import OUTCOME_WIDTH
from tests.fleet_settings import chown_tree
from tests.pgrig import run_console, undo, write_config

pytestmark = pytest.mark.sshd


def configure(sshd_server, tmp_path: Path, workdir: Path, strategies: str) -> Path:
    chown_tree(workdir, sshd_server.account.uid, sshd_server.account.gid)
    return write_config(tmp_path / "config", sshd_server, strategies, workdir, system="web")


def run(config: Path, tmp_path: Path, strategy: str, *params: str):
    return run_console(config, tmp_path / "state", strategy, *params, system="web")


FLAGS_FILE = '{ name = "flags_file", default = "flags" }'


def flags_off(*params: str) -> str:
    """strategies.toml: a feature-toggle-off named flags-off, preset file, with `params`."""
    return (
        '[[strategies]]\nname = "flags-off"\nkind = "feature-toggle-off"\npreset = "file"\n'
        f"params = [{', '.join(params)}]\n"
    )


async def test_releases_points_current_back_and_restarts_and_undo_returns(sshd_server, tmp_path):
    app = sshd_server.sandbox("app")
    for version in ("2.3.0", "2.4.0", "2.10.0"):
        (app / "releases" / version).mkdir(parents=True)
    (app / "current").symlink_to("releases/2.10.0")
    config = configure(
        sshd_server,
        tmp_path,
        app,
        """\
[[strategies]]
name = "rollback"
kind = "version-rollback"
params = [
  { name = "restart", default = "readlink current > restarted-on" },
  { name = "check", default = "test -s restarted-on" },
]
""",
    )

    outcome = run(config, tmp_path, "rollback")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert (app / "current").readlink() == Path("releases/2.4.0")  # version order, not text
    assert (app / "restarted-on").read_text() == "releases/2.4.0\n"
    assert (await undo(config, tmp_path / "state" / "incident-rollback"))[0]
    assert (app / "current").readlink() == Path("releases/2.10.0")
    assert (app / "restarted-on").read_text() == "releases/2.10.0\n"


async def test_file_flags_go_to_zero_and_undo_puts_them_back(sshd_server, tmp_path):
    app = sshd_server.sandbox("app")
    (app / "flags").write_text("new_checkout=100\nrecommendations=50\ndark_mode=0\n")
    flags = '{ name = "flags", default = "new_checkout,recommendations" }'
    config = configure(sshd_server, tmp_path, app, flags_off(flags, FLAGS_FILE))

    outcome = run(config, tmp_path, "flags-off")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert (app / "flags").read_text() == "new_checkout=0\nrecommendations=0\ndark_mode=0\n"
    assert (await undo(config, tmp_path / "state" / "incident-flags-off"))[0]
    assert (app / "flags").read_text() == "new_checkout=100\nrecommendations=50\ndark_mode=0\n"


def test_an_unknown_flag_is_refused_before_anything_changes(sshd_server, tmp_path):
    """Each flag is looked for by name: new_checkout on two lines of the file does not
    stand in for new_chekout (counted by lines, it did, and the toggle-off went on). The
    refusal names the flag missing and those the file has."""
    app = sshd_server.sandbox("app")
    before = "new_checkout=100\ndark_mode=0\nnew_checkout=100\n"
    (app / "flags").write_text(before)
    config = configure(sshd_server, tmp_path, app, flags_off(FLAGS_FILE))

    outcome = run(config, tmp_path, "flags-off", "flags=new_checkout,new_chekout")

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    assert (
        "no flag new_chekout in flags (its flags: new_checkout, dark_mode): nothing changed;"
        " check flags" in outcome.stdout
    )
    assert (app / "flags").read_text() == before


def test_a_flags_file_not_there_is_named_with_its_parameter(sshd_server, tmp_path):
    """A flags_file mistyped: the host's line names it, its parameter and where it was
    looked for, not awk's `cannot open`."""
    app = sshd_server.sandbox("app")
    config = configure(sshd_server, tmp_path, app, flags_off(FLAGS_FILE))

    outcome = run(config, tmp_path, "flags-off", "flags=new_checkout")

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    assert f"no readable flags file flags (flags_file) in {app}: nothing changed" in (
        outcome.stdout
    )


def test_a_flags_file_that_cannot_be_rewritten_fails_the_action(sshd_server, tmp_path):
    """The new file cannot be written beside the flags: the action fails there, saying
    so, rather than carry on to "disabled" and leave it to verify."""
    app = sshd_server.sandbox("app")
    conf = app / "conf"
    conf.mkdir()
    (conf / "flags").write_text("new_checkout=100\n")
    in_conf = '{ name = "flags_file", default = "conf/flags" }'
    config = configure(
        sshd_server,
        tmp_path,
        app,
        flags_off('{ name = "flags", default = "new_checkout" }', in_conf),
    )
    conf.chmod(0o555)  # readable, and nothing new can be written in it

    outcome = run(config, tmp_path, "flags-off")

    assert outcome.returncode == 1 and outcome.failed_stage() == "action", outcome.stdout
    assert "cannot rewrite conf/flags" in outcome.stdout + outcome.stderr
    assert "disabled: new_checkout" not in outcome.stdout
    assert (conf / "flags").read_text() == "new_checkout=100\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "safe.directory=*", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.strip()


def etc_repository(root: Path) -> Path:
    """An etckeeper-style repository: a good revision, then a bad one that adds a file."""
    repo = root / "etc"
    (repo / "nginx").mkdir(parents=True)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "ops@example.com")
    git(repo, "config", "user.name", "ops")
    (repo / "nginx/nginx.conf").write_text("worker_processes 4;\n")
    (repo / "hosts").write_text("127.0.0.1 localhost\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "good")
    (repo / "nginx/nginx.conf").write_text("worker_processes 0;\n")
    (repo / "nginx/extra.conf").write_text("include /nowhere;\n")
    (repo / "hosts").write_text("127.0.0.1 localhost\n10.0.0.9 db\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "bad delivery")
    return repo


def etc_restore(sshd_server, tmp_path: Path, root: Path, repo: Path, *params: str) -> Path:
    """A configuration whose `etc-restore` (git preset) restores `nginx` in `repo`."""
    given = "".join(f", {p}" for p in params)
    return configure(
        sshd_server,
        tmp_path,
        root,
        f'[[strategies]]\nname = "etc-restore"\nkind = "config-restore"\npreset = "git"\n'
        f'params = [{{ name = "repo", default = "{repo}" }}, {{ name = "paths", default = '
        f'"nginx" }}{given}]\n',
    )


async def test_git_restores_the_tracked_paths_as_a_commit_and_undo_returns(sshd_server, tmp_path):
    root = sshd_server.sandbox("host")
    repo = etc_repository(root)
    config = configure(
        sshd_server,
        tmp_path,
        root,
        f"""\
[[strategies]]
name = "etc-restore"
kind = "config-restore"
preset = "git"
params = [
  {{ name = "repo", default = "{repo}" }},
  {{ name = "paths", default = "nginx" }},
  {{ name = "restart", default = "cat etc/nginx/nginx.conf > restarted-with" }},
  {{ name = "check", default = "test -s restarted-with" }},
]
""",
    )

    outcome = run(config, tmp_path, "etc-restore")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert (repo / "nginx/nginx.conf").read_text() == "worker_processes 4;\n"
    assert not (repo / "nginx/extra.conf").exists()
    assert (repo / "hosts").read_text().endswith("10.0.0.9 db\n")  # not a tracked path here
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "log", "-n", "1", "--format=%s").startswith("rollback-console ")
    shown = [line for e in outcome.events if e.kind == Kind.COMMAND_OUTPUT for line in e.data.lines]
    assert "-worker_processes 0;" in shown and "+worker_processes 4;" in shown  # the diff
    # restart and check start in the workdir, as the docs say every command does
    assert (root / "restarted-with").read_text() == "worker_processes 4;\n"

    assert (await undo(config, tmp_path / "state" / "incident-etc-restore"))[0]
    assert (repo / "nginx/nginx.conf").read_text() == "worker_processes 0;\n"
    assert (repo / "nginx/extra.conf").exists()
    assert (root / "restarted-with").read_text() == "worker_processes 0;\n"
    assert git(repo, "rev-list", "--count", "HEAD") == "4"


def restored_then_edited(sshd_server, tmp_path: Path) -> tuple[Path, Path]:
    """`nginx` restored by etc-restore, then its nginx.conf edited by hand (not committed):
    the configuration and the repository."""
    root = sshd_server.sandbox("host")
    repo = etc_repository(root)
    config = etc_restore(sshd_server, tmp_path, root, repo)
    outcome = run(config, tmp_path, "etc-restore")
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    (repo / "nginx/nginx.conf").write_text("worker_processes 8;\n")
    return config, repo


async def test_git_undo_leaves_a_change_committed_since_the_restore(sshd_server, tmp_path):
    """After the restore, a hotfix was committed to the same paths (etckeeper commits every
    change): the undo committed the bad revision's content over it, the hotfix gone with
    no word. It refuses, naming what changed, and changes nothing."""
    config, repo = restored_then_edited(sshd_server, tmp_path)
    git(repo, "commit", "-q", "-am", "hotfix")

    ok, state = await undo(config, tmp_path / "state" / "incident-etc-restore")
    assert not ok
    said = state.step("restore.undo").hosts["db-1"].said()
    assert said.startswith("nginx changed since this incident restored them to "), said
    assert said.endswith("nothing to undo (the changes since would be lost)"), said
    assert (repo / "nginx/nginx.conf").read_text() == "worker_processes 8;\n"
    assert git(repo, "log", "-n", "1", "--format=%s") == "hotfix"


def re_enable_at_25_then_100(sshd_server, tmp_path: Path, check: str) -> tuple[Path, Path]:
    """A host whose flags file has new_checkout off, and a configuration whose `reenable`
    (file preset) brings it back at 25 then 100 %, running `check` after each step."""
    app = sshd_server.sandbox("app")
    (app / "flags").write_text("new_checkout=0\ndark_mode=0\n")
    params = [
        '{ name = "flags", default = "new_checkout" }',
        FLAGS_FILE,
        '{ name = "steps", default = "25,100" }',
        f'{{ name = "check", default = "{check}" }}',
    ]
    strategy = '[[strategies]]\nname = "reenable"\nkind = "feature-reenable"\npreset = "file"\n'
    return app, configure(
        sshd_server, tmp_path, app, strategy + f"params = [{', '.join(params)}]\n"
    )


def test_file_flags_come_back_step_by_step_with_a_health_check_between(sshd_server, tmp_path):
    app, config = re_enable_at_25_then_100(
        sshd_server, tmp_path, "grep new_checkout flags >> checked"
    )

    outcome = run(config, tmp_path, "reenable")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert (app / "flags").read_text() == "new_checkout=100\ndark_mode=0\n"
    assert (app / "checked").read_text() == "new_checkout=25\nnew_checkout=100\n"


def test_a_re_enable_never_lowers_a_flag_above_its_first_step(sshd_server, tmp_path):
    """Walked on a README fleet (helper 266): flags at 50 % (a rollout under way), the
    re-enable of steps 25,50,100 first set them to 25 %, the feature taken from half its
    users. The precheck now refuses, nothing changed, naming the flag and the parameter."""
    app, config = re_enable_at_25_then_100(sshd_server, tmp_path, "true")
    (app / "flags").write_text("new_checkout=50\ndark_mode=0\n")

    outcome = run(config, tmp_path, "reenable")

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    assert (
        "new_checkout reads 50 % in flags, above the first step, 25 % of steps 25,100: the"
        " re-enable would lower it first; nothing changed: give steps that start above it"
        " (steps)"
    ) in outcome.stdout
    assert (app / "flags").read_text() == "new_checkout=50\ndark_mode=0\n"


async def retried_in_one_incident(
    config: Path,
    tmp_path: Path,
    strategy: str,
    fix,
    params: dict[str, str] | None = None,
    system: str = "web",
) -> None:
    """One incident on `system`: the strategy step fails its check, `fix()` heals what the
    check reads, and the failed host is retried, as `t` does in the console."""
    from console.engine.conductor import Conductor
    from console.engine.ssh import SshPool
    from console.model.loading import load_settings
    from console.model.triggers import TriggerKind
    from tests.events_factory import recorder_in

    settings = load_settings(config)
    conductor = Conductor(settings, recorder_in(tmp_path / "one"), SshPool(settings.inventory.ssh))
    conductor.open_incident("retried", "inc-retried")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "test")
    conductor.select([system])
    conductor.choose_strategy(strategy, params or {})
    try:
        assert not await conductor.run_step("restore")  # the check fails once
        fix()
        assert await conductor.run_step("restore", only_hosts=["db-1"])
    finally:
        await conductor.shutdown()
        conductor.recorder.close()


def releases_app(sshd_server, tmp_path: Path, param: str) -> tuple[Path, Path]:
    """An `app` sandbox on releases 2.3.0, 2.4.0 and 2.10.0 (current), and a configuration
    whose version-rollback `rollback` takes `param`: (the sandbox, the configuration)."""
    app = sshd_server.sandbox("app")
    for version in ("2.3.0", "2.4.0", "2.10.0"):
        (app / "releases" / version).mkdir(parents=True)
    (app / "current").symlink_to("releases/2.10.0")
    strategy = f'[[strategies]]\nname = "rollback"\nkind = "version-rollback"\nparams = [{param}]\n'
    return app, configure(sshd_server, tmp_path, app, strategy)


async def test_releases_previous_never_goes_a_second_release_back(sshd_server, tmp_path):
    """`previous` is the release before `current`. A retry in the same incident (its check
    failed) stays on the release its rollback chose; a second incident is refused and
    names the way on (a named release). Before, each went one release further back."""
    app, config = releases_app(
        sshd_server, tmp_path, '{ name = "check", default = "test -e healthy" }'
    )

    await retried_in_one_incident(config, tmp_path, "rollback", (app / "healthy").touch)
    assert (app / "current").readlink() == Path("releases/2.4.0")

    again = run(config, tmp_path, "rollback")
    assert again.refused(), again.stdout  # nothing to do there: exit 3, not failed
    assert "already rolled back to 2.4.0 (from 2.10.0, incident inc-retried)" in again.stdout
    assert (app / "current").readlink() == Path("releases/2.4.0")

    further = run(config, tmp_path / "further", "rollback", "target=2.3.0")
    assert further.returncode == 0, further.stdout + further.stderr
    assert (app / "current").readlink() == Path("releases/2.3.0")


async def test_releases_named_target_retried_after_a_failed_restart_restarts_it(
    sshd_server, tmp_path
):
    """Seen on a real fleet at 80x24: with `target=1.4.1` named, the restart failed after
    the link moved ("a retry restarts it"), and the retry (t) was refused at the precheck,
    "already on 1.4.1: nothing to roll back": the host was never restarted. A retry in the
    same incident checks its own rollback again, as with `previous`."""
    restart = '{ name = "restart", default = "test -e fixed && readlink current > on" }'
    app, config = releases_app(sshd_server, tmp_path, restart)

    def fix() -> None:
        (app / "fixed").touch()

    await retried_in_one_incident(config, tmp_path, "rollback", fix, {"target": "2.3.0"})
    assert (app / "current").readlink() == Path("releases/2.3.0")
    assert (app / "on").read_text() == "releases/2.3.0\n"  # the retry restarted it

    again = run(config, tmp_path, "rollback", "target=2.3.0")  # another incident
    assert again.refused(), again.stdout
    assert "already on 2.3.0: nothing to roll back" in again.stdout


async def test_releases_undo_of_an_earlier_incident_leaves_a_later_rollback_alone(
    sshd_server, tmp_path
):
    """Incident A rolled 2.10.0 back to 2.4.0, then incident B took it on to 2.3.0. A's undo
    read the one release-from file B had rewritten and pointed current at 2.4.0: B's undo
    run from A's journal, while A's own record said 2.10.0 was back. Now A's undo refuses
    while the link is not where A left it; once B is undone, A's undo returns to 2.10.0."""
    app = sshd_server.sandbox("app")
    for version in ("2.3.0", "2.4.0", "2.10.0"):
        (app / "releases" / version).mkdir(parents=True)
    (app / "current").symlink_to("releases/2.10.0")
    config = configure(
        sshd_server, tmp_path, app, '[[strategies]]\nname = "rollback"\nkind = "version-rollback"\n'
    )
    first = run(config, tmp_path / "a", "rollback")
    assert first.returncode == 0, first.stdout + first.stderr
    later = run(config, tmp_path / "b", "rollback", "target=2.3.0")
    assert later.returncode == 0, later.stdout + later.stderr
    assert (app / "current").readlink() == Path("releases/2.3.0")

    a, b = (tmp_path / name / "state" / "incident-rollback" for name in ("a", "b"))
    ok, state = await undo(config, a)
    assert not ok
    assert (app / "current").readlink() == Path("releases/2.3.0")
    said = state.step("restore.undo").hosts["db-1"].said()
    assert "points at 2.3.0, not 2.4.0 where this incident's rollback left it" in said, said
    # The home screen's list does not say A was undone, nor that its undo failed: it was
    # refused on its one host, nothing changed there (it read "↶ undo failed"); and
    # `rollback-console list` says it as the home screen does (it said nothing of it).
    assert listed(config, a).endswith(", an undo refused since")
    assert listed(config, a, OUTCOME_WIDTH) == "↶ undo refused"
    assert listed_line(config, a).endswith(" rolled back and verified, an undo refused since")

    assert (await undo(config, b))[0]
    assert (app / "current").readlink() == Path("releases/2.4.0")
    assert (await undo(config, a))[0]
    assert (app / "current").readlink() == Path("releases/2.10.0")
    assert listed(config, a).endswith(", undone since")
    assert listed_line(config, a).endswith(" rolled back and verified, undone since")
    # At 80 columns the undo is what is said: it read `↶ rolled …`, the undo cut off.
    assert listed(config, a, OUTCOME_WIDTH) == "↶ undone since"


def listed(config: Path, incident: Path, width: int = 80) -> str:
    """How the home screen's list says the incident at `incident` ended."""
    from console.engine.session import Engine
    from console.model.loading import load_settings
    from console.ui.widgets.incident_rows import _outcome

    found = Engine(load_settings(config), incident.parent).incidents()
    return _outcome(next(i for i in found if i.path.parent == incident), width)


def listed_line(config: Path, incident: Path) -> str:
    """The incident's state, as `rollback-console list` says it: its first line, cut
    before the title."""
    from console.cli.listing import _lines
    from console.engine.session import Engine
    from console.model.loading import load_settings

    found = Engine(load_settings(config), incident.parent).incidents()
    summary = next(i for i in found if i.path.parent == incident)
    return _lines(summary)[0].removesuffix(f"  {summary.title}")


async def test_git_previous_never_undoes_a_restore(sshd_server, tmp_path):
    """`previous` is the revision before the last commit on the paths; once a restore is
    that commit, it would put the bad delivery back (seen on a real fleet: a second run
    restored 'worker_processes 0' everywhere). A retry in the same incident checks the
    restore again without another commit; a second incident is refused."""
    root = sshd_server.sandbox("host")
    repo = etc_repository(root)
    config = etc_restore(
        sshd_server, tmp_path, root, repo, '{ name = "check", default = "test -e healthy" }'
    )

    await retried_in_one_incident(config, tmp_path, "etc-restore", (root / "healthy").touch)
    assert (repo / "nginx/nginx.conf").read_text() == "worker_processes 4;\n"
    assert git(repo, "rev-list", "--count", "HEAD") == "3"  # one restore commit

    again = run(config, tmp_path, "etc-restore")
    assert again.refused(), again.stdout  # nothing to do there: exit 3, not failed
    assert "nginx already restored to" in again.stdout and "(incident inc-retried)" in again.stdout
    assert (repo / "nginx/nginx.conf").read_text() == "worker_processes 4;\n"
    assert git(repo, "rev-list", "--count", "HEAD") == "3"


async def test_git_named_revision_retried_after_a_failed_check_checks_it_again(
    sshd_server, tmp_path
):
    """As with the releases' named target: with `revision` named, a restore whose check
    failed was retried in the same incident and refused at the precheck, "nginx already
    match ...: nothing to restore", its restart and check never run again. A retry of this
    incident's own restore checks it again; another incident is still refused."""
    root = sshd_server.sandbox("host")
    repo = etc_repository(root)
    good = git(repo, "rev-parse", "HEAD~1")
    config = etc_restore(
        sshd_server, tmp_path, root, repo, '{ name = "check", default = "test -e healthy" }'
    )
    fix = (root / "healthy").touch
    await retried_in_one_incident(config, tmp_path, "etc-restore", fix, {"revision": good})
    assert (repo / "nginx/nginx.conf").read_text() == "worker_processes 4;\n"
    assert git(repo, "rev-list", "--count", "HEAD") == "3"  # one restore commit

    again = run(config, tmp_path, "etc-restore", f"revision={good}")
    assert again.refused(), again.stdout
    assert "nginx already match" in again.stdout and "nothing to restore" in again.stdout


async def test_file_flags_undo_after_a_retry_puts_back_what_was_there_first(sshd_server, tmp_path):
    """A retry in the same incident (the check failed once) copies the flags file again:
    before, that copy held the incident's own 0, so undo "succeeded" and left the flag
    off. Now the copy is made once per incident; undo puts back only the named flags (a
    flag changed since, by hand or by another incident, stays); a second incident finds
    nothing to disable and is refused at the precheck."""
    app = sshd_server.sandbox("app")
    (app / "flags").write_text("new_checkout=100\ndark_mode=50\n")
    flags = '{ name = "flags", default = "new_checkout" }'
    check = '{ name = "check", default = "test -e healthy" }'
    config = configure(sshd_server, tmp_path, app, flags_off(flags, FLAGS_FILE, check))

    await retried_in_one_incident(config, tmp_path, "flags-off", (app / "healthy").touch)
    assert (app / "flags").read_text() == "new_checkout=0\ndark_mode=50\n"

    again = run(config, tmp_path, "flags-off")
    assert again.refused(), again.stdout  # nothing to do there: exit 3, not failed
    assert "new_checkout already read 0 in flags: nothing to disable" in again.stdout

    (app / "flags").write_text("new_checkout=0\ndark_mode=0\n")  # another change since
    ok, _ = await undo(config, tmp_path / "one" / "journal.jsonl")
    assert ok
    assert (app / "flags").read_text() == "new_checkout=100\ndark_mode=0\n"


async def test_a_retried_re_enable_is_undone_to_off(sshd_server, tmp_path):
    """The check fails at 100 %; the retry's precheck copied the file at 100 % over the
    copy taken at 0, and undo then left the feature fully on. Now undo turns it off."""
    check = "grep new_checkout flags >> checked; grep -q =25 flags || test -e healthy"
    app, config = re_enable_at_25_then_100(sshd_server, tmp_path, check)

    await retried_in_one_incident(config, tmp_path, "reenable", (app / "healthy").touch)
    assert (app / "flags").read_text() == "new_checkout=100\ndark_mode=0\n"
    assert (app / "checked").read_text().count("new_checkout=25") == 2  # from the first step

    again = run(config, tmp_path, "reenable")
    assert again.refused(), again.stdout  # nothing to do there: exit 3, not failed
    assert "new_checkout already read 100 in flags: nothing to re-enable" in again.stdout

    ok, _ = await undo(config, tmp_path / "one" / "journal.jsonl")
    assert ok
    assert (app / "flags").read_text() == "new_checkout=0\ndark_mode=0\n"


def test_a_re_enable_refused_on_one_host_holds_the_other_saying_why(sshd_server, tmp_path):
    """db-2's flag is on already: its precheck refuses (nothing to re-enable) while db-1
    passes the 25 % stage and is held there. Before, the held reason read a bare
    "refused"; now it names the host and what its precheck said."""
    app, config = re_enable_at_25_then_100(sshd_server, tmp_path, "true")
    other = sshd_server.sandbox("other")
    (other / "flags").write_text("new_checkout=100\ndark_mode=0\n")
    chown_tree(other, sshd_server.account.uid, sshd_server.account.gid)
    with (config / "inventory.toml").open("a") as inventory:
        inventory.write(
            f'\n[[systems.hosts]]\nname = "db-2"\naddress = "127.0.0.1"\n'
            f'port = {sshd_server.server.port}\nworkdir = "{other}"\n'
        )

    outcome = run(config, tmp_path, "reenable")

    said = "new_checkout already read 100 in flags: nothing to re-enable"
    (held,) = [e.data for e in outcome.events if e.kind == Kind.ROLLOUT_HELD]
    assert (held.hosts, held.percent) == (["db-1"], 25), outcome.stdout
    assert held.reason == f"the precheck refused db-2 ({said})"
    assert f"held at 25 % on 1 host (stage 1 of 2): the precheck refused db-2 ({said})" in (
        outcome.stdout
    )
    assert (app / "flags").read_text() == "new_checkout=25\ndark_mode=0\n"
    assert (other / "flags").read_text() == "new_checkout=100\ndark_mode=0\n"
    # Held, not failed: no host failed, and the held one goes on with the next stage.
    completed = next(
        e.data
        for e in outcome.events
        if e.kind == Kind.STEP_COMPLETED and e.where.step == held_step(outcome)
    )
    assert completed.status == "held"
    assert completed.summary == (
        f"held at 25 % on 1 host (stage 1 of 2): the precheck refused db-2 ({said})"
    )


def held_step(outcome) -> str:
    return next(e.where.step for e in outcome.events if e.kind == Kind.ROLLOUT_HELD)


def test_an_unknown_flag_is_refused_before_a_re_enable(sshd_server, tmp_path):
    """The re-enable's precheck went on past the unknown flag (its copy came after) and the
    rollout began; now it refuses, as the toggle-off's does."""
    app = sshd_server.sandbox("app")
    (app / "flags").write_text("new_checkout=0\n")
    config = configure(
        sshd_server,
        tmp_path,
        app,
        '[[strategies]]\nname = "reenable"\nkind = "feature-reenable"\npreset = "file"\n'
        f"params = [{FLAGS_FILE}]\n",
    )

    outcome = run(config, tmp_path, "reenable", "flags=new_chekout")

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    assert "no flag new_chekout in flags (its flags: new_checkout)" in outcome.stdout
    assert (app / "flags").read_text() == "new_checkout=0\n"


def test_git_previous_on_a_repository_of_one_commit_says_there_is_nothing_before(
    sshd_server, tmp_path
):
    """A repository whose paths have only their first commit: the host's line says so in
    words, with that commit, not a bare 'nothing before <40 hex digits>'."""
    root = sshd_server.sandbox("host")
    repo = root / "etc"
    (repo / "nginx").mkdir(parents=True)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "ops@example.com")
    git(repo, "config", "user.name", "ops")
    (repo / "nginx/nginx.conf").write_text("worker_processes 4;\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    config = etc_restore(sshd_server, tmp_path, root, repo)

    outcome = run(config, tmp_path, "etc-restore")

    assert outcome.returncode == 1, outcome.stdout + outcome.stderr
    first = git(repo, "log", "-n", "1", "--format=%h first")
    assert (  # it read 'nginx have no revision before', of one path as of many (walked)
        f"no revision of nginx before {first}, the first commit: nothing to go back to;"
        " name the revision to restore"
    ) in outcome.stdout


async def test_git_undo_leaves_a_change_made_by_hand_since_and_not_committed(sshd_server, tmp_path):
    """After the restore, someone edited the restored file by hand and did not commit it:
    the undo compared commits only, and its `git restore` wrote the bad revision over the
    edit, which was lost with no word. It refuses, naming the file, and changes nothing."""
    config, repo = restored_then_edited(sshd_server, tmp_path)
    head = git(repo, "rev-parse", "HEAD")

    ok, state = await undo(config, tmp_path / "state" / "incident-etc-restore")
    assert not ok
    said = state.step("restore.undo").hosts["db-1"].said()
    assert said.startswith("uncommitted changes in nginx since this incident restored"), said
    assert said.endswith("nothing undone (they would be lost)"), said
    assert (repo / "nginx/nginx.conf").read_text() == "worker_processes 8;\n"
    assert git(repo, "rev-parse", "HEAD") == head


def test_releases_restart_failing_says_the_link_is_already_switched(sshd_server, tmp_path):
    """A failed restart after the link moved read only 'restart failed: CMD': the host
    failed, and nothing said that `current` already pointed at the older release."""
    app = sshd_server.sandbox("app")
    for version in ("2.3.0", "2.4.0"):
        (app / "releases" / version).mkdir(parents=True)
    (app / "current").symlink_to("releases/2.4.0")
    strategies = (
        '[[strategies]]\nname = "rollback"\nkind = "version-rollback"\n'
        'params = [{ name = "restart", default = "exit 7" }]\n'
    )
    config = configure(sshd_server, tmp_path, app, strategies)

    outcome = run(config, tmp_path, "rollback")

    assert outcome.returncode == 1, outcome.stdout + outcome.stderr
    assert (app / "current").readlink() == Path("releases/2.3.0")
    said = outcome.stdout + outcome.stderr
    assert "restart failed: exit 7 (" in said and "already points at 2.3.0" in said, said
