"""What each command's exit status means, as its --help says it: the program's whole table
(its own --help) and each command's own, holding only the statuses that command gives.
Seen: `check-config --help` listed 1 "the rollback, command or probe failed", 3 "another
incident holds the system", 4 and 129/143 (none of which it can give), and `probe --help`
said 1 for a failed probe while a probe read bad exits 0 (1: a host not reached)."""

from __future__ import annotations

import re
import textwrap

# --help read in an 80-column terminal: its lines at most 79 wide (argparse wraps the
# options; these tables, written as laid out, are folded).
HELP_WIDTH = 79


def folded(table: str) -> str:
    """An exit status table with each status's words folded to HELP_WIDTH, under their
    first word (`  4  run: ...`, then `     verify: ...`): its lines ran to 112 columns."""
    entries: list[tuple[str, str]] = []  # (the status's lead, its words)
    for line in table.splitlines():
        lead = re.match(r"  (\d+(, \d+)*)  ", line)
        if lead:
            entries.append((lead[0], line[lead.end() :]))
        elif entries and entries[-1][0] and line.startswith("     "):
            entries[-1] = (entries[-1][0], f"{entries[-1][1]} {line.strip()}")
        else:
            entries.append(("", line))
    return "\n".join(
        textwrap.fill(words, HELP_WIDTH, initial_indent=lead, subsequent_indent="     ")
        if lead
        else words
        for lead, words in entries
    )


EXIT_CODES = folded("""\
exit status:
  0  success: the rollback was verified on every host (or the command did what it says)
  1  the rollback, command or probe failed, or was aborted
  2  bad usage or bad configuration: one line names the file, key or host
  3  refused: another incident holds the system
  4  run: a host's outcome is unknown; the incident is left open (verify ID settles it);
     verify: a host's outcome is still unknown (its lock kept again); undo: a host's
     outcome is unknown (lost mid-undo): check it by hand, as the last line says
  129, 143  the console (demo, resume too) was ended by SIGHUP (its terminal closed)
     or SIGTERM: what ran was detached as with D; the incident left open to resume
  129  run, exec, undo, verify: its terminal closed (SIGHUP) before it ended: what was
     sent ran to its end, journalled; nothing new started; a run's incident left open""")

_HEAD = "exit status:\n"
_USAGE = "  2  bad usage or bad configuration: one line names the file, key or host"
_INTERNAL = (
    "  1  interrupted (Ctrl+C), or an internal error: one line names the file its\n"
    "     traceback was saved to"
)

_HUNG_UP = (
    "  129  its terminal closed (SIGHUP) first: what was sent ran to its end, each result\n"
    "     journalled, and nothing new was started (the last line says how it went)"
)
RUN = folded(
    _HEAD + "  0  the rollback succeeded and was verified on every host (--dry-run: printed)\n"
    "  1  the rollback failed, was aborted or was not verified, or its strategy step was\n"
    "     not started, nothing sent for it: the last lines say why and how to go on\n"
    + _USAGE
    + "; nothing sent\n"
    "  3  refused: another incident holds a system; or the precheck found nothing to do\n"
    "     on every host, nothing changed\n"
    "  4  a host's outcome is unknown: the incident is left open (verify ID settles it)\n"
    + _HUNG_UP
)
EXEC = folded(
    _HEAD + "  0  the command succeeded on every host (--dry-run: printed, nothing sent)\n"
    "  1  it did not succeed on a host (a line on stderr names each), a host offered\n"
    "     another key than --accept-host-key names, or it was interrupted\n"
    + _USAGE
    + "; nothing sent\n"
    "  3  refused: another incident holds a system; nothing sent\n" + _HUNG_UP
)
PROBE = folded(
    _HEAD + "  0  every probe was read, healthy or not: the STATE column says which\n"
    "  1  a host could not be reached, so its probes could not be read (named on stderr)\n" + _USAGE
)
RESUME = folded(
    _HEAD
    + "  0  you quit the console: the incident is as you left it, closed or open\n"
    + _INTERNAL
    + "\n"
    "  2  bad usage, bad configuration, no terminal, or no such incident: nothing taken\n"
    "  3  refused: another console holds its systems\n"
    "  129, 143  the console was ended by SIGHUP (its terminal closed) or SIGTERM: what\n"
    "     ran was detached as with D; the incident left open to resume"
)
UNDO = folded(
    _HEAD + "  0  undone on every host it went to (--dry-run: printed, nothing sent)\n"
    "  1  the undo failed, stopped between its waves or was aborted on a host: the last\n"
    "     line says where it stands and the undo that goes on\n"
    + _USAGE
    + "; or nothing left to undo; or a restore's undo would take writes made\n"
    "     since the restore out of the live database, without --discard-writes: nothing sent\n"
    "  3  refused: another incident holds a system; or the undo found nothing of the\n"
    "     incident's to undo on a host (changed since): nothing changed there\n"
    "  4  a host's outcome is unknown (its connection lost mid-undo; others may have\n"
    "     failed): check it by hand; the last line names it and the undo again there\n" + _HUNG_UP
)
VERIFY = folded(
    _HEAD + "  0  the change was made on every host (--dry-run: printed, nothing sent)\n"
    "  1  its verify failed on some host (its line says what it checked), or did not\n"
    "     end there\n" + _USAGE + "; or no host to verify: nothing sent\n"
    "  3  refused: another console holds a system (--take-over-lock once it has quit)\n"
    "  4  a host is still unknown (a change still under way, or not reached): its lock\n"
    "     kept again\n" + _HUNG_UP
)
CHECK_CONFIG = folded(
    _HEAD
    + "  0  valid: the console and every command take it (warnings do not stop a run)\n"
    + _INTERNAL
    + "\n  2  not valid: one line a problem, naming the file, the line and the key"
)
IMPORT_ANSIBLE = folded(
    _HEAD
    + "  0  written (warnings, also in its header, say what it could not honour)\n"
    + _INTERNAL
    + "\n  2  bad usage, an inventory it cannot read or convert (file:line), or FILE exists\n"
    "     (--force overwrites it)"
)
