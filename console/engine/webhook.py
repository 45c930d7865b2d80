"""POST a JSON payload to a webhook URL, off the event loop, bounded by a timeout."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

USER_AGENT = "rollback-console"


@dataclass
class WebhookResult:
    ok: bool
    status: int | None
    detail: str

    def as_data(self) -> dict:
        return {"ok": self.ok, "status": self.status, "detail": self.detail}


def _post(url: str, payload: dict, timeout: float) -> WebhookResult:
    body = json.dumps(payload, sort_keys=True).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return WebhookResult(True, response.status, f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        return WebhookResult(False, exc.code, f"HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return WebhookResult(False, None, f"not delivered: {reason}")


async def post_json(url: str, payload: dict, timeout: float) -> WebhookResult:
    """Deliver `payload`; any 2xx is success, everything else is a failure with a reason."""
    if not url.startswith(("http://", "https://")):
        return WebhookResult(False, None, "the webhook URL must be http:// or https://")
    try:
        return await asyncio.wait_for(asyncio.to_thread(_post, url, payload, timeout), timeout + 1)
    except TimeoutError:
        return WebhookResult(False, None, f"no answer within {timeout:g} s")
