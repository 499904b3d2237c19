import type { components } from "./schema.js";

export type ErrorBody = components["schemas"]["Error"];

/** An API error (API.md "Errors"): HTTP `status`, the body's `code` (e.g. `not_found`, `email_taken`,
 * `mfa_challenge`), `message`, field `errors`, and the whole `body` for the extra fields of "still
 * needed" sign-in answers (such as `pending_authentication_token`). */
export class GatehouseError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: NonNullable<ErrorBody["errors"]>;
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    const code = typeof body.code === "string" ? body.code : "unknown_error";
    const message = typeof body.message === "string" ? body.message : "";
    super(`${status} ${code}: ${message}`);
    this.name = "GatehouseError";
    this.status = status;
    this.code = code;
    this.errors = Array.isArray(body.errors) ? (body.errors as GatehouseError["errors"]) : [];
    this.body = body;
  }
}

/** The data of a 2xx answer from an openapi-fetch call; throws GatehouseError otherwise. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) {
    return data as T;
  }
  const body = error && typeof error === "object" ? (error as Record<string, unknown>) : {};
  throw new GatehouseError(response.status, body);
}
