import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";

/** The claims of a Gatehouse access token (API.md "Access token"). */
export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  sid?: string;
  org_id?: string | null;
  role?: string | null;
  permissions?: string[];
}

/** Verifies access tokens locally from the server's JWKS, so an app's hot path never calls
 * Gatehouse. Keys are fetched once and again only when a token names an unknown `kid`. */
export function accessTokenVerifier(
  baseUrl: string,
  options: { issuer?: string; clockToleranceSeconds?: number } = {},
): (accessToken: string) => Promise<AccessTokenClaims> {
  const jwks = createRemoteJWKSet(new URL("/.well-known/jwks.json", baseUrl));
  return async (accessToken) => {
    const { payload } = await jwtVerify(accessToken, jwks, {
      algorithms: ["ES256", "RS256"],
      issuer: options.issuer,
      clockTolerance: options.clockToleranceSeconds ?? 0,
      requiredClaims: ["exp", "iat", "sub"],
    });
    return payload as AccessTokenClaims;
  };
}
