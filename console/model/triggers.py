"""The eight rollback triggers of the procedure, automatic and manual."""

import textwrap
from enum import StrEnum

TITLE_WIDTH = 80  # an incident's title made from a reason, in characters


def shorten(title: str) -> str:
    """A title cut at a word to TITLE_WIDTH, with an ellipsis; a hyphenated name is kept
    whole or left out, never cut at a hyphen (`web-data- …` reads as another name)."""
    return textwrap.shorten(title, TITLE_WIDTH, placeholder=" …", break_on_hyphens=False)


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

    @property
    def by_hand(self) -> str:
        """This kind declared by a person, which needs a reason: `a manual trigger (User
        impact assessment)`, or an automatic kind named without its probe's evidence."""
        if self.automatic:
            return f"{self.label} (declared by hand, without a probe's evidence)"
        return f"a manual trigger ({self.label})"

    def incident_title(self, reason: str) -> str:
        """An incident's title when nobody gave one, the same in the console and headless:
        `User impact assessment: checkout errors`; a firing's reason already starts with
        its label (`Critical error threshold exceeded: web/error-rate = 0.31 ...`). Cut
        at a word to TITLE_WIDTH; a title someone typed (`run --title`) is kept whole."""
        reason = reason.strip()
        if not reason or reason.startswith(self.label):
            return shorten(reason or self.label)
        return shorten(f"{self.label}: {reason}")


def without_label(title: str) -> str:
    """A title made by `incident_title` without its trigger's label, where room is short:
    at 80 columns every incident declared by hand read `User impact …`, its reason cut
    away; the reason is what tells one incident from the next."""
    for kind in TriggerKind:
        said = title.removeprefix(f"{kind.label}: ")
        if said != title and said.strip():
            return said
    return title


AUTOMATIC = frozenset(
    {
        TriggerKind.ERROR_THRESHOLD,
        TriggerKind.PERFORMANCE,
        TriggerKind.SECURITY,
        TriggerKind.DATA_CORRUPTION,
    }
)
MANUAL = tuple(k for k in TriggerKind if k not in AUTOMATIC)
# When several automatic triggers fire at once, the first of these is taken and the
# others become its evidence: a breach outranks everything, lost data outranks errors.
PRECEDENCE = (
    TriggerKind.SECURITY,
    TriggerKind.DATA_CORRUPTION,
    TriggerKind.ERROR_THRESHOLD,
    TriggerKind.PERFORMANCE,
)

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
