"""How a document exported again from an older journal is worded: one rule.

A document handed over once (to a review, a ticket, an auditor) is the same document when
the journal is exported again: where the words of a line changed, the events written
before the change keep the words they were exported with then, by the event's own time
(UTC, when this console's main got the change: an older install writing since reads as
today's). Except where those words misstated the record: a correction applies to every
journal, older ones too, and says so in its commit. So, in this rule:

- worded by time (a way of saying, or a thing said more, where the old words were true):
  a strategy's empty parameters said together at the end (`; empty: running`, 741534ae,
  EMPTY_LAST); a run a retry followed, with no end on record (`attempt 1: never ended
  ...`, a49d3c3c, NEVER_ENDED); the hosts' own words on the line of `target=previous`
  resolved (`: release 2.11.0 to 2.10.0`, 4572f1ff, RESOLVED_WORDS), which a headless
  run's journal of before says in a note of its own beside it: said twice, not once;
- corrected in every journal (the old words misled): an after never read said `not
  verified` where a dash read as "nothing" beside hosts the rollback changed (4fe7acde);
  a headless run's lock named as a process, not a console, its incident named once;
  the change history's row for each hand-over of command (who held it when); a lock
  taken over while its holder had ended, said of a console for a headless command too
  (`while this incident's lock was stale (the process holding it had ended)`); the
  list's undo since the close, said failed of an undo with no end on record or held
  between stages (`an undo started since, not ended`, `an undo held between stages
  since`).

A record's field whose meaning changed is read by what the event says where it says it:
`incident.opened`'s `config` holds each file's sha256 with its secrets masked where the
opening records `config_secrets` too (every opening since 2026-12-07 13:30 UTC, whatever
its clock); an opening without it is read by its time, as it was: plain sha256s before
MASKED_CONFIG, masked since (console/engine/config_opened.py: an older install's plain
ones, written since, read as masked: a file holding a secret then reads as changed).
A note written before MASKED_CONFIG may name a file's plain sha256 by its first 12 digits
(`strategies.toml sha256 7931533ee0ee… (now ...)`): against one, a guess of a secret could
be tested; exported, each reads `«left out»` (a correction, every journal).

Folding is never worded: an older journal folds as it did (docs/journal.md's versions).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from console.model.event_kinds import Kind
from console.model.events import Event

EMPTY_LAST = datetime(2026, 12, 6, 5, 37, 58, tzinfo=UTC)
NEVER_ENDED = datetime(2026, 12, 6, 8, 11, 34, tzinfo=UTC)
RESOLVED_WORDS = datetime(2026, 12, 6, 8, 5, 26, tzinfo=UTC)
MASKED_CONFIG = datetime(2026, 12, 7, 10, 20, 0, tzinfo=UTC)


def worded_since(change: datetime, written: datetime) -> bool:
    """Whether an event written at `written` gets the words `change` brought."""
    return written >= change


PLAIN_PREFIX = re.compile(r"\b[0-9a-f]{12}…")
LEFT_OUT = "«left out»"


def plain_config(opened: Event) -> bool:
    """Whether an opening's `config` holds plain sha256s: not where it records
    `config_secrets` (its sha256s are then masked, whatever its clock said); else, by its
    time, before MASKED_CONFIG."""
    masked = getattr(opened.data, "config_secrets", None) is not None
    return not masked and not worded_since(MASKED_CONFIG, opened.ts)


def exported(event: Event) -> Event:
    """`event` as a document holds it: a note written before MASKED_CONFIG without the
    plain sha256s it may name."""
    said = getattr(event.data, "text", None)  # its model built only where one is read
    if event.kind != Kind.NOTE_ADDED or not isinstance(said, str):
        return event
    if worded_since(MASKED_CONFIG, event.ts):
        return event
    text = PLAIN_PREFIX.sub(LEFT_OUT, said)
    return event if text == said else event.replace(data=event.data.replace(text=text))
