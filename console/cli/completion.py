"""Shell completion for bash, zsh and fish, written from the parser itself, so a new option
completes without anyone touching this file. Names that live in the configuration
(systems, hosts, strategies) come from `rollback-console __complete KIND WORD -- WORDS...`,
which reads the TOML files directly: no validation, no pydantic, a few milliseconds.

Hand-written rather than shtab: shtab writes bash, zsh and tcsh but not fish, and it knows
nothing of comma-separated lists of configured names.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from console.cli.parser import PROG, build_parser

FUNC = PROG.replace("-", "_")
NAMED = {"systems": "systems", "hosts": "hosts", "strategy": "strategies"}


@dataclass(frozen=True)
class Option:
    flags: list[str]
    help: str
    value: str | None  # None: a flag; "files", "dirs", "names:KIND", "words:a b c", "text"


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    options: list[Option]
    positional: str | None  # what its positional argument completes to, as for `value`


def _value(action: argparse.Action) -> str | None:
    if action.nargs == 0:
        return None
    if action.choices:
        return "words:" + " ".join(map(str, action.choices))
    if action.dest in NAMED:
        return f"names:{NAMED[action.dest]}"
    meta = str(action.metavar or "")
    if meta in ("FILE", "PATH", "JOURNAL"):
        return "files"
    if meta == "DIR":
        return "dirs"
    return "text"


def _options(parser: argparse.ArgumentParser) -> list[Option]:
    return [
        Option(
            list(a.option_strings), (a.help or "").replace("%(default)s", str(a.default)), _value(a)
        )
        for a in parser._actions
        if a.option_strings and a.help != argparse.SUPPRESS
    ]


def commands(parser: argparse.ArgumentParser | None = None) -> tuple[list[Option], list[Command]]:
    """The program's own options, and each subcommand with its options and positional."""
    parser = parser or build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help or "" for c in sub._choices_actions}
    out = []
    for name, child in sub.choices.items():
        positional = next((a for a in child._actions if not a.option_strings), None)
        out.append(
            Command(
                name,
                helps.get(name, ""),
                _options(child),
                _value(positional) if positional else None,
            )
        )
    return _options(parser), out


# -- the scripts ------------------------------------------------------------------------


def _bash_values(value: str | None) -> str:
    if value is None or value == "text":
        return "return"
    if value == "files":
        return 'COMPREPLY=($(compgen -f -- "$cur")); return'
    if value == "dirs":
        return 'COMPREPLY=($(compgen -d -- "$cur")); return'
    if value.startswith("names:"):
        return f"_{FUNC}_names {value[6:]}; return"
    return f'COMPREPLY=($(compgen -W "{value[6:]}" -- "$cur")); return'


def bash() -> str:
    top, subs = commands()
    valued = [f for o in top if o.value for f in o.flags]
    lines = [
        f"# bash completion for {PROG}: {PROG} completion bash > ~/.local/share/bash-completion/completions/{PROG}",
        f"_{FUNC}_names() {{",
        "    local IFS=$'\\n'",
        f'    COMPREPLY=($({PROG} __complete "$1" "$cur" -- "${{COMP_WORDS[@]}}" 2>/dev/null))',
        "    compopt -o nospace 2>/dev/null",
        "}",
        f"_{FUNC}() {{",
        "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}",
        "    local cmd= skip= i",
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        "        if [[ -n $skip ]]; then skip=; continue; fi",
        "        case ${COMP_WORDS[i]} in",
        f"            {'|'.join(valued)}) skip=1 ;;",
        "            -*) ;;",
        "            *) cmd=${COMP_WORDS[i]}; break ;;",
        "        esac",
        "    done",
        '    case "$cmd:$prev" in',
    ]
    for option in top:
        if option.value:
            flags = "|".join(f"*:{f}" for f in option.flags)
            lines.append(f"        {flags}) {_bash_values(option.value)} ;;")
    for command in subs:
        for option in command.options:
            if option.value and option.flags[0] not in valued:
                flags = "|".join(f"{command.name}:{f}" for f in option.flags)
                lines.append(f"        {flags}) {_bash_values(option.value)} ;;")
    lines += ["    esac", "    if [[ $cur == -* ]]; then", "        case $cmd in"]
    top_flags = " ".join(f for o in top for f in o.flags)
    lines.append(f'            "") COMPREPLY=($(compgen -W "{top_flags}" -- "$cur")) ;;')
    for command in subs:
        flags = " ".join(f for o in command.options for f in o.flags) + " --help"
        lines.append(
            f'            {command.name}) COMPREPLY=($(compgen -W "{flags}" -- "$cur")) ;;'
        )
    lines += ["        esac", "        return", "    fi", "    case $cmd in"]
    names = " ".join(c.name for c in subs)
    lines.append(f'        "") COMPREPLY=($(compgen -W "{names}" -- "$cur")) ;;')
    for command in subs:
        if command.positional:
            lines.append(f"        {command.name}) {_bash_values(command.positional)} ;;")
    lines += ["    esac", "}", f"complete -F _{FUNC} {PROG}", ""]
    return "\n".join(lines)


def _zsh_text(text: str) -> str:
    short = text.split(";")[0].split(" (")[0]
    return short.replace("'", "'\\''").replace("[", "\\[").replace("]", "\\]").replace(":", "\\:")


def _zsh_action(value: str | None) -> str:
    if value is None:
        return ""
    if value == "files":
        return ":file:_files"
    if value == "dirs":
        return ":directory:_directories"
    if value.startswith("names:"):
        return f":{value[6:]}: _{FUNC}_names {value[6:]}"  # a space: called as written
    if value.startswith("words:"):
        return f":value:({value[6:]})"
    return ":value: "


def _zsh_specs(options: list[Option]) -> list[str]:
    specs = []
    for option in options:
        flags = option.flags
        name = f"({' '.join(flags)})'{{{','.join(flags)}}}'" if len(flags) > 1 else flags[0]
        repeat = "*" if option.help.endswith("(repeatable)") else ""
        specs.append(f"'{repeat}{name}[{_zsh_text(option.help)}]{_zsh_action(option.value)}'")
    return specs


def zsh() -> str:
    top, subs = commands()
    lines = [
        f"#compdef {PROG}",
        f"# zsh completion for {PROG}: {PROG} completion zsh > ~/.zfunc/_{PROG} (fpath+=(~/.zfunc))",
        f"_{FUNC}_names() {{",
        "    local -a names",
        f'    names=(${{(f)"$({PROG} __complete $1 "" -- $words 2>/dev/null)"}})',
        "    if [[ $1 == strategies ]]; then compadd -a names; else _values -s , $1 $names; fi",
        "}",
        f"_{FUNC}() {{",
        "    local curcontext=$curcontext state line",
        "    _arguments -C \\",
        *(f"        {spec} \\" for spec in _zsh_specs(top)),
        "        '1:command:->command' '*::argument:->argument'",
        "    case $state in",
        "        command)",
        "            local -a commands=(",
        *(f"                '{c.name}:{_zsh_text(c.help)}'" for c in subs),
        "            )",
        "            _describe command commands ;;",
        "        argument)",
        "            case $words[1] in",
    ]
    for command in subs:
        specs = _zsh_specs(command.options)
        if command.positional:
            specs.append(f"'1{_zsh_action(command.positional) or ':value: '}'")
        lines.append(f"                {command.name}) _arguments {' '.join(specs)} ;;")
    lines += ["            esac ;;", "    esac", "}", f'_{FUNC} "$@"', ""]
    return "\n".join(lines)


def _fish_values(value: str | None) -> str:
    if value is None:
        return ""
    if value == "files":
        return " -r -F"
    if value == "dirs":
        return " -x -a '(__fish_complete_directories)'"
    if value.startswith("names:"):
        return f" -x -a '(__{FUNC}_names {value[6:]})'"
    if value.startswith("words:"):
        return f" -x -a '{value[6:]}'"
    return " -x"


def _fish_option(option: Option, condition: str) -> str:
    flags = " ".join(f"-l {f[2:]}" if f.startswith("--") else f"-s {f[1:]}" for f in option.flags)
    help_ = option.help.split(";")[0].replace("'", "\\'")
    return f"complete -c {PROG} -n '{condition}' {flags}{_fish_values(option.value)} -d '{help_}'"


def fish() -> str:
    top, subs = commands()
    lines = [
        f"# fish completion for {PROG}: {PROG} completion fish > ~/.config/fish/completions/{PROG}.fish",
        f"function __{FUNC}_names",
        f"    {PROG} __complete $argv[1] (commandline -ct) -- (commandline -opc) 2>/dev/null",
        "end",
        f"complete -c {PROG} -f",
    ]
    lines += [_fish_option(o, "__fish_use_subcommand") for o in top]
    for command in subs:
        help_ = command.help.replace("'", "\\'")
        lines.append(f"complete -c {PROG} -n __fish_use_subcommand -a {command.name} -d '{help_}'")
    for command in subs:
        seen = f"__fish_seen_subcommand_from {command.name}"
        lines += [_fish_option(o, seen) for o in command.options]
        if command.positional:
            lines.append(f"complete -c {PROG} -n '{seen}'{_fish_values(command.positional)}")
    return "\n".join(lines) + "\n"


SCRIPTS = {"bash": bash, "zsh": zsh, "fish": fish}


def script(args: argparse.Namespace) -> int:
    sys.stdout.write(SCRIPTS[args.shell]())
    return 0


# -- the callback: names from the configuration ------------------------------------------


def complete(argv: list[str]) -> int:
    """`__complete KIND WORD -- WORDS...`: the names of KIND (systems, hosts, strategies)
    that complete WORD, a comma-separated list being typed; WORDS is the command line so
    far (for --config and --demo). Prints nothing on any problem."""
    kind, word = ([*argv, "", ""])[:2]
    words = argv[argv.index("--") + 1 :] if "--" in argv else []
    try:
        directory = _config_dir(words)
        names = _names(kind, directory) if directory is not None else []
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return 0
    done, _, partial = word.rpartition(",")
    given = set(done.split(",")) if done else set()
    prefix = f"{done}," if done else ""
    for name in names:
        if name.startswith(partial) and name not in given:
            print(prefix + name)
    return 0


def _config_dir(words: list[str]) -> Path | None:
    from console.paths import ConfigNotYours, demo_config, find_config

    if "--demo" in words or (len(words) > 1 and words[1] == "demo"):
        return demo_config()
    explicit = None
    for index, word in enumerate(words):
        if word == "--config" and index + 1 < len(words):
            explicit = words[index + 1]
        elif word.startswith("--config="):
            explicit = word.split("=", 1)[1]
    try:
        return find_config(explicit)
    except ConfigNotYours:  # completes nothing from it; the command itself says why
        return None


def _names(kind: str, directory: Path) -> list[str]:
    def read(name: str) -> dict:
        return tomllib.loads((directory / name).read_text(encoding="utf-8"))

    if kind == "strategies":
        return [s["name"] for s in read("strategies.toml").get("strategies", [])]
    systems = read("inventory.toml").get("systems", [])
    if kind == "systems":
        return [s["name"] for s in systems]
    if kind == "hosts":
        return [h["name"] for s in systems for h in s.get("hosts", [])]
    return []
