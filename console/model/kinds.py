"""The strategy kinds the procedure names (rollback-procedures.md: rollback strategies)."""

from __future__ import annotations

from enum import StrEnum


class StrategyKind(StrEnum):
    VERSION_ROLLBACK = "version-rollback"
    MIGRATION_REVERSAL = "migration-reversal"
    CONFIG_RESTORE = "config-restore"
    FEATURE_TOGGLE_OFF = "feature-toggle-off"
    FEATURE_REENABLE = "feature-reenable"
    BACKUP_RESTORE = "backup-restore"
    LOG_REPLAY = "log-replay"
    POINT_IN_TIME = "point-in-time"
    CUSTOM = "custom"


class RunsOn(StrEnum):
    """Where a strategy's commands run: on each target host over SSH, or on the jump host
    (once per target host, with its name in {{host}}), e.g. to call a service's API."""

    HOSTS = "hosts"
    JUMP_HOST = "jump-host"
