import { createHmac, timingSafeEqual } from "node:crypto";

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=...]` */
export const SIGNATURE_HEADER = "Gatehouse-Signature";
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The delivery is not from Gatehouse, was altered, or is too old (a replay). */
export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookSignatureError";
  }
}

export function signPayload(payload: string | Uint8Array, secret: string, timestamp: number): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(payload).digest("hex");
}

/** Throws WebhookSignatureError unless one `v1` of `header` signs the raw `payload` with `secret`
 * and its timestamp is within the tolerance of `now` (unix seconds; default: the current time).
 * Pass the raw body as received: re-serialized JSON would not match. */
export function verifyWebhookSignature(
  payload: string | Uint8Array,
  header: string | null | undefined,
  secret: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): void {
  if (!header) {
    throw new WebhookSignatureError("missing signature header");
  }
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const at = part.indexOf("=");
    if (at < 0) {
      throw new WebhookSignatureError("malformed signature header");
    }
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === "t") {
      if (!/^\d+$/.test(value)) {
        throw new WebhookSignatureError("malformed timestamp");
      }
      timestamp = Number(value);
    } else if (key === "v1") {
      candidates.push(value);
    }
  }
  if (timestamp === undefined || candidates.length === 0) {
    throw new WebhookSignatureError("malformed signature header");
  }
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    throw new WebhookSignatureError("timestamp outside the tolerance window");
  }
  const expected = Buffer.from(signPayload(payload, secret, timestamp), "hex");
  const matches = candidates.some((c) => {
    const given = Buffer.from(c, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) {
    throw new WebhookSignatureError("no signature matches");
  }
}

/** Verifies the delivery, then returns the parsed event. */
export function constructEvent(
  payload: string | Uint8Array,
  header: string | null | undefined,
  secret: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): { object: "event"; id: string; event: string; data: unknown; created_at: string } {
  verifyWebhookSignature(payload, header, secret, options);
  const text = typeof payload === "string" ? payload : new TextDecoder().decode(payload);
  return JSON.parse(text);
}
