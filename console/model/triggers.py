"""The eight rollback triggers of the procedure, automatic and manual."""

from enum import StrEnum


class TriggerKind(StrEnum):
    ERROR_THRESHOLD = "error-threshold"
    PERFORMANCE = "performance-degradation"
    SECURITY = "security-breach"
    DATA_CORRUPTION = "data-corruption"
    STAKEHOLDER = "stakeholder-decision"
    USER_IMPACT = "user-impact"
    BUSINESS_CONTINUITY = "business-continuity"
    UNEXPECTED_BEHAVIOUR = "unexpected-behaviour"

    @property
    def automatic(self) -> bool:
        return self in AUTOMATIC

    @property
    def label(self) -> str:
        return LABELS[self]

    def title(self, reason: str) -> str:
        """An incident's title when nobody gave one, the same in the console and headless:
        `User impact assessment: checkout errors`; a firing's reason already starts with
        its label (`Critical error threshold exceeded: web/error-rate = 0.31 ...`)."""
        reason = reason.strip()
        if not reason or reason.startswith(self.label):
            return reason or self.label
        return f"{self.label}: {reason}"


AUTOMATIC = frozenset(
    {
        TriggerKind.ERROR_THRESHOLD,
        TriggerKind.PERFORMANCE,
        TriggerKind.SECURITY,
        TriggerKind.DATA_CORRUPTION,
    }
)
MANUAL = tuple(k for k in TriggerKind if k not in AUTOMATIC)

LABELS = {
    TriggerKind.ERROR_THRESHOLD: "Critical error threshold exceeded",
    TriggerKind.PERFORMANCE: "Performance degradation beyond limits",
    TriggerKind.SECURITY: "Security breach detected",
    TriggerKind.DATA_CORRUPTION: "Data corruption identified",
    TriggerKind.STAKEHOLDER: "Stakeholder decision",
    TriggerKind.USER_IMPACT: "User impact assessment",
    TriggerKind.BUSINESS_CONTINUITY: "Business continuity concerns",
    TriggerKind.UNEXPECTED_BEHAVIOUR: "Unexpected behaviour reports",
}
