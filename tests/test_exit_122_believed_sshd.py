"""Exit status 122 ("rolled back": its transaction undone, nothing changed) is believed of
the console's own SQL wrapper alone. Walked from init on real sshd: a custom strategy
whose tool moved `current` and then exited 122 by its own meaning ("cache warm failed")
was counted unchanged on both hosts: `run` named no undo, and `undo` refused, 'changed
no host (... or their transactions rolled back): nothing to undo', with both hosts on the
release the action had put there."""

from __future__ import annotations

import os

import pytest

from tests.console_process import console
from tests.init_custom import init_with, run_flip
from tests.test_example_on_sshd import fleet  # noqa: F401

pytestmark = pytest.mark.sshd

CUSTOM = """
[[strategies]]
name = "flip-release"
kind = "custom"
description = "Our own deploy tool's rollback"

[strategies.commands]
action = 'ln -sfn releases/1.0 current && echo "deploytool: cache warm failed (code 122)" >&2 && exit 122'
verify = 'test "$(readlink current)" = releases/1.0'
undo = "ln -sfn releases/1.1 current"
"""


def test_a_custom_action_that_exits_122_may_have_changed_its_hosts(fleet, hooks, tmp_path):  # noqa: F811
    trees = fleet[3]
    config, env = init_with(fleet, hooks, tmp_path, CUSTOM)
    done, journal = run_flip(config, env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert {os.readlink(t / "current") for t in trees.values()} == {"releases/1.0"}
    said = "“Restore previous version” may have changed web-1, web-2 (their actions failed"
    assert said in done.stdout, done.stdout

    exported = console("export", journal, env=env)
    assert "may have changed the host (its action failed there), and no undo ran" in (
        exported.stdout
    ), exported.stdout

    undone = console("undo", journal, "restore", "--config", str(config), "--yes", env=env)
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert {os.readlink(t / "current") for t in trees.values()} == {"releases/1.1"}
