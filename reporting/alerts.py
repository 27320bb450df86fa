"""Alerts: a JSON POST to a webhook (Slack-compatible body) and a log line.

Sending never raises: a webhook that is down, slow or answers an error is logged as a warning,
and the failure that caused the alert stays the one reported.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

log = logging.getLogger(__name__)


def alert_body(text: str, details: dict[str, Any]) -> dict[str, Any]:
    """Slack's incoming webhooks read `text`; other receivers get the details as fields."""
    return {"text": text, "mca": details}


def send_alert(webhook_url: str | None, text: str, details: dict[str, Any], *, timeout: float = 10.0) -> bool:
    """Log the alert, POST it when a webhook is configured; True when the webhook accepted it."""
    log.error("ALERT: %s", text)
    if not webhook_url:
        return False
    body = json.dumps(alert_body(text, details), default=str).encode("utf-8")
    request = urllib.request.Request(
        webhook_url, data=body, method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "mca-report"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - user-configured URL
            ok = 200 <= response.status < 300
            if not ok:
                log.warning("alert webhook answered HTTP %s", response.status)
            return ok
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.warning("alert webhook failed: %s", getattr(exc, "reason", exc))
        return False
