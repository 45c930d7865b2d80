"""The document's "Before → after" says why an after is missing, never "–". Walked from
init on real sshd: a strategy that moved `current` on both hosts and then failed, never
verified; the table read `| release | 1.1 | – | both hosts |`, a dash a reader takes for
"nothing", beside hosts the action had changed."""

from __future__ import annotations

import pytest

from tests.console_process import console
from tests.init_custom import init_with, run_flip
from tests.test_example_on_sshd import fleet  # noqa: F401

pytestmark = pytest.mark.sshd

FAILING = """
[[strategies]]
name = "flip-release"
kind = "custom"

[strategies.commands]
action = 'ln -sfn releases/1.0 current && echo "deploytool: cache warm failed" >&2 && exit 1'
verify = 'test "$(readlink current)" = releases/1.0'
undo = "ln -sfn releases/1.1 current"
"""


def test_an_after_never_read_says_not_verified(fleet, hooks, tmp_path):  # noqa: F811
    config, env = init_with(fleet, hooks, tmp_path, FAILING)
    done, journal = run_flip(config, env)
    assert done.returncode == 1, done.stdout + done.stderr

    document = console("export", journal, env=env).stdout
    table = document.split("Before → after", 1)[1].split("\n\n", 2)[1]
    assert "| release | 1.1 | not verified | both hosts |" in table, table
    assert "| – |" not in table, table
