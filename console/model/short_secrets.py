"""Secrets too short to mask everywhere: one under SHORT characters is masked only where it
stands alone (a secret `x` masked inside words took every `exit` and `execution` of the
record), so where it stands inside a longer word it is shown. check-config says so of
each, never saying the secret."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.model.problems import Finding

if TYPE_CHECKING:  # redaction imports SHORT from here, on exec's path too
    from console.model.settings import Settings

SHORT = 6  # a secret under this many characters is masked only where it stands alone


def short(secret: str) -> bool:
    """Whether `secret` is masked only where it stands alone (its ends a letter or digit:
    `:pw1@` is masked wherever it is)."""
    return 0 < len(secret) < SHORT and (secret[0].isalnum() or secret[-1].isalnum())


def short_said(secret: str, where: str = "") -> str:
    """What check-config says of a short secret (`where`: `$NAME`, when a variable holds it)."""
    held = f"${where} holds a secret" if where else "a secret"
    return (
        f"{held} of {len(secret)} character{'s' if len(secret) > 1 else ''}: under {SHORT},"
        " it is masked only where it stands alone, and shown where it is part of a longer"
        " word"
    )


def short_secrets(settings: Settings) -> list[Finding]:
    """Each of console.toml's [redact] values under SHORT characters."""
    return [
        Finding("console", ("redact", "values", index), short_said(value), warning=True)
        for index, value in enumerate(settings.console.redact.values)
        if short(value)
    ]
