"""Runs the Python SDK against a live Gatehouse: GATEHOUSE_URL, GATEHOUSE_API_KEY and optionally
GATEHOUSE_ISSUER. Prints one JSON line with what it created."""

import json
import os
import sys
import uuid
from urllib.parse import urlparse

import httpx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from gatehouse_client.api.directory_sync import get_directory_users, post_directories  # noqa: E402
from gatehouse_client.api.environment import get_clients  # noqa: E402
from gatehouse_client.api.organizations import get_organizations, get_organizations_id, post_organizations  # noqa: E402
from gatehouse_client.api.user_management import (  # noqa: E402
    get_user_management_invitations,
    post_user_management_invitations,
    post_user_management_invitations_id_revoke,
    post_user_management_authenticate,
    post_user_management_organization_memberships,
    post_user_management_users,
)
from gatehouse_client.models import (  # noqa: E402
    AuthenticateRequest,
    CreateDirectory,
    CreateInvitation,
    CreateMembership,
    DirectoryKind,
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

    # Invite someone to the organization, find the invitation in the list, then revoke it.
    invitee = f"lin-{tag}@example.com"
    invitation = unwrap(
        post_user_management_invitations.sync_detailed(
            client=api, body=CreateInvitation(email=invitee, organization_id=org.id)
        )
    )
    assert invitation.state == "pending", invitation.state
    invitations = paginate(get_user_management_invitations.sync_detailed, client=api, organization_id=org.id)
    invited = [i.email for i in invitations]
    assert invitee in invited, invited
    revoked = unwrap(post_user_management_invitations_id_revoke.sync_detailed(invitation.id, client=api))
    assert revoked.state == "revoked", revoked.state

    # A directory: its bearer token is shown once. The customer's IdP (played here with plain
    # httpx, as SCIM is not part of the SDK) provisions a user, which the vendor then lists.
    directory = unwrap(
        post_directories.sync_detailed(
            client=api, body=CreateDirectory(organization_id=org.id, name=f"Okta {tag}", type_=DirectoryKind.OKTA)
        )
    )
    scim_users = base.rstrip("/") + urlparse(directory.scim_base_url).path + "/Users"
    username = f"kim-{tag}@example.com"
    provisioned = httpx.post(
        scim_users,
        headers={"authorization": f"Bearer {directory.bearer_token}", "content-type": "application/scim+json"},
        content=json.dumps(
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": username,
                "name": {"givenName": "Kim", "familyName": "Park"},
                "emails": [{"value": username, "primary": True}],
                "active": True,
            }
        ),
    )
    assert provisioned.status_code == 201, provisioned.text
    listed_users = paginate(get_directory_users.sync_detailed, client=api, directory=directory.id)
    directory_users = [u.username for u in listed_users]
    assert directory_users == [username], directory_users

    print(
        json.dumps(
            {
                "sdk": "python",
                "organization_id": org.id,
                "user_id": user.id,
                "token_sub": claims["sub"],
                "token_org_id": claims.get("org_id"),
                "organizations_listed": len(listed),
                "invitation_id": invitation.id,
                "directory_users": len(directory_users),
            }
        )
    )


if __name__ == "__main__":
    main()
