"""The command line as a user meets it: --version and --help load nothing heavy, every
command and option says what it does, with examples and exit codes; `schema` prints what
editors need; --log writes a debug log with no secret in it."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from console.cli import HANDLERS, main
from console.cli.parser import EXIT_CODES, build_parser
from console.cli.subcommands import DRILL_EXIT_CODES, FORMATS
from console.journal.export import EXPORT_FORMATS

HEAVY = ("textual", "asyncssh", "pydantic", "aiohttp")
# ... and resume, which is refused (3) while another console holds the incident's systems.
WITH_VERDICT = (
    "run", "exec", "probe", "check-config", "import-ansible", "resume", "undo", "verify"
)  # fmt: skip


def loaded_after(*argv: str) -> list[str]:
    """The heavy packages a fresh interpreter has imported after `rollback-console ARGV`."""
    code = (
        "import sys\n"
        "from console.cli import main\n"
        "try:\n"
        f"    main({list(argv)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        # a None entry blocks an import (console/__init__.py's asyncssh X.509): not loaded
        f"print(sorted({{m.split('.')[0] for m, v in sys.modules.items() if v}}"
        f" & {set(HEAVY)!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))


@pytest.mark.parametrize(
    "argv", [("--version",), ("--help",), ("run", "--help"), ("completion", "bash")]
)
def test_version_help_and_completion_import_nothing_heavy(argv):
    assert loaded_after(*argv) == []


def test_the_version_answers_from_a_real_process():
    done = subprocess.run(
        [sys.executable, "-m", "console", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.startswith("rollback-console 0.")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_option_and_handler_is_documented():
    parsers = subcommands()
    assert set(parsers) | {None} == set(HANDLERS)
    assert EXIT_CODES in build_parser().epilog
    for name, parser in parsers.items():
        assert parser.description and len(parser.description) > 40, name
        assert parser.epilog.startswith("examples:\n  rollback-console ") or name == "serve", name
        # each command with a verdict says its own exit statuses (console/cli/exit_codes)
        said = "\n\nexit status:\n  0  " in parser.epilog
        assert said == (name in (*WITH_VERDICT, "drill", "note")), name
        assert EXIT_CODES not in parser.epilog, name
        assert (DRILL_EXIT_CODES in parser.epilog) == (name == "drill"), name
        for action in parser._actions:
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
    for code in (
        "0  success",
        "1  the rollback",
        "2  bad usage",
        "3  refused",
        "4  run",
        "129, 143",
    ):
        assert code in EXIT_CODES


def test_the_export_formats_named_without_importing_them_are_the_exporters():
    assert sorted(FORMATS) == sorted(EXPORT_FORMATS)


def test_bad_usage_is_one_line_and_exit_2(capsys):
    assert main(["run", "--systems", "web"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: rollback-console run: the following arguments are required: --trigger"]


def test_schema_prints_the_whole_and_each_file_and_writes_them(tmp_path, capsys):
    assert main(["schema"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert set(whole["properties"]) == {
        "inventory",
        "procedure",
        "strategies",
        "console",
        "triggers",
        "drills",
    }
    assert main(["schema", "--file", "config/procedure.toml"]) == 0
    procedure = json.loads(capsys.readouterr().out)
    assert procedure["title"] == "procedure.toml" and "channels" in procedure["properties"]
    assert main(["schema", "--write", str(tmp_path / "schemas")]) == 0
    written = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert written == [
        "console.schema.json",
        "drills.schema.json",
        "inventory.schema.json",
        "procedure.schema.json",
        "strategies.schema.json",
        "triggers.schema.json",
    ]
    for path in (tmp_path / "schemas").iterdir():
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))
    assert main(["schema", "--file", "hosts.toml"]) == 2
    assert "not a configuration file" in capsys.readouterr().err


def test_the_readme_shows_taplo_where_the_schemas_are():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "rollback-console schema --write" in readme
    assert "[[rule]]" in readme and "#:schema" in readme


@pytest.mark.parametrize(
    "argv",
    [
        ("verify", "20261130-101500-ab12", "--take-over-lock="),
        ("undo", "20261130-101500-ab12", "restore", "--take-over-lock", "  "),
        ("resume", "20261130-101500-ab12", "--take-over-lock="),
        ("run", "--demo", "--systems", "web", "--strategy", "version-rollback", "--trigger",
         "user-impact", "--reason", "x", "--yes", "--take-over-lock="),
    ],
)  # fmt: skip
def test_a_take_over_without_a_reason_is_refused_in_one_line(argv) -> None:
    """`--take-over-lock=` (an unset $REASON in a script) was taken as no take-over at all:
    the lock was then refused further on, or a run went ahead as if nothing was asked."""
    done = subprocess.run(
        [sys.executable, "-m", "console", *argv], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stdout + done.stderr
    said = f"error: rollback-console {argv[0]}: argument --take-over-lock: needs a reason,"
    assert done.stderr.startswith(said) and len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stdout == ""


def test_run_without_strategy_names_the_ones_that_apply_when_more_than_one_does(capsys):
    """`run` takes the only strategy that applies to every system named, as the console's
    picker does; with several it names them, in one line, exit 2."""
    args = ["run", "--demo", "--systems", "web", "--trigger", "user-impact", "--reason", "x"]
    assert main([*args, "--dry-run"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: 5 strategies apply to web (version-rollback, migration-reversal, config-restore,"
        " feature-toggle-off, feature-reenable): name one with --strategy"
    ]
    assert main([*args[:3], "web,api,db", *args[4:], "--dry-run"]) == 0
    assert "# strategy: version-rollback\n" in capsys.readouterr().out


def test_an_unknown_option_is_named_with_its_command(capsys):
    """`exec --yes` said "rollback-console: unrecognized arguments: --yes", naming no
    command; an exec command left unquoted says how to pass it."""
    assert main(["exec", "--demo", "--systems", "web", "--yes", "true"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: rollback-console exec: unrecognized arguments: --yes"
    ]
    assert main(["exec", "--demo", "--systems", "web", "ls", "-la"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: rollback-console exec: unrecognized arguments: -la (the command is one"
        " argument: quote it, as in 'ls -la')"
    ]
