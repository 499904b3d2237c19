"""Verify the `Gatehouse-Signature` header of a webhook delivery.

    t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=...]

Pass the raw request body (bytes, before any JSON parsing): re-serialized JSON would not match.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any, Optional, Union

SIGNATURE_HEADER = "Gatehouse-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class WebhookSignatureError(Exception):
    """The delivery is not from Gatehouse, was altered, or is too old (a replay)."""


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    message = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    payload: Union[bytes, str],
    header: Optional[str],
    secret: str,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: Optional[float] = None,
) -> None:
    """Raises WebhookSignatureError unless one `v1` of `header` signs `payload` with `secret`
    and its timestamp is within `tolerance_seconds` of `now` (default: the current time)."""
    if isinstance(payload, str):
        payload = payload.encode()
    if not header:
        raise WebhookSignatureError("missing signature header")
    timestamp: Optional[int] = None
    candidates = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise WebhookSignatureError("malformed signature header")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError as exc:
                raise WebhookSignatureError("malformed timestamp") from exc
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise WebhookSignatureError("malformed signature header")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise WebhookSignatureError("timestamp outside the tolerance window")
    expected = sign(payload, secret, timestamp)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise WebhookSignatureError("no signature matches")


def construct_event(
    payload: Union[bytes, str],
    header: Optional[str],
    secret: str,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> Any:
    """Verifies the delivery, then returns the parsed event (`{object, id, event, data, created_at}`)."""
    verify_signature(payload, header, secret, tolerance_seconds)
    return json.loads(payload)
