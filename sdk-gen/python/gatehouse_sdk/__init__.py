"""Gatehouse Python SDK: the typed client generated into `gatehouse_client` (models for every
resource, one module per endpoint) plus what a generator cannot write: typed errors, cursor
pagination, local access-token verification from JWKS and webhook signature verification."""

from gatehouse_client import AuthenticatedClient, Client

from .errors import GatehouseError, unwrap
from .jwks import AccessTokenVerifier
from .pagination import paginate
from .webhooks import WebhookSignatureError, construct_event, verify_signature

__all__ = [
    "AccessTokenVerifier",
    "GatehouseError",
    "WebhookSignatureError",
    "client",
    "construct_event",
    "paginate",
    "unwrap",
    "verify_signature",
]


def client(base_url: str, api_key: str, timeout: float = 30.0) -> AuthenticatedClient:
    """A client that sends `Authorization: Bearer <api_key>` (a `gh_sk_…` key)."""
    import httpx

    return AuthenticatedClient(
        base_url=base_url, token=api_key, timeout=httpx.Timeout(timeout), raise_on_unexpected_status=True
    )


def public_client(base_url: str) -> Client:
    """A client without credentials, for JWKS and health."""
    return Client(base_url=base_url, raise_on_unexpected_status=True)
