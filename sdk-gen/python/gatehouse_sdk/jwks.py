"""Verifies Gatehouse access tokens locally, from the server's JWKS: the hot path of an app
never calls Gatehouse. Keys are fetched once and again only when an unknown `kid` shows up."""

from __future__ import annotations

from typing import Any, Optional

import jwt

ALGORITHMS = ["ES256", "RS256"]


class AccessTokenVerifier:
    def __init__(self, base_url: str, issuer: Optional[str] = None, leeway_seconds: int = 0):
        self._jwks = jwt.PyJWKClient(base_url.rstrip("/") + "/.well-known/jwks.json", cache_keys=True)
        self._issuer = issuer
        self._leeway = leeway_seconds

    def verify(self, access_token: str) -> dict[str, Any]:
        """The token's claims (`sub`, `sid`, `org_id`, `role`, `permissions`, ...) if its signature,
        `exp` and (when configured) `iss` hold; raises jwt.PyJWTError otherwise."""
        key = self._jwks.get_signing_key_from_jwt(access_token)
        options = {"require": ["exp", "iat", "sub"], "verify_aud": False}
        if self._issuer is not None:
            options["require"].append("iss")
        return jwt.decode(
            access_token,
            key.key,
            algorithms=ALGORITHMS,
            issuer=self._issuer,
            leeway=self._leeway,
            options=options,
        )
