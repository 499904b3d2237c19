//! Request bodies in the shapes Okta and Microsoft document for their SCIM clients, with our own
//! values, in `fixtures/scim/{okta,entra}` (each directory's README cites the page), replayed in
//! order with the outcomes those pages describe and the effects Gatehouse adds on the core.

use crate::helpers::{parts, spawn_app};
use crate::scim::{core_user, last_user_updated, membership_of, refresh_works, session_in, setup};
use serde_json::Value;

/// The one placeholder domain of the fixtures, replaced by the organization's verified domain.
/// Addresses meant to stay outside the organization's domains use `example.org` instead.
pub const DOMAIN: &str = "example.com";
/// Okta fixtures' placeholder ids: the user (`02` id, `06` member value) and the group (`05`).
pub const OKTA_USER_ID: &str = "c5e1a7d2-4b89-4f3e-9a06-2d7b8e31f4c9";
pub const OKTA_GROUP_ID: &str = "9d3f6b20-7e14-4c5a-b8f1-e0a2c7d95b36";
/// Entra fixtures' placeholder member ids, one per published shape: `07`/`08`, `ki-06`, `ki-07`.
pub const ENTRA_MEMBER_ID: &str = "a3c9e17b04d26f58b1e2";
pub const ENTRA_MEMBER_ID_SHORT: &str = "u2718";
pub const ENTRA_MEMBER_ID_UUID: &str = "d41b7e09-5c3a-4f82-96e1-0b8c27fa4d63";

/// A fixture with the placeholder ids and domain replaced by live ones.
pub fn fixture(idp: &str, name: &str, substitutions: &[(&str, &str)]) -> Value {
    let path = format!("{}/tests/api/fixtures/scim/{idp}/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for (from, to) in substitutions {
        text = text.replace(from, to);
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ok_patch(status: u16) -> bool {
    // Both documents allow 200 with the resource or 204 without a body.
    status == 200 || status == 204
}

#[tokio::test]
async fn okta_published_requests_replay() {
    let app = spawn_app().await;
    let s = setup(&app, "okta").await;
    let org_id = s.org["id"].as_str().unwrap();
    let domain = s.domain.as_str();
    let login = format!("rhea.okafor@{domain}");

    // "Determine if the user already exists": an empty list, not an error.
    let (status, found) = s
        .scim
        .get(&format!(
            "/Users?filter=userName%20eq%20%22rhea.okafor%40{domain}%22&startIndex=1&count=100"
        ))
        .await;
    assert_eq!((status, found["totalResults"].as_u64()), (200, Some(0)), "{found}");
    assert_eq!(found["Resources"], serde_json::json!([]));

    // "Create the user": 201 with the profile and the server's id.
    let body = fixture("okta", "01-create-user.json", &[(DOMAIN, domain)]);
    let (status, created) = s.scim.post("/Users", body.clone()).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    for attr in [
        "userName",
        "name",
        "emails",
        "displayName",
        "locale",
        "externalId",
        "active",
    ] {
        assert_eq!(created[attr], body[attr], "{attr}");
    }
    let (_, du) = parts(app.get(&format!("/directory_users/{id}")).await).await;
    let user_id = du["user_id"].as_str().expect("linked").to_owned();
    let user = core_user(&app, &user_id).await;
    assert_eq!(
        (
            user["email"].as_str(),
            user["email_verified"].as_bool(),
            user["first_name"].as_str()
        ),
        (Some(login.as_str()), Some(true), Some("Rhea"))
    );
    assert_eq!(membership_of(&app, &user_id, org_id).await.unwrap()["status"], "active");
    // Creating it again: 409 (the document's "Conflict - User already exists").
    let (status, conflict) = s.scim.post("/Users", body).await;
    assert_eq!((status, conflict["scimType"].as_str()), (409, Some("uniqueness")));

    // "Retrieving a specific user", then "Update the user profile" with the whole body.
    let (status, got) = s.scim.get(&format!("/Users/{id}")).await;
    assert_eq!((status, got["id"].as_str()), (200, Some(id.as_str())));
    let put = fixture(
        "okta",
        "02-update-user-put.json",
        &[(OKTA_USER_ID, &id), (DOMAIN, domain)],
    );
    let (status, updated) = s.scim.put(&format!("/Users/{id}"), put.clone()).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["id"], id.as_str(), "id is read-only");
    for attr in ["userName", "name", "emails", "active"] {
        assert_eq!(updated[attr], put[attr], "{attr}");
    }
    // The new address is in the organization's verified domain: the core user follows.
    let user = core_user(&app, &user_id).await;
    assert_eq!(
        (user["email"].as_str(), user["first_name"].as_str()),
        (Some(format!("luca.brandt@{domain}").as_str()), Some("Luca"))
    );

    // Deactivation: active=false, the membership inactive, the user's sessions there revoked.
    let refresh = session_in(&app, &user_id, org_id).await;
    let (status, off) = s
        .scim
        .patch(&format!("/Users/{id}"), fixture("okta", "03-deactivate-user.json", &[]))
        .await;
    assert!(ok_patch(status));
    if status == 200 {
        assert_eq!(off["active"], false);
    }
    assert_eq!(
        membership_of(&app, &user_id, org_id).await.unwrap()["status"],
        "inactive"
    );
    assert!(!refresh_works(&app, &refresh).await);

    // Group push: create, rename (the id echoed in the value), add the member, unlink.
    let (status, group) = s
        .scim
        .post("/Groups", fixture("okta", "04-create-group.json", &[]))
        .await;
    assert_eq!(
        (status, group["displayName"].as_str()),
        (201, Some("Field Engineering")),
        "{group}"
    );
    assert_eq!(group["members"], serde_json::json!([]));
    let gid = group["id"].as_str().unwrap().to_owned();
    let (status, _) = s.scim.get(&format!("/Groups/{gid}")).await;
    assert_eq!(status, 200);
    let rename = fixture("okta", "05-rename-group.json", &[(OKTA_GROUP_ID, &gid)]);
    assert!(ok_patch(s.scim.patch(&format!("/Groups/{gid}"), rename).await.0));
    assert_eq!(
        s.scim.get(&format!("/Groups/{gid}")).await.1["displayName"],
        "Field Engineering EMEA"
    );
    let add = fixture("okta", "06-add-member.json", &[(OKTA_USER_ID, &id), (DOMAIN, domain)]);
    assert!(ok_patch(s.scim.patch(&format!("/Groups/{gid}"), add).await.0));
    let (_, got) = s.scim.get(&format!("/Groups/{gid}")).await;
    assert_eq!(got["members"][0]["value"], id.as_str());
    let (_, member) = s.scim.get(&format!("/Users/{id}")).await;
    assert_eq!(member["groups"][0]["value"], gid.as_str());
    assert_eq!(member["groups"][0]["display"], "Field Engineering EMEA");
    assert_eq!(s.scim.delete(&format!("/Groups/{gid}")).await, 204);
    assert_eq!(s.scim.get(&format!("/Groups/{gid}")).await.0, 404);
    assert!(s.scim.get(&format!("/Users/{id}")).await.1.get("groups").is_none());
}

#[tokio::test]
async fn entra_published_requests_replay() {
    let app = spawn_app().await;
    let s = setup(&app, "entra").await;
    let org_id = s.org["id"].as_str().unwrap();
    let domain = s.domain.as_str();
    let user_name = "Pilot_User_3e7d21c4-9a0b-4f6e-b852-7c1d04e9fa13";
    let by_user_name = |name: &str| format!("/Users?filter=userName%20eq%20%22{name}%22");

    // "Get User by query - Zero results".
    let (status, none) = s.scim.get(&by_user_name(user_name)).await;
    assert_eq!((status, none["totalResults"].as_u64()), (200, Some(0)));

    // "Create User": 201, the profile echoed with the server's id.
    let body = fixture("entra", "01-create-user.json", &[(DOMAIN, domain)]);
    let (status, created) = s.scim.post("/Users", body.clone()).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    for attr in ["externalId", "userName", "name", "active", "emails"] {
        assert_eq!(created[attr], body[attr], "{attr}");
    }
    let (_, du) = parts(app.get(&format!("/directory_users/{id}")).await).await;
    let user_id = du["user_id"]
        .as_str()
        .expect("linked by the trusted work email")
        .to_owned();
    let work_email = format!("Pilot_User_8b2f6e01-d4c7-4a39-9e15-3f0a7b6c2d84@{domain}");
    let user = core_user(&app, &user_id).await;
    assert!(
        user["email"].as_str().unwrap().eq_ignore_ascii_case(&work_email),
        "{user}"
    );
    assert_eq!(user["email_verified"], true);

    // "Get User" and "Get User by query".
    assert_eq!(s.scim.get(&format!("/Users/{id}")).await.0, 200);
    let (_, one) = s.scim.get(&by_user_name(user_name)).await;
    assert_eq!(
        (one["totalResults"].as_u64(), one["Resources"][0]["id"].as_str()),
        (Some(1), Some(id.as_str()))
    );

    // "Update User [Multi-valued properties]": the new address (example.org) is outside the
    // organization's domains, so the directory user changes and the core user keeps its verified email.
    let (status, patched) = s
        .scim
        .patch(
            &format!("/Users/{id}"),
            fixture("entra", "02-update-user-multi-valued.json", &[]),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["emails"][0]["value"], "Ines.Relocated@example.org");
    assert_eq!(patched["name"]["familyName"], "Castellano-Ruiz");
    let user = core_user(&app, &user_id).await;
    assert_eq!(user["last_name"], "Castellano-Ruiz");
    assert!(user["email"].as_str().unwrap().eq_ignore_ascii_case(&work_email));
    assert_eq!(
        last_user_updated(&app, &id).await["data"]["core_email_unchanged"]["reason"],
        "untrusted_domain"
    );

    // "Update User [Single-valued properties]".
    let renamed = format!("0e6f3a92-b7d1-4c48-a5e3-9f2b81d07c6a@{domain}");
    let (status, patched) = s
        .scim
        .patch(
            &format!("/Users/{id}"),
            fixture("entra", "03-update-user-single-valued.json", &[(DOMAIN, domain)]),
        )
        .await;
    assert_eq!((status, patched["userName"].as_str()), (200, Some(renamed.as_str())));
    assert_eq!(s.scim.get(&by_user_name(&renamed)).await.1["totalResults"], 1);

    // Known issues: the requests Entra sends without and with aadOptscim062020.
    let (status, patched) = s
        .scim
        .patch(
            &format!("/Users/{id}"),
            fixture("entra", "ki-03-add-attribute-without-flag.json", &[]),
        )
        .await;
    assert_eq!((status, patched["nickName"].as_str()), (200, Some("Nesi")));
    let (status, patched) = s
        .scim
        .patch(
            &format!("/Users/{id}"),
            fixture("entra", "ki-04-replace-attributes-without-flag.json", &[]),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(
        (
            patched["displayName"].as_str(),
            patched["emails"][0]["value"].as_str(),
            patched["name"]["givenName"].as_str(),
            patched["name"]["familyName"].as_str(),
            patched["externalId"].as_str(),
            patched[crate::scim::ENTERPRISE]["employeeNumber"].as_str(),
        ),
        (
            Some("Nessa"),
            Some("Nessa.Cortez@mail.example.org"),
            Some("Vanessa"),
            Some("Cortez"),
            Some("EMP-20417"),
            Some("EMP-20417")
        )
    );
    assert_eq!(core_user(&app, &user_id).await["first_name"], "Vanessa");
    let (status, patched) = s
        .scim
        .patch(
            &format!("/Users/{id}"),
            fixture("entra", "ki-05-replace-attributes-with-flag.json", &[]),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(
        (
            patched["displayName"].as_str(),
            patched["emails"][0]["value"].as_str(),
            patched["name"]["givenName"].as_str(),
            patched["name"]["familyName"].as_str(),
            patched[crate::scim::ENTERPRISE]["employeeNumber"].as_str(),
        ),
        (
            Some("Vee"),
            Some("Vee.Hartley@mail.example.org"),
            Some("Veronica"),
            Some("Hartley"),
            Some("EMP-31986")
        )
    );
    let user = core_user(&app, &user_id).await;
    assert_eq!(
        (user["first_name"].as_str(), user["last_name"].as_str()),
        (Some("Veronica"), Some("Hartley"))
    );

    // "Disable User", in the three shapes: "False" (string), false (flag), false (tutorial).
    let refresh = session_in(&app, &user_id, org_id).await;
    for name in [
        "ki-01-disable-user-without-flag.json",
        "ki-02-disable-user-with-flag.json",
        "04-disable-user.json",
    ] {
        let (status, off) = s.scim.patch(&format!("/Users/{id}"), fixture("entra", name, &[])).await;
        assert_eq!((status, off["active"].as_bool()), (200, Some(false)), "{name}: {off}");
    }
    assert_eq!(
        membership_of(&app, &user_id, org_id).await.unwrap()["status"],
        "inactive"
    );
    assert!(!refresh_works(&app, &refresh).await);

    // Group operations: create (with Microsoft's extra schema URN), read without members, rename,
    // add and remove the member in each published shape.
    let (status, group) = s
        .scim
        .post("/Groups", fixture("entra", "05-create-group.json", &[]))
        .await;
    assert_eq!(status, 201, "{group}");
    assert_eq!(
        (group["displayName"].as_str(), group["externalId"].as_str()),
        (Some("Site Reliability"), Some("2b7e4d91-60c3-4a8f-b1d5-e93c07a6f284"))
    );
    assert_eq!(group["members"], serde_json::json!([]));
    let gid = group["id"].as_str().unwrap().to_owned();
    let (status, got) = s.scim.get(&format!("/Groups/{gid}?excludedAttributes=members")).await;
    assert_eq!(status, 200);
    assert!(got.get("members").is_none(), "{got}");
    let (_, listed) = s
        .scim
        .get("/Groups?excludedAttributes=members&filter=displayName%20eq%20%22Site%20Reliability%22")
        .await;
    assert_eq!(listed["totalResults"], 1);
    assert!(listed["Resources"][0].get("members").is_none());
    let (status, _) = s
        .scim
        .patch(
            &format!("/Groups/{gid}"),
            fixture("entra", "06-update-group-non-member-attributes.json", &[]),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        s.scim.get(&format!("/Groups/{gid}")).await.1["displayName"],
        "3f8e1b6c-0a9d-4e27-b5c4-d61f92a07e3bSiteReliabilityRenamed"
    );
    let add = fixture("entra", "07-update-group-add-members.json", &[(ENTRA_MEMBER_ID, &id)]);
    let members_of = |group: Value| group["members"].as_array().map_or(0, Vec::len);
    for (remove, placeholder) in [
        ("08-update-group-remove-members.json", ENTRA_MEMBER_ID),
        ("ki-06-remove-member-without-flag.json", ENTRA_MEMBER_ID_SHORT),
        ("ki-07-remove-member-with-flag.json", ENTRA_MEMBER_ID_UUID),
    ] {
        assert_eq!(s.scim.patch(&format!("/Groups/{gid}"), add.clone()).await.0, 204);
        assert_eq!(members_of(s.scim.get(&format!("/Groups/{gid}")).await.1), 1);
        assert_eq!(
            s.scim.get(&format!("/Users/{id}")).await.1["groups"][0]["value"],
            gid.as_str()
        );
        let body = fixture("entra", remove, &[(placeholder, &id)]);
        assert_eq!(s.scim.patch(&format!("/Groups/{gid}"), body).await.0, 204, "{remove}");
        assert_eq!(members_of(s.scim.get(&format!("/Groups/{gid}")).await.1), 0, "{remove}");
        assert!(s.scim.get(&format!("/Users/{id}")).await.1.get("groups").is_none());
    }

    // "Delete Group", "Delete User": 204; the user's membership goes.
    assert_eq!(s.scim.delete(&format!("/Groups/{gid}")).await, 204);
    assert_eq!(s.scim.delete(&format!("/Users/{id}")).await, 204);
    assert_eq!(s.scim.get(&format!("/Users/{id}")).await.0, 404);
    assert!(membership_of(&app, &user_id, org_id).await.is_none());
}
