"""Where this incident's schema reversals stopped, for the migration presets (`alembic`,
`sql`): each precheck's target, one a line, in `.rollback/<kind>-<incident>-stops`, with
undo's own copy of from and target. A further reversal in the same incident goes on from
one of the stops, and undo goes back from any, to where the first began."""

from __future__ import annotations


def stops(kind: str) -> str:
    """Shell setting $mine (this incident's files) and $stops, where its reversals
    stopped."""
    return f"""\
mine=.rollback/{kind}-{{{{incident}}}}
stops=$(cat "$mine-stops" 2>/dev/null || cat "$mine-target" 2>/dev/null)
"""


def further(kind: str, now: str, unit: str) -> str:
    """Shell setting $first to what this incident's earlier reversal began from when the
    schema is where one of its reversals stopped (a further one adds to it, so undo still
    goes back to $first), empty when it is where it began (the reversal rolled back, or
    was undone); anywhere else the precheck refuses: undo could not bring $first back."""
    return (
        stops(kind)
        + f"""\
first=
if [ -n "$stops" ]; then
  was=$(cat "$mine-from") || exit 3
  if echo "$stops" | grep -qx -- "{now}"; then
    first=$was
    echo "this incident's reversal took {unit} $was down to {now}: undo goes back to $was"
  elif [ "{now}" != "$was" ]; then
    echo "{unit} is {now}, not $(echo "$stops" | tail -n 1) where this incident's reversal left it, nor $was" \\
      "where it began: it changed since, and undo could not bring $was back; reverse it in" \\
      "another incident" >&2
    exit 3
  fi
fi
"""
    )


def keep(kind: str) -> str:
    """undo's own copy of from and target (a later incident's precheck rewrites the shared
    files), and the stops: this one's target added to them, or the first."""
    return f"""\
cp .rollback/{kind}-from "$mine-from" && cp .rollback/{kind}-target "$mine-target" &&
  if [ -n "$first" ]; then echo "$target" >> "$mine-stops"; else echo "$target" > "$mine-stops"; fi ||
  exit 3
"""
