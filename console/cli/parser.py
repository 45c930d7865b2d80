"""The command line's grammar: the program's own options and exit codes, and the parser
of the command named (console/cli/subcommands.py holds each command's). Imports nothing
heavy: `--version`, `--help` and shell completion answer without loading textual,
asyncssh or pydantic."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence

from console import __version__
from console.cli.exit_codes import EXIT_CODES
from console.cli.options import PROG
from console.cli.subcommands import COMMANDS

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


class UsageError(Exception):
    """Bad input: printed as one clear line (`error: ...`), exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message}")


class Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's, but that a usage line it could not break (a mutually exclusive group
    is kept whole: `drill`'s `[--scenario NAME | --list | ... | --gate]` ran to 84
    columns in an 80-column terminal) is broken at a space, under the line before."""

    def _format_usage(self, usage, actions, groups, prefix) -> str:
        text = super()._format_usage(usage, actions, groups, prefix)
        lines, limit = text.rstrip("\n").splitlines(), self._width + 1
        hang = next((len(x) - len(x.lstrip()) for x in lines[1:]), 0)
        out = []
        for line in lines:
            while len(line) > limit and (cut := line.rfind(" ", hang + 1, limit + 1)) > hang:
                out.append(line[:cut])
                line = " " * hang + line[cut + 1 :]
            out.append(line)
        return "\n".join(out) + text[len(text.rstrip("\n")) :]


def _epilog(*examples: str, codes: bool | str = False) -> str:
    text = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    if isinstance(codes, str):
        return f"{text}\n\n{codes}"
    return text + ("\n\n" + EXIT_CODES if codes else "")


def build_parser(argv: Sequence[str] | None = None) -> Parser:
    """The grammar; for `argv` that names a command after nothing but --config and --log,
    that command's alone (all its parse needs: the other fourteen cost ~25 M instructions,
    a third of them gettext's look-ups for argparse's own strings; issue 18)."""
    parser = Parser(
        prog=PROG,
        description=textwrap.fill(
            "Roll a bad delivery back over SSH from a jump host, and keep the record."
            " With no command: the full-screen console on your configuration.",
            78,
        ),
        epilog=_epilog(
            f"{PROG} demo                  # try it on the embedded demo fleet",
            f"{PROG} init ./config && {PROG} check-config ./config",
            f"{PROG} --config ./config     # the console on your own hosts",
            f"{PROG} completion --help     # shell completion: bash, zsh, fish",
            codes=True,
        ),
        formatter_class=Formatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"{PROG} {__version__}", help="print the version"
    )
    common = _common_options()
    parser.add_argument("--config", metavar="DIR", help=CONFIG_HELP)
    parser.add_argument("--log", metavar="FILE", help=LOG_HELP)
    sub = parser.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND")

    def command(
        name: str, summary: str, description: str, *examples: str, codes: bool | str = False
    ) -> Parser:
        return sub.add_parser(
            name,
            parents=[common],
            help=summary,
            description=textwrap.fill(description, 78),
            epilog=_epilog(*examples, codes=codes),
            formatter_class=Formatter,
        )

    only = _named_command(argv)
    for name, add in COMMANDS.items():
        if only in (None, name):
            add(command)
    return parser


CONFIG_HELP = "configuration directory (else $ROLLBACK_CONSOLE_CONFIG, ./config, user dir)"
LOG_HELP = "write a debug log here (SSH negotiation, timings); secrets are redacted"


def _named_command(argv: Sequence[str] | None) -> str | None:
    """The command `argv` names, if only --config and --log come before it."""
    tokens = list(argv or ())
    while tokens:
        token = tokens.pop(0)
        if token in ("--config", "--log"):
            tokens = tokens[1:]
        elif not token.startswith(("--config=", "--log=")):
            return token if token in COMMANDS else None
    return None


def _common_options() -> Parser:
    """Options accepted after the command too (`run --config DIR`)."""
    common = Parser(add_help=False)
    common.add_argument("--config", metavar="DIR", default=argparse.SUPPRESS, help=CONFIG_HELP)
    common.add_argument("--log", metavar="FILE", default=argparse.SUPPRESS, help=LOG_HELP)
    return common
