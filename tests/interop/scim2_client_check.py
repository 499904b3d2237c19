"""Drives Gatehouse's SCIM server with scim2-client (PyPI, python-scim project), a client
written by others that validates every response against the RFC 7643 models.

Usage: python3 scim2_client_check.py BASE_URL TOKEN DOMAIN
Prints one line per step; exits non-zero on the first failure.
"""

import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import PatchOp, PatchOperation, SearchRequest, UniquenessException


def step(name):
    print(f"step {name}", flush=True)


def main():
    base, token, domain = sys.argv[1], sys.argv[2], sys.argv[3]
    http = Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
    scim = SyncSCIMClient(http)

    step("discover")
    scim.discover()
    user_model = scim.get_resource_model("User")
    group_model = scim.get_resource_model("Group")
    assert user_model is not None and group_model is not None
    config = scim._config or scim.provider.service_provider_config
    assert config.patch.supported and config.filter.supported

    step("create user")
    login = f"bjensen@{domain}"
    created = scim.create(
        user_model.model_validate(
            {
                "userName": login,
                "externalId": "bjensen-ext",
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
                "emails": [{"value": login, "type": "work", "primary": True}],
                "active": True,
            }
        )
    )
    assert created.id and created.user_name == login, created
    assert created.meta.location.endswith(f"/Users/{created.id}")

    step("get user")
    got = scim.query(user_model, created.id)
    assert got.name.family_name == "Jensen"

    step("search by userName")
    found = scim.query(user_model, query_parameters=SearchRequest(filter=f'userName eq "{login.upper()}"'))
    assert found.total_results == 1 and found.resources[0].id == created.id, found

    step("search by value path")
    found = scim.query(
        user_model,
        query_parameters=SearchRequest(filter=f'emails[type eq "work" and value ew "@{domain}"]', count=10),
    )
    assert found.total_results == 1

    step("replace user")
    got.display_name = "Babs Jensen"
    replaced = scim.replace(got)
    assert replaced.display_name == "Babs Jensen"

    step("patch user")
    patched = scim.modify(
        user_model,
        created.id,
        PatchOp[user_model](operations=[PatchOperation(op="replace", path="active", value=False)]),
    )
    if patched is not None:
        assert patched.active is False, patched
    assert scim.query(user_model, created.id).active is False

    step("duplicate is a uniqueness error")
    try:
        scim.create(user_model.model_validate({"userName": login.upper()}))
    except UniquenessException:
        pass
    else:
        raise AssertionError("duplicate userName was accepted")

    step("group with member")
    group = scim.create(
        group_model.model_validate({"displayName": "Admins", "members": [{"value": created.id}]})
    )
    assert group.id
    listed = scim.query(group_model, query_parameters=SearchRequest(filter='displayName eq "admins"'))
    assert listed.total_results == 1
    assert [m.value for m in listed.resources[0].members] == [created.id]

    step("delete")
    scim.delete(group_model, group.id)
    scim.delete(user_model, created.id)
    found = scim.query(user_model, query_parameters=SearchRequest(filter=f'userName eq "{login}"'))
    assert found.total_results == 0
    print("ok", flush=True)


if __name__ == "__main__":
    main()
