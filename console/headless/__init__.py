"""Headless runs, in a terminal: `run` (rollback.py), its dry run and exec's (dry_run.py),
`exec` (adhoc.py), `probe` (probe.py), `follow --plain` (follow.py) and the drills
(drills.py); what they share is in common.py."""
