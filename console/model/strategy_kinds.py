"""Built-in strategy kinds: default parameters and command templates, overridable in config.

The defaults act on the reference host layout the demo fleet uses (run from the
host's workdir): `releases/` + `current` + `bin/restart`; `bin/db` for the SQLite
database, its migrations, base backup and transaction log; `etc/app` with saved
revisions in `etc/app-revisions`; `etc/flags` with `name=percent` lines.
Strategy scratch state (what was replaced, for undo) lives in `.rollback/`.

Data commands print `integrity stage=before|after|expected checksum=... rows.T=N`
lines, which the engine parses and journals.
"""

from __future__ import annotations

from typing import Any

FLAG_LIST = r"[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*"

_FLAGS = {
    "name": "flags",
    "pattern": FLAG_LIST,
    "required": True,
    "description": "comma-separated flag names",
}
_FLAGS_FILE = {
    "name": "flags_file",
    "type": "path",
    "default": "etc/flags",
    "description": "file of name=percent lines",
}

_FLAGS_EXIST = """\
mkdir -p .rollback
FLAGS={{flags}} awk -F= '
  BEGIN { n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }
  ($1 in want) { print "flag " $0; seen++ }
  END { if (seen < n) { print "unknown flag in " ENVIRON["FLAGS"] > "/dev/stderr"; exit 3 } }
' {{flags_file}}
"""


def _set_flags(value: str) -> str:
    return f"""\
FLAGS={{{{flags}}}} VALUE={value} awk -F= '
  BEGIN {{ n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }}
  ($1 in want) {{ $0 = $1 "=" ENVIRON["VALUE"] }} {{ print }}
' {{{{flags_file}}}} > {{{{flags_file}}}}.new && mv {{{{flags_file}}}}.new {{{{flags_file}}}}
"""


def _flags_are(value: str) -> str:
    return f"""\
FLAGS={{{{flags}}}} VALUE={value} awk -F= '
  BEGIN {{ n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }}
  ($1 in want) {{ print "flag " $0; seen++; if ($2 != ENVIRON["VALUE"]) bad = 1 }}
  END {{ if (bad || seen < n) {{ print "flags are not all at " ENVIRON["VALUE"] > "/dev/stderr"; exit 1 }} }}
' {{{{flags_file}}}}
"""


def _data(action: str, expected: str, params: list[dict]) -> dict[str, Any]:
    """A restore: check the backup, record before, act, record after against expected."""
    return {
        "params": params,
        "data_touching": True,
        "commands": {
            "precheck": f"python3 bin/db check-backup && python3 bin/db integrity before"
            f" && python3 bin/db {expected}",
            "action": f"python3 bin/db {action} && sh bin/restart",
            "verify": f"python3 bin/db integrity after && python3 bin/db {expected}",
            "undo": "python3 bin/db undo && sh bin/restart && python3 bin/db integrity after",
        },
    }


KIND_DEFAULTS: dict[str, dict[str, Any]] = {
    "version-rollback": {
        "params": [
            {
                "name": "target",
                "type": "version",
                "default": "previous",
                "description": "release to return to; `previous` is the one before `current`",
            },
        ],
        "commands": {
            "precheck": "test -L current && test -d releases"
            ' && echo "current release: $(basename "$(readlink current)")"',
            "action": """\
cur=$(basename "$(readlink current)")
target={{target}}
if [ "$target" = previous ]; then
  target=$(ls -1 releases | sort -V | awk -v c="$cur" '$0 == c { print p; exit } { p = $0 }')
fi
if [ -z "$target" ] || [ ! -d "releases/$target" ]; then
  echo "no release to roll back to from $cur" >&2
  exit 3
fi
mkdir -p .rollback && echo "$cur" > .rollback/release-from
ln -sfn "releases/$target" current.next && mv -Tf current.next current
sh bin/restart
echo "rolled back: $cur -> $target"
""",
            "verify": """\
running=$(cat service/running)
test "$running" = "$(basename "$(readlink current)")" || { echo "service runs $running" >&2; exit 1; }
awk -F= '$1 == "error_rate" && $2 + 0 > 0.05 { bad = 1 } END { exit bad }' service/metrics \\
  || { echo "error rate still high on $running" >&2; exit 1; }
echo "healthy on $running"
""",
            "undo": """\
prev=$(cat .rollback/release-from)
ln -sfn "releases/$prev" current.next && mv -Tf current.next current
sh bin/restart
echo "undone: back on $prev"
""",
        },
    },
    "migration-reversal": {
        "data_touching": True,
        "params": [
            {
                "name": "target",
                "pattern": r"previous|[0-9]{1,6}",
                "default": "previous",
                "description": "schema version to go down to; `previous` is one below",
            },
        ],
        "commands": {
            "precheck": """\
cur=$(python3 bin/db version | sed 's/^schema_version=//')
target={{target}}
if [ "$target" = previous ]; then target=$((cur - 1)); fi
mkdir -p .rollback && echo "$target" > .rollback/schema-target
echo "schema version $cur, target $target"
python3 bin/db check-down "$target" && python3 bin/db integrity before
""",
            "action": 'python3 bin/db migrate-down "$(cat .rollback/schema-target)" && sh bin/restart',
            "verify": """\
want="schema_version=$(cat .rollback/schema-target)"
got=$(python3 bin/db version)
test "$got" = "$want" || { echo "expected $want, found $got" >&2; exit 1; }
echo "$got" && python3 bin/db integrity after
""",
            "undo": "python3 bin/db undo && sh bin/restart && python3 bin/db integrity after",
        },
    },
    "config-restore": {
        "params": [
            {
                "name": "revision",
                "pattern": r"previous|[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
                "default": "previous",
                "description": "saved revision; `previous` is the one before",
            },
            {"name": "config_dir", "type": "path", "default": "etc/app"},
            {"name": "revisions_dir", "type": "path", "default": "etc/app-revisions"},
        ],
        "commands": {
            "precheck": """\
revs={{revisions_dir}}
cur=$(cat "$revs/CURRENT")
rev={{revision}}
if [ "$rev" = previous ]; then
  rev=$(ls -1 "$revs" | grep -vx CURRENT | sort -V | awk -v c="$cur" '$0 == c { print p; exit } { p = $0 }')
fi
test -n "$rev" && test -f "$revs/$rev/SHA256SUMS" || { echo "no saved revision to restore" >&2; exit 3; }
(cd "$revs/$rev" && sha256sum --quiet -c SHA256SUMS) || { echo "saved revision $rev is damaged" >&2; exit 3; }
mkdir -p .rollback && echo "$rev" > .rollback/config-target
echo "config revision $cur -> $rev"
""",
            "action": """\
revs={{revisions_dir}}
dir={{config_dir}}
rev=$(cat .rollback/config-target)
rm -rf .rollback/config-replaced && mkdir -p .rollback/config-replaced
cp -a "$dir/." .rollback/config-replaced/ && cp "$revs/CURRENT" .rollback/config-replaced.revision
awk '{ print $2 }' "$revs/$rev/SHA256SUMS" | while read -r f; do cp "$revs/$rev/$f" "$dir/$f" || exit 1; done
echo "$rev" > "$revs/CURRENT"
echo "restored config revision $rev; replaced files kept in .rollback/config-replaced"
sh bin/restart
""",
            "verify": """\
rev=$(cat .rollback/config-target)
sums=$(cd {{revisions_dir}}/"$rev" && pwd)/SHA256SUMS
(cd {{config_dir}} && sha256sum -c "$sums") || exit 1
test "$(cat {{revisions_dir}}/CURRENT)" = "$rev"
""",
            "undo": """\
dir={{config_dir}}
saved=.rollback/config-replaced
test -d "$saved" || { echo "nothing to undo: the replaced config was not saved" >&2; exit 3; }
# exactly the saved config: files the restored revision added go too
(cd "$dir" && find . -type f) | while read -r f; do
  [ -e "$saved/$f" ] || rm -f -- "$dir/$f" || exit 1
done
cp -a "$saved/." "$dir/"
cp .rollback/config-replaced.revision {{revisions_dir}}/CURRENT
echo "config back on revision $(cat {{revisions_dir}}/CURRENT)"
sh bin/restart
""",
        },
    },
    "feature-toggle-off": {
        "params": [_FLAGS, _FLAGS_FILE],
        "commands": {
            "precheck": _FLAGS_EXIST,
            "action": "cp {{flags_file}} .rollback/flags-before-off\n"
            + _set_flags("0")
            + 'echo "disabled: "{{flags}}\nsh bin/restart',
            "verify": _flags_are("0"),
            "undo": "cp .rollback/flags-before-off {{flags_file}} && sh bin/restart",
        },
    },
    "feature-reenable": {
        "params": [
            _FLAGS,
            _FLAGS_FILE,
            {
                "name": "steps",
                "pattern": r"[0-9]{1,3}(,[0-9]{1,3})*",
                "default": "5,25,50,100",
                "description": "percentages, each checked before the next",
            },
            {"name": "max_error_rate", "pattern": r"0|0?\.[0-9]{1,6}|1", "default": "0.05"},
        ],
        "commands": {
            "precheck": _FLAGS_EXIST + "cp {{flags_file}} .rollback/flags-before-reenable",
            "action": _set_flags("{{percent}}")
            + 'echo "now at "{{percent}}"%: "{{flags}}\nsh bin/restart',
            "verify": _flags_are("{{percent}}")
            + """\
MAX={{max_error_rate}} awk -F= '$1 == "error_rate" { print; if ($2 + 0 > ENVIRON["MAX"] + 0) bad = 1 }
  END { exit bad }' service/metrics || { echo "error rate above "{{max_error_rate}} >&2; exit 1; }
""",
            "undo": "cp .rollback/flags-before-reenable {{flags_file}} && sh bin/restart",
        },
    },
    "backup-restore": _data("restore-backup", "expected-backup", []),
    "log-replay": _data(
        "replay {{seq}}",
        "expected-replay {{seq}}",
        [
            {
                "name": "seq",
                "pattern": r"latest|[0-9]{1,9}",
                "default": "latest",
                "description": "replay the log up to this sequence number",
            }
        ],
    ),
    "point-in-time": _data(
        "recover {{until}}",
        "expected-recover {{until}}",
        [
            {
                "name": "until",
                "type": "timestamp",
                "required": True,
                "description": "recover to this time: the base, then log entries at or before it",
            }
        ],
    ),
    "custom": {},
}


def with_kind_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    """A strategy's raw config with its kind's params and command templates filled in.

    Params merge by name, key by key (configured keys win); command stages merge one by one,
    so a config may override only `verify`, or give no [commands] at all.
    """
    defaults = KIND_DEFAULTS.get(str(raw.get("kind")))
    if not defaults:
        return raw
    out = dict(raw)
    params = [p if isinstance(p, dict) else p.model_dump() for p in raw.get("params", [])]
    given = {p.get("name"): p for p in params}
    base = [{**p, **given.pop(p["name"], {})} for p in defaults.get("params", [])]
    out["params"] = base + list(given.values())
    commands = raw.get("commands") or {}
    if isinstance(commands, dict):
        out["commands"] = {**defaults["commands"], **commands}
    out.setdefault("data_touching", defaults.get("data_touching", False))
    return out
