/** Gatehouse TypeScript SDK: a typed client over the generated `schema.d.ts` (openapi-fetch), plus
 * typed errors, cursor pagination, local access-token verification from JWKS and webhook
 * signature verification. */
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths } from "./schema.js";
export { GatehouseError, unwrap, type ErrorBody } from "./errors.js";
export { paginate, type Page } from "./pagination.js";
export { accessTokenVerifier, type AccessTokenClaims } from "./jwks.js";
export {
  constructEvent,
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_HEADER,
  signPayload,
  verifyWebhookSignature,
  WebhookSignatureError,
} from "./webhooks.js";

type Schemas = components["schemas"];
export type Organization = Schemas["Organization"];
export type User = Schemas["User"];
export type OrganizationMembership = Schemas["OrganizationMembership"];
export type WebhookEndpoint = Schemas["WebhookEndpoint"];
export type WebhookDelivery = Schemas["WebhookDelivery"];
export type Event = Schemas["Event"];

export type GatehouseClient = Client<paths>;

/** A typed client that sends `Authorization: Bearer <apiKey>` (a `gh_sk_…` key). */
export function createGatehouse(options: { baseUrl: string; apiKey: string; fetch?: typeof fetch }): GatehouseClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { Authorization: `Bearer ${options.apiKey}` },
    fetch: options.fetch,
  });
}
