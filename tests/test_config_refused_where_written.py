"""A configuration refused where it is written, in words: a mistyped name on the command
line (the closest one offered), a misspelt kind, a placeholder where none is filled, a
number written as a string, an empty list or text, a redact pattern matching nothing."""

from __future__ import annotations

import os
import shutil

import pytest

from console.cli import main
from console.model.problems import quoted
from console.paths import demo_config
from tests.console_process import console


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (["--strategy", "versoin-rollback"], "unknown strategy 'versoin-rollback' (did you mean"),
        (["--systems", "webb"], "unknown system 'webb' (did you mean 'web'?)"),
        (["--param", "tagret=2.4.0"], "has no parameter 'tagret' (did you mean 'target'?)"),
    ],
)
def test_a_mistyped_name_on_the_command_line_gets_the_closest_one(change, said, capsys):
    args = {"--systems": "web", "--strategy": "version-rollback"}
    argv = ["run", "--config", str(demo_config()), "--trigger", "user-impact", "--reason", "r"]
    if change[0] in args:
        args[change[0]] = change[1]
    else:
        argv += change
    argv += [part for pair in args.items() for part in pair]
    for extra in (["--dry-run"], []):
        assert main([*argv, "--yes", *extra]) == 2
        assert said in capsys.readouterr().err


def test_an_integer_default_written_as_a_toml_integer_runs(tmp_path):
    """`{ name = "pg_port", default = 5432 }`, as the docs' `integer` type suggests, was
    refused ("Input should be a valid string"); it is the parameter's digits, checked
    as an integer and sent shell-quoted like any value."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    strategies = target / "strategies.toml"
    text = strategies.read_text()
    marker = '  { name = "tables", default = "orders,customers" },'
    assert marker in text
    strategies.write_text(
        text.replace(marker, marker + '\n  { name = "pg_port", default = 5433 },')
    )
    result = console("check-config", str(target))
    assert result.returncode == 0, result.stderr
    dry = console(
        "--config", str(target), "run", "--systems", "db", "--strategy",
        "orders-restore", "--trigger", "data-corruption", "--reason", "test", "--dry-run",
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert "export PGPORT=5433 " in dry.stdout


def test_a_misspelt_kind_is_one_line_not_also_missing_commands(tmp_path):
    """init's strategies take their commands from their kind's preset: a misspelt kind
    brings none, and its 'commands: is required' was a second line sending the user to
    write commands the right kind brings."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    strategies = target / "strategies.toml"
    text = strategies.read_text()
    strategies.write_text(text.replace('kind = "version-rollback"', 'kind = "version-rollbak"', 1))
    result = console("check-config", str(target))
    assert result.returncode == 2
    line = (
        text.splitlines().index(
            next(ln for ln in text.splitlines() if ln.startswith('kind = "version-rollback"'))
        )
        + 1
    )
    assert result.stderr.splitlines() == [
        f"error: {strategies}:{line}: strategies[0].kind: 'version-rollbak' is not one of:"
        " version-rollback, migration-reversal, config-restore, feature-toggle-off,"
        " feature-reenable, backup-restore, log-replay, point-in-time, custom"
        " (did you mean 'version-rollback'?)"
    ]


def test_a_placeholder_in_a_strategy_description_is_refused_where_it_is_written(tmp_path):
    """A description is shown as written (the run's confirmation, the document): the
    confirmation read 'Does: Swap a marker for {{host}}', never filled in."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    strategies = target / "strategies.toml"
    text = strategies.read_text()
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("description"))
    first = text.split("description = ", 1)
    strategies.write_text(first[0] + 'description = "Swap a marker for {{host}}"\n#' + first[1])
    result = console("check-config", str(target))
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {strategies}:{line}: strategies[0].description: {{{{host}}}} is never filled"
        " in a description, which is shown as written; say it in words\n"
    )


def test_a_notification_command_with_a_placeholder_inside_quotes_is_refused(tmp_path):
    """Walked: a command channel `echo "mail {{incident}}: {{message}}" >> FILE`, and a
    run declared with the reason 'checkout 500s $(touch F) `id`': the jump host created F
    and the mail read 'uid=0(root) ...'. Each value is shell-quoted as it is filled in,
    so quotes around a placeholder hand it back to the shell. check-config refuses it,
    at its line, saying how to write it; outside the quotes it is accepted, and so is a
    value that is always a plain word (the incident id) inside them."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    procedure = target / "procedure.toml"
    base = procedure.read_text()
    channel = '\n[[channels]]\nname = "mailer"\nkind = "command"\ncommand = \'{}\'\n'
    procedure.write_text(base + channel.format('echo "mail: {{message}}" >> /tmp/x'))
    result = console("check-config", str(target))
    line, index = base.count("\n") + 5, base.count("\n[[channels]]")
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"error: {procedure}:{line}: channels[{index}].command: {{{{message}}}} is inside"
        ' "..." quotes: its value is shell-quoted already, and inside quotes the shell'
        " would run what it holds ($(...), `...`) and show the quotes; close the quotes"
        ' before it: echo "status: "{{message}}\n'
    )
    # Outside the quotes; a plain word (an id, a name) reads the same inside them.
    procedure.write_text(base + channel.format('echo "mail {{incident}}: "{{message}} >> /x'))
    assert console("check-config", str(target)).returncode == 0


def test_a_number_written_as_a_string_is_refused_where_it_is_written(tmp_path):
    """`port = "22"` is TOML text, not the integer the key takes (check-config
    guarantees every value has its type, and the schema says integer): one line naming
    file, line and key, exit 2, for check-config and every command alike; it was taken
    as the number 22."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    inventory = target / "inventory.toml"
    text = inventory.read_text().replace('\ntags = ["eu-west", "canary"]', '\nport = "22"', 1)
    inventory.write_text(text.replace("connect_timeout = 10.0", 'connect_timeout = "10"'))
    lines = inventory.read_text().splitlines()
    port_line = lines.index('port = "22"') + 1
    timeout_line = next(n for n, line in enumerate(lines, 1) if "connect_timeout" in line)
    for command in (
        ("check-config", str(target)),
        ("exec", "--config", str(target), "--systems", "web", "--dry-run", "true"),
    ):
        result = console(*command)
        assert result.returncode == 2, result.stderr
        assert result.stderr == (
            f"error: {inventory}:{timeout_line}: ssh.connect_timeout: '10' is a string:"
            " write a number, without quotes\n"
            f"error: {inventory}:{port_line}: systems[0].hosts[0].port: '22' is a string:"
            " write an integer, without quotes\n"
        ), command


def test_an_empty_list_or_text_is_said_in_words_not_pydantics(tmp_path):
    """Every strategy commented out of strategies.toml read "strategies: List should have at
    least 1 item after validation, not 0", and an empty title "String should have at least
    1 character": pydantic's words. One line each, naming file and key, exit 2."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    strategies = target / "strategies.toml"
    strategies.write_text("".join(f"# {line}\n" for line in strategies.read_text().splitlines()))
    procedure = target / "procedure.toml"
    procedure.write_text(
        procedure.read_text().replace('title = "Halt current delivery process"', 'title = ""', 1)
    )
    title_line = procedure.read_text().splitlines().index('title = ""') + 1
    for command in (
        ("check-config", str(target)),
        ("exec", "--config", str(target), "--systems", "web", "--dry-run", "true"),
    ):
        result = console(*command)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.splitlines()
        assert lines == [
            f"error: {procedure}:{title_line}: phases[1].steps[0].title: must not be empty",
            f"error: {strategies}: strategies: needs at least 1 entry, has none",
        ], command


@pytest.mark.parametrize("pattern", ["x*", "(?i)", "^", r"\b"])
def test_a_redact_pattern_that_can_match_empty_text_is_refused(tmp_path, pattern):
    """`[redact] patterns = ["x*"]` was accepted: it matched empty text between every two
    characters, and `run` wrote `«redacted»w«redacted»e«redacted»b«redacted»` for `web`
    in the journal, then ended in an internal error (KeyError). One line, exit 2, from
    check-config and from every command, before anything is recorded."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    written = f"[redact]\npatterns = ['AKIA[0-9A-Z]{{16}}', '{pattern}']\n"
    (config / "console.toml").write_text(written)
    want = (
        f"error: {config / 'console.toml'}:2: redact.patterns[1]: {quoted(pattern)} can match"
        " empty text: every record would be masked between each two characters; make it"
        " match at least one character"
    )
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    checked = console("check-config", str(config), cwd=tmp_path, env=env)
    assert (checked.returncode, checked.stderr.splitlines()) == (2, [want])
    argv = ["run", "--config", str(config), "--systems", "web", "--strategy"]
    argv += ["version-rollback", "--trigger", "user-impact", "--reason", "r", "--yes"]
    ran = console(*argv, cwd=tmp_path, env=env)
    assert (ran.returncode, ran.stderr.splitlines()) == (2, [want])
    assert not list((tmp_path / "state").rglob("journal.jsonl"))
