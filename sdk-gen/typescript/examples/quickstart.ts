/** Runs the TypeScript SDK against a live Gatehouse: GATEHOUSE_URL, GATEHOUSE_API_KEY and optionally
 * GATEHOUSE_ISSUER. Prints one JSON line with what it created. */
import { randomUUID } from "node:crypto";
import {
  accessTokenVerifier,
  createGatehouse,
  GatehouseError,
  paginate,
  unwrap,
  verifyWebhookSignature,
  WebhookSignatureError,
} from "../src/index.js";

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

async function expectError(call: Promise<unknown>, status: number, code: string): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (err instanceof GatehouseError && err.status === status && err.code === code) {
      return;
    }
    throw err;
  }
  throw new Error(`expected ${status} ${code}`);
}

async function main(): Promise<void> {
  const baseUrl = env("GATEHOUSE_URL");
  const gh = createGatehouse({ baseUrl, apiKey: env("GATEHOUSE_API_KEY") });
  const tag = randomUUID().slice(0, 8);

  const org = await unwrap(gh.POST("/organizations", { body: { name: `Acme ${tag}` } }));
  const email = `grace-${tag}@example.com`;
  const password = "correct horse battery staple 42";
  const user = await unwrap(
    gh.POST("/user_management/users", { body: { email, password, email_verified: true } }),
  );
  await unwrap(
    gh.POST("/user_management/organization_memberships", {
      body: { user_id: user.id, organization_id: org.id },
    }),
  );

  const clients = await unwrap(gh.GET("/clients"));
  const clientId = clients.data[0]?.id;
  if (!clientId) {
    throw new Error("no client");
  }
  const signedIn = await unwrap(
    gh.POST("/user_management/authenticate", {
      body: { client_id: clientId, grant_type: "password", email, password },
    }),
  );
  const verify = accessTokenVerifier(baseUrl, { issuer: process.env.GATEHOUSE_ISSUER });
  const claims = await verify(signedIn.access_token);
  if (claims.sub !== user.id) {
    throw new Error(`token is for ${claims.sub}, not ${user.id}`);
  }

  const listed: string[] = [];
  for await (const o of paginate((after) =>
    unwrap(gh.GET("/organizations", { params: { query: { domains: [], limit: 1, after } } })),
  )) {
    listed.push(o.id);
  }
  if (!listed.includes(org.id)) {
    throw new Error("the new organization is not listed");
  }

  await expectError(
    unwrap(gh.GET("/organizations/{id}", { params: { path: { id: "org_01J00000000000000000000000" } } })),
    404,
    "not_found",
  );
  await expectError(unwrap(gh.POST("/user_management/users", { body: { email } })), 409, "email_taken");

  // A webhook endpoint's secret is shown once; deliveries are checked with it. The vector below is
  // the server's own (src/webhooks/signature.rs), so the helper and the server agree byte for byte.
  const endpoint = await unwrap(
    gh.POST("/webhook_endpoints", { body: { url: "https://example.com/hooks", events: ["user.created"] } }),
  );
  if (!endpoint.secret?.startsWith("whsec_")) {
    throw new Error("no webhook secret");
  }
  const header = "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789";
  verifyWebhookSignature('{"a":1}', header, "whsec_test", { now: 1700000100 });
  try {
    verifyWebhookSignature('{"a":1}', header, "whsec_test", { now: 1700000301 });
    throw new Error("a stale delivery was accepted");
  } catch (err) {
    if (!(err instanceof WebhookSignatureError)) {
      throw err;
    }
  }
  await unwrap(gh.DELETE("/webhook_endpoints/{id}", { params: { path: { id: endpoint.id } } }));

  // Invite someone to the organization, find the invitation in the list, then revoke it.
  const inviteeEmail = `lin-${tag}@example.com`;
  const invitation = await unwrap(
    gh.POST("/user_management/invitations", { body: { email: inviteeEmail, organization_id: org.id } }),
  );
  if (invitation.state !== "pending") {
    throw new Error(`invitation is ${invitation.state}`);
  }
  const invited: string[] = [];
  for await (const i of paginate((after) =>
    unwrap(gh.GET("/user_management/invitations", { params: { query: { organization_id: org.id, after } } })),
  )) {
    invited.push(i.email);
  }
  if (!invited.includes(inviteeEmail)) {
    throw new Error("the invitation is not listed");
  }
  const revoked = await unwrap(
    gh.POST("/user_management/invitations/{id}/revoke", { params: { path: { id: invitation.id } } }),
  );
  if (revoked.state !== "revoked") {
    throw new Error(`revoked invitation is ${revoked.state}`);
  }

  // A directory: its bearer token is shown once. The customer's IdP (played here with plain
  // fetch, as SCIM is not part of the SDK) provisions a user, which the vendor then lists.
  const directory = await unwrap(
    gh.POST("/directories", { body: { organization_id: org.id, name: `Okta ${tag}`, type: "okta" } }),
  );
  const scimUsers = new URL(`${new URL(directory.scim_base_url).pathname}/Users`, baseUrl);
  const provisioned = await fetch(scimUsers, {
    method: "POST",
    headers: { authorization: `Bearer ${directory.bearer_token}`, "content-type": "application/scim+json" },
    body: JSON.stringify({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: `kim-${tag}@example.com`,
      name: { givenName: "Kim", familyName: "Park" },
      emails: [{ value: `kim-${tag}@example.com`, primary: true }],
      active: true,
    }),
  });
  if (provisioned.status !== 201) {
    throw new Error(`SCIM provisioning answered ${provisioned.status}`);
  }
  const directoryUsers: string[] = [];
  for await (const du of paginate((after) =>
    unwrap(gh.GET("/directory_users", { params: { query: { directory: directory.id, after } } })),
  )) {
    directoryUsers.push(du.username);
  }
  if (directoryUsers.length !== 1 || directoryUsers[0] !== `kim-${tag}@example.com`) {
    throw new Error(`directory users: ${directoryUsers}`);
  }

  console.log(
    JSON.stringify({
      sdk: "typescript",
      organization_id: org.id,
      user_id: user.id,
      token_sub: claims.sub,
      token_org_id: claims.org_id ?? null,
      organizations_listed: listed.length,
      invitation_id: invitation.id,
      directory_users: directoryUsers.length,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
