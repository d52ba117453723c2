/**
 * The sale report, signed so an organiser can hand it on as evidence of a fair sale. It is
 * signed here, at the edge, because the key is here: the edge's active-token signing key
 * (ACTIVE_SIGNING_KEYS, the first one), whose public half every verifier already finds at
 * /.well-known/jwks.json. The origin only ever holds the public keys, so it could not sign;
 * handing it the private key would let it mint active tokens too.
 *
 * The signature is a JWS (ES256) over the exact bytes of the origin's JSON report, with an
 * unencoded payload (RFC 7797: `b64: false`), answered as a flattened JWS whose `payload` is
 * that JSON text: `flattenedVerify(answer, createRemoteJWKSet(jwksUrl))` verifies it as is,
 * and `detached` is the same signature as a detached compact JWS (`<protected>..<signature>`).
 */
import { FlattenedSign, importJWK } from "jose";
import { ACTIVE_ALG } from "../../common/tokens.ts";
import { activeKeys } from "./auth.ts";
import type { Env } from "./env.ts";

export const REPORT_JWS_TYPE = "sale-report+json";

export interface SignedReport {
  /** the report's JSON text, byte for byte as signed */
  payload: string;
  protected: string;
  signature: string;
  /** `<protected>..<signature>`: the same JWS, detached from the payload */
  detached: string;
}

export async function signReport(env: Env, report: string): Promise<SignedReport> {
  const key = activeKeys(env).signing;
  const jws = await new FlattenedSign(new TextEncoder().encode(report))
    .setProtectedHeader({ alg: ACTIVE_ALG, kid: key.kid, typ: REPORT_JWS_TYPE, b64: false, crit: ["b64"] })
    .sign(await importJWK(key, ACTIVE_ALG));
  return { payload: report, protected: jws.protected!, signature: jws.signature, detached: `${jws.protected}..${jws.signature}` };
}
