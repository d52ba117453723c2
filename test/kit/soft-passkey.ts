/**
 * A passkey in software, for tests that make and use passkeys without a browser: a P-256
 * key pair that answers WebAuthn's registration ("none" attestation) and authentication
 * ceremonies as an authenticator would, in the JSON form @simplewebauthn/browser gives.
 * The browser tests use Chromium's virtual authenticator instead.
 */
import { isoCBOR } from "@simplewebauthn/server/helpers";

const b64url = (bytes: Uint8Array | ArrayBuffer) => Buffer.from(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes).toString("base64url");
const sha256 = async (data: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(data)));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
};

/** An ECDSA signature from Web Crypto (r || s) in the DER form WebAuthn carries. */
function der(raw: Uint8Array): Uint8Array {
  const int = (x: Uint8Array) => {
    let i = 0;
    while (i < x.length - 1 && x[i] === 0) i++;
    let v = x.slice(i);
    if (v[0]! & 0x80) v = concat(new Uint8Array([0]), v);
    return concat(new Uint8Array([0x02, v.length]), v);
  };
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

export interface SoftPasskey {
  credentialId: string;
  /** answers creation options (`options` of .../passkey/register/options) */
  register(options: Record<string, any>, origin: string): Promise<Record<string, unknown>>;
  /** answers request options (`options` of .../passkey/login/options) */
  login(options: Record<string, any>, origin: string): Promise<Record<string, unknown>>;
}

export async function softPasskey(): Promise<SoftPasskey> {
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", keys.publicKey);
  const credId = crypto.getRandomValues(new Uint8Array(16));
  let counter = 0;
  let userHandle = "";
  const cose = isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, "base64url")], [-3, Buffer.from(jwk.y!, "base64url")]]));
  const authData = async (rpId: string, flags: number, attested?: Uint8Array) => {
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, ++counter);
    return concat(await sha256(new TextEncoder().encode(rpId)), new Uint8Array([flags]), count, attested ?? new Uint8Array());
  };
  const clientData = (type: string, challenge: string, origin: string) => new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  return {
    credentialId: b64url(credId),
    async register(options, origin) {
      userHandle = options.user.id;
      const attested = concat(new Uint8Array(16), new Uint8Array([0, credId.length]), credId, cose);
      const data = await authData(options.rp.id, 0x45, attested);
      const attestationObject = isoCBOR.encode(new Map<string, unknown>([["fmt", "none"], ["attStmt", new Map()], ["authData", data]]) as never);
      const clientDataJSON = clientData("webauthn.create", options.challenge, origin);
      return {
        id: b64url(credId),
        rawId: b64url(credId),
        type: "public-key",
        response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ["internal"] },
        clientExtensionResults: {},
        authenticatorAttachment: "platform",
      };
    },
    async login(options, origin) {
      const data = await authData(options.rpId, 0x05);
      const clientDataJSON = clientData("webauthn.get", options.challenge, origin);
      const signed = concat(data, await sha256(clientDataJSON));
      const signature = der(new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.privateKey, signed)));
      return {
        id: b64url(credId),
        rawId: b64url(credId),
        type: "public-key",
        response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(data), signature: b64url(signature), userHandle },
        clientExtensionResults: {},
        authenticatorAttachment: "platform",
      };
    },
  };
}
