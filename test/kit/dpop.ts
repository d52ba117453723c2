/**
 * A fan's device key as an app holds one: an ES256 key pair and DPoP proofs (RFC 9449)
 * made with it, the way edge/browser/device-key.ts makes them in the page. Tests and the
 * proof bench use it to join, claim and call /api with a bound place.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";

export interface ProofOptions {
  /** the ticket or active token sent with the request (its hash goes in `ath`) */
  token?: string;
  /** seconds; default now */
  iat?: number;
  jti?: string;
  /** leave `ath` out even though a token is sent */
  noAth?: boolean;
}

export interface DeviceKeyClient {
  jwk: JWK;
  /** RFC 7638 SHA-256 thumbprint: what a bound ticket's `cnf.jkt` holds */
  jkt: string;
  proof(method: string, url: string, opts?: ProofOptions): Promise<string>;
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

export async function tokenHash(token: string): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))));
}

export async function makeDeviceKey(): Promise<DeviceKeyClient> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const jwk = { kty, crv, x, y } as JWK;
  return {
    jwk,
    jkt: await calculateJwkThumbprint(jwk, "sha256"),
    async proof(method, url, opts = {}) {
      const u = new URL(url);
      const claims: Record<string, unknown> = { htm: method, htu: u.origin + u.pathname, jti: opts.jti ?? b64url(crypto.getRandomValues(new Uint8Array(16))) };
      if (opts.token && !opts.noAth) claims.ath = await tokenHash(opts.token);
      return new SignJWT(claims)
        .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk })
        .setIssuedAt(opts.iat ?? Math.floor(Date.now() / 1000))
        .sign(privateKey);
    },
  };
}
