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
