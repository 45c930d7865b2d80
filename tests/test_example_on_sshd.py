"""The shipped example, as a new user meets it on a real OpenSSH fleet: `init`, point the
hosts at the fleet, then check-config, run --dry-run, run, export and exec (its dry run
too) all succeed, with the example's `[redact]` pattern masking records only. And a
typed parameter that looks like an option is refused before any host is contacted."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from console.journal.export.inert import cell
from tests import sshd as _sshd
from tests.console_process import console
from tests.fleet_settings import chown_tree
from tests.hooks import ACCEPTED, OK

pytestmark = pytest.mark.sshd

# The example's commands restart a service and ask it for its health: on the test
# account these stand in for systemctl, sudo and curl. The jump host gets none: its status
# update goes to a Slack webhook (a loopback HTTP server), which needs nothing installed.
SHIMS = {
    "systemctl": '#!/bin/sh\n[ "$1" = is-active ] && echo active\nexit 0\n',
    "sudo": '#!/bin/sh\nwhile [ "${1#-}" != "$1" ]; do shift; done\nexec "$@"\n',  # -n too
    "curl": "#!/bin/sh\necho ok\n",
}
SLACK_PATH = "/services/T0001/B0002/XXXXsecretXXXX"
SECRET_REASON = "password=Hunter2-leaked seen in the logs"


@pytest.fixture
def fleet(tmp_path, sshd_account):
    """One sshd whose sessions find the shims first on PATH, and two release trees."""
    shims = _sshd.account_dir(sshd_account, "shims")
    for name, body in SHIMS.items():
        (shims / name).write_text(body)
        (shims / name).chmod(0o755)
    key, public = _sshd.make_client_key(tmp_path)
    server = _sshd.start_sshd(
        tmp_path / "sshd",
        sshd_account,
        authorized_keys=[public],
        extra_config=f"SetEnv PATH={shims}:/usr/bin:/bin",
    )
    trees = {}
    for host in ("web-1", "web-2"):
        tree = _sshd.account_dir(sshd_account, host)
        for release in ("1.0", "1.1"):
            (tree / "releases" / release).mkdir(parents=True)
        (tree / "current").symlink_to("releases/1.1")
        chown_tree(tree, sshd_account.uid, sshd_account.gid)
        trees[host] = tree
    known_hosts = _sshd.write_known_hosts(tmp_path / "known_hosts", [server])
    try:
        yield server, key, known_hosts, trees, shims
    finally:
        server.stop()
        for path in [shims, *trees.values()]:
            subprocess.run(["rm", "-rf", str(path)], check=False, timeout=30)


def _point_at_fleet(config: Path, server, key: Path, known_hosts: Path, trees) -> None:
    """What README tells a new user to edit: the SSH defaults and each host's address."""
    inventory = config / "inventory.toml"
    text = inventory.read_text()
    text = text.replace(
        "[ssh]\n",
        f'[ssh]\nuser = "{server.user}"\nknown_hosts = "{known_hosts}"\n'
        f'identity_files = ["{key}"]\nuse_ssh_config = false\n',
        1,
    )
    for host, old in (("web-1", "10.1.0.11"), ("web-2", "10.1.0.12")):
        text = text.replace(
            f'address = "{old}"',
            f'address = "127.0.0.1"\nport = {server.port}\nworkdir = "{trees[host]}"',
            1,
        )
    inventory.write_text(text)


def _with_pagerduty(config: Path, url: str) -> None:
    """What the example's comments offer: its PagerDuty channel uncommented and added to
    the status update's channels, here sent to `url`."""
    procedure = config / "procedure.toml"
    text = procedure.read_text()
    assert text.count('\nchannels = ["incidents"]\n') == 1, "the example moved: say it here"
    text = text.replace('\nchannels = ["incidents"]\n', '\nchannels = ["incidents", "oncall"]\n')
    block = '# [[channels]]\n# name = "oncall"\n# kind = "pagerduty"'
    assert block in text, "the example's PagerDuty channel moved: say it here"
    start = text.index(block)
    end = text.index("#\n", start)
    uncommented = re.sub(r"(?m)^# ?", "", text[start:end])
    procedure.write_text(text[:start] + uncommented + f'url = "{url}"\n' + text[end + 2 :])


def soak_briefly(config: Path) -> None:
    """The verify step's readings 0.5 s apart, not the example's 10 s (20 s of waiting in
    each run, where its 3 rounds pass all the same): for a run that judges something else.
    The walk of the example (test_init_then_check_dry_run_run_export_exec_on_a_real_fleet)
    checks and dry-runs it as shipped first."""
    procedure = config / "procedure.toml"
    text = procedure.read_text()
    assert text.count("\ninterval = 10.0\n") == 1, "the example's soak moved: say it here"
    procedure.write_text(text.replace("\ninterval = 10.0\n", "\ninterval = 0.5\n"))


def test_init_then_check_dry_run_run_export_exec_on_a_real_fleet(fleet, hooks, tmp_path):
    server, key, known_hosts, trees, _shims = fleet
    env = {
        **os.environ,
        "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state"),
        "DEPLOY_TOKEN": "tok-from-the-environment",
        "SLACK_WEBHOOK_URL": hooks.on(SLACK_PATH, OK),
    }
    config = tmp_path / "mine"
    assert console("init", str(config), env=env, cwd=tmp_path).returncode == 0
    _point_at_fleet(config, server, key, known_hosts, trees)
    env["PAGERDUTY_ROUTING_KEY"] = "R0UTINGKEY0123456789ABCDEFGHIJKL"
    _with_pagerduty(config, hooks.on("/v2/enqueue", ACCEPTED))

    checked = console("check-config", str(config), env=env, cwd=tmp_path)
    assert checked.returncode == 0 and ": ok: " in checked.stdout, checked.stderr

    run = ["--config", str(config), "--systems", "web", "--strategy", "version-rollback"]
    run += ["--trigger", "user-impact", "--reason", SECRET_REASON, "--yes"]
    dry = console("run", *run, "--dry-run", env=env, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert f"cd -- {trees['web-1']} || exit 97\ntouch deploy.lock" in dry.stdout
    assert server.accepted_connections() == 0  # a dry run connects to nothing

    soak_briefly(config)  # checked and dry-run as shipped; its 20 s of soak prove no more
    done = console("run", *run, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rolled back and verified" in done.stdout
    for tree in trees.values():
        assert os.readlink(tree / "current") == "releases/1.0"
        assert (tree / "deploy.lock").exists()
    journal = re.search(r"journal (\S+)", done.stdout).group(1)

    exported = console("export", journal, env=env, cwd=tmp_path)
    assert exported.returncode == 0 and "User impact assessment" in exported.stdout
    # who said yes to the commands and hosts shown: a manual step's alone was said
    restored = "**Restore previous version** — done: 2 succeeded; confirmed by --yes (headless)"
    assert restored in exported.stdout, exported.stdout
    # The status update posted is the message the document says was sent; the webhook's
    # URL, the secret, is in no record.
    posted, closed = hooks.at(SLACK_PATH)  # the update, then the close's
    assert closed.body["text"].endswith(" closed: rolled back and verified"), closed.body
    # Each host's step is the one that rolled it back, not the stability check's reading
    # of its state again ('verify', seen), in the update and the document alike.
    pages = [e.body.get("payload", {}).get("custom_details", {}) for e in hooks.at("/v2/enqueue")]
    [hosts] = [page["hosts"] for page in pages if page.get("step") == "communicate"]
    assert [hosts[h]["step"] for h in trees] == ["restore", "restore"], hosts
    assert "| web-1 | ✔ succeeded | – | Restore previous version |" in exported.stdout
    phases = [f["text"] for b in (posted, closed) for f in b.body["blocks"][1]["fields"][1:2]]
    assert phases == ["*Phase*\nexecution", "*Phase*\nclosed"], phases  # not execution
    sent = posted.body["text"]
    assert sent.startswith(Path(journal).parent.name + " (execution): User impact"), sent
    assert f"| incidents (slack) | info | {cell(sent)} | delivered" in exported.stdout

    # exec, with the example's [redact] pattern matching the typed command: the host
    # gets it as typed (the marker file holds the password); the records the mask.
    typed = "echo password=Hunter2-leaked > exec-marker; readlink current"
    exec_args = ["exec", "--config", str(config), "--systems", "web", typed]
    exec_dry = console(*exec_args, "--dry-run", env=env, cwd=tmp_path)
    assert exec_dry.returncode == 0, exec_dry.stderr
    assert "echo «redacted» > exec-marker" in exec_dry.stdout and "Hunter2" not in exec_dry.stdout
    ran = console(*exec_args, env=env, cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.count("releases/1.0") == 2, ran.stdout
    for tree in trees.values():
        assert (tree / "exec-marker").read_text() == "password=Hunter2-leaked\n"

    journals = sorted((tmp_path / "state").glob("incidents/*/journal.jsonl"))
    assert len(journals) == 2  # the run's and the exec's
    records = exported.stdout + done.stdout + exec_dry.stdout + ran.stdout + ran.stderr
    records += "".join(path.read_text() for path in journals)
    assert "Hunter2-leaked" not in records and "tok-from-the-environment" not in records
    assert "XXXXsecretXXXX" not in records
    assert all("«redacted»" in path.read_text() for path in journals)


def test_a_path_that_looks_like_an_option_never_reaches_a_host(fleet, tmp_path):
    """`ls -d {{dir}}` with dir=--version would run `ls -d --version`: refused, naming the
    parameter and what it takes, before any connection (sshd logs no session). Both values
    on one fleet and one configuration, each run and dry run checked as it ends."""
    server, key, known_hosts, trees, _ = fleet
    config = tmp_path / "mine"
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    assert console("init", str(config), env=env, cwd=tmp_path).returncode == 0
    _point_at_fleet(config, server, key, known_hosts, trees)
    with (config / "strategies.toml").open("a") as strategies:
        strategies.write(
            '\n[[strategies]]\nname = "list-dir"\nkind = "custom"\n\n'
            '[[strategies.params]]\nname = "dir"\ntype = "path"\ndefault = "releases"\n\n'
            '[strategies.commands]\naction = "ls -d {{dir}}"\n'
        )
    inventory = config / "inventory.toml"
    inventory.write_text(
        inventory.read_text().replace(
            'strategies = ["version-rollback"]', 'strategies = ["version-rollback", "list-dir"]', 1
        )
    )
    assert console("check-config", str(config), env=env, cwd=tmp_path).returncode == 0
    run = ["--config", str(config), "--systems", "web", "--strategy", "list-dir"]
    run += ["--trigger", "user-impact", "--reason", "option injection", "--yes"]
    for value in ("--version", "-rf"):
        for extra in ([], ["--dry-run"]):
            param = ["--param", f"dir={value}"]
            refused = console("run", *run, *param, *extra, env=env, cwd=tmp_path)
            assert refused.returncode == 2, refused.stdout + refused.stderr
            assert f"parameter 'dir': {value!r} starts with '-'" in refused.stderr
            assert "allowed: a path" in refused.stderr
            assert server.accepted_connections() == 0
            assert "session" not in server.log().lower()
            assert not list((tmp_path / "state").glob("incidents/*")), "a refusal opens no incident"


def test_the_example_status_update_without_its_webhook_still_lets_the_run_pass(fleet, tmp_path):
    """The example's status update used `mail`, absent on most jump hosts: a walk on a
    plain Debian jump host saw it fail (tried 4 times), the run's last step failed. It
    posts to a Slack webhook now, which needs nothing installed; with the variable unset,
    check-config warns of it, and the run passes, saying the update was not delivered and
    why."""
    server, key, known_hosts, trees, _shims = fleet
    env = {k: v for k, v in os.environ.items() if k != "SLACK_WEBHOOK_URL"}
    env |= {"ROLLBACK_CONSOLE_STATE": str(tmp_path / "state"), "DEPLOY_TOKEN": "tok"}
    config = tmp_path / "mine"
    assert console("init", str(config), env=env, cwd=tmp_path).returncode == 0
    _point_at_fleet(config, server, key, known_hosts, trees)
    soak_briefly(config)

    checked = console("check-config", str(config), env=env, cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "$SLACK_WEBHOOK_URL is not set here" in checked.stderr

    run = ["--config", str(config), "--systems", "web", "--strategy", "version-rollback"]
    done = console("run", *run, "--trigger", "user-impact", "--reason", "r", "--yes", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("sending an info notification via incidents") == 1, done.stdout
    *_, heading, missed, close_missed, last = done.stdout.splitlines()
    unset = "NOT DELIVERED (warning) — not sent: environment variable SLACK_WEBHOOK_URL"
    assert (heading, missed, close_missed) == (
        "status updates not delivered:",
        f"  communicate: notification via incidents: {unset} (url_env) is not set",
        f"  communicate: status update #2 via incidents: {unset} (url_env) is not set",
    )
    assert "rolled back and verified" in last
