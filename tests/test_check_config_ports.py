"""Every port in the configuration is checked where it is written: check-config refuses a
port nothing can connect to, in one line naming the file, the line and the key (exit 2).

Walked as a new user from `init` (helper-171): `{ name = "pg_port", default = "99999" }`
passed check-config ('ok') and was refused only by the precheck on the host; a
`jump_host = "...:99999"` was refused without its file and line (`error: app-2: jump host
...`); an http probe's `url = "http://127.0.0.1:70000/health"` passed, and every sample read
'Connection refused'."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console_process import console

STRATEGY_MARK = '  { name = "tables", default = "orders,customers" },'
HOST_MARK = 'name = "web-2"\n'
PROBE_MARK = (
    'command = "curl -fsS -o /dev/null http://127.0.0.1:8080/health && echo ok || echo down"\n'
)


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    ("file", "mark", "written", "key", "why"),
    [
        (
            "strategies.toml", STRATEGY_MARK, '  { name = "pg_port", default = "99999" },',
            "strategies[1].params[7].default", "the default '99999' is not a TCP port, 1 to 65535",
        ),
        (
            "strategies.toml", STRATEGY_MARK, '  { name = "pg_port", default = 0 },',
            "strategies[1].params[7].default", "the default '0' is not a TCP port, 1 to 65535",
        ),
        (  # not a port: a number's pattern, said in words ('matching [0-9]{1,6}' before)
            "strategies.toml", STRATEGY_MARK, '  { name = "wait_seconds", default = "ten" },',
            "strategies[1].params[7].default",
            "the default 'ten' is not a whole number of 1 to 6 digits",
        ),
        (  # ... and in the configuration's own words, where it gives them
            "strategies.toml", STRATEGY_MARK,
            '  { name = "wait_seconds", default = "ten", takes = "seconds, in digits" },',
            "strategies[1].params[7].default", "the default 'ten' is not seconds, in digits",
        ),
        (
            "inventory.toml", HOST_MARK, 'jump_host = "deploy@bastion:99999"',
            "systems[0].hosts[1].jump_host",
            "jump host 'deploy@bastion:99999': expected [user@]host[:port], a port from 1 to 65535",
        ),
        (
            "inventory.toml", PROBE_MARK,
            'kind = "http"\nurl = "http://{{address}}:70000/health"',
            "systems[0].probes[0].url", "its port '70000' is not a TCP port, 1 to 65535",
        ),
    ],
)  # fmt: skip
def test_a_port_nothing_can_connect_to_is_refused_where_it_is_written(
    tmp_path: Path, file: str, mark: str, written: str, key: str, why: str
) -> None:
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    path = target / file
    text = path.read_text()
    assert mark in text
    if mark == PROBE_MARK:  # the probe becomes an http one
        text = text.replace('kind = "command"                         # over SSH', "# ", 1)
        path.write_text(text.replace(mark, written + "\n", 1))
    else:
        path.write_text(text.replace(mark, mark + written + "\n", 1))
    result = console("check-config", str(target))
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    line = _line_of(path, written.splitlines()[-1])
    assert errors == [f"error: {path}:{line}: {key}: {why}"]


def test_a_port_given_at_run_time_is_refused_before_anything_is_recorded(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    result = console(
        "--config", str(target), "run", "--systems", "db", "--strategy", "orders-restore",
        "--trigger", "data-corruption", "--reason", "test", "--dry-run", "--param", "pg_port=65536",
    )  # fmt: skip
    assert result.returncode == 2, result.stdout
    assert "'65536' is not a TCP port, 1 to 65535" in result.stderr
