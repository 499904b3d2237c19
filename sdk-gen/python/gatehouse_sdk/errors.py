"""Typed API errors: every non-2xx answer becomes a GatehouseError carrying the body's `code`."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from gatehouse_client.models.error import Error
from gatehouse_client.types import Response

T = TypeVar("T")


class GatehouseError(Exception):
    """An API error (API.md "Errors"): `status`, `code` (e.g. `not_found`, `email_taken`,
    `mfa_challenge`), `message`, field `errors`, and the whole `body` for the extra fields of
    "still needed" sign-in answers (such as `pending_authentication_token`)."""

    def __init__(self, status: int, code: str, message: str, errors: list[dict[str, Any]], body: dict[str, Any]):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.body = body


def unwrap(response: Response[Any]) -> Any:
    """The parsed model of a 2xx answer (None for 204); raises GatehouseError otherwise.

    Use with the generated `sync_detailed` / `asyncio_detailed` functions."""
    status = int(response.status_code)
    if 200 <= status < 300 and not isinstance(response.parsed, Error):
        return response.parsed
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    raise GatehouseError(
        status,
        str(body.get("code", "unknown_error")),
        str(body.get("message", "")),
        list(body.get("errors", [])),
        body,
    )
