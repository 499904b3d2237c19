"""Runs the Python SDK against a live Gatehouse: GATEHOUSE_URL, GATEHOUSE_API_KEY and optionally
GATEHOUSE_ISSUER. Prints one JSON line with what it created."""

import json
import os
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from gatehouse_client.api.environment import get_clients  # noqa: E402
from gatehouse_client.api.organizations import get_organizations, get_organizations_id, post_organizations  # noqa: E402
from gatehouse_client.api.user_management import (  # noqa: E402
    post_user_management_authenticate,
    post_user_management_organization_memberships,
    post_user_management_users,
)
from gatehouse_client.models import (  # noqa: E402
    AuthenticateRequest,
    CreateMembership,
    CreateOrganization,
    CreateUser,
)

import gatehouse_sdk  # noqa: E402
from gatehouse_sdk import AccessTokenVerifier, GatehouseError, paginate, unwrap  # noqa: E402
from gatehouse_sdk.webhooks import WebhookSignatureError, verify_signature  # noqa: E402


def main() -> None:
    base = os.environ["GATEHOUSE_URL"]
    api = gatehouse_sdk.client(base, os.environ["GATEHOUSE_API_KEY"])
    tag = uuid.uuid4().hex[:8]

    org = unwrap(post_organizations.sync_detailed(client=api, body=CreateOrganization(name=f"Acme {tag}")))
    email = f"ada-{tag}@example.com"
    password = "correct horse battery staple 42"
    user = unwrap(
        post_user_management_users.sync_detailed(
            client=api, body=CreateUser(email=email, password=password, email_verified=True)
        )
    )
    unwrap(
        post_user_management_organization_memberships.sync_detailed(
            client=api, body=CreateMembership(user_id=user.id, organization_id=org.id)
        )
    )

    client_id = unwrap(get_clients.sync_detailed(client=api)).data[0].id
    signed_in = unwrap(
        post_user_management_authenticate.sync_detailed(
            client=api,
            body=AuthenticateRequest(client_id=client_id, grant_type="password", email=email, password=password),
        )
    )
    claims = AccessTokenVerifier(base, issuer=os.environ.get("GATEHOUSE_ISSUER")).verify(signed_in.access_token)
    assert claims["sub"] == user.id, claims

    listed = [o.id for o in paginate(get_organizations.sync_detailed, limit=1, client=api, domains=[])]
    assert org.id in listed, listed

    try:
        unwrap(get_organizations_id.sync_detailed("org_01J00000000000000000000000", client=api))
        raise AssertionError("expected not_found")
    except GatehouseError as err:
        assert (err.status, err.code) == (404, "not_found"), err
    try:
        unwrap(post_user_management_users.sync_detailed(client=api, body=CreateUser(email=email)))
        raise AssertionError("expected email_taken")
    except GatehouseError as err:
        assert (err.status, err.code) == (409, "email_taken"), err

    # The server's own vector (src/webhooks/signature.rs): the helper and the server agree.
    header = "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
    verify_signature(b'{"a":1}', header, "whsec_test", now=1700000100)
    try:
        verify_signature(b'{"a":1}', header, "whsec_test", now=1700000301)
        raise AssertionError("a stale delivery was accepted")
    except WebhookSignatureError:
        pass

    # TODO(lead): invite a user and list directory users once the invitation and directory-sync
    # endpoints are merged (POST /user_management/invitations, GET /directory_users).

    print(
        json.dumps(
            {
                "sdk": "python",
                "organization_id": org.id,
                "user_id": user.id,
                "token_sub": claims["sub"],
                "token_org_id": claims.get("org_id"),
                "organizations_listed": len(listed),
            }
        )
    )


if __name__ == "__main__":
    main()
