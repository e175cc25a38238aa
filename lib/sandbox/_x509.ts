/**
 * A minimal self-signed X.509 certificate (DER by hand), so `oauth2/v1/certs` serves PEM
 * certificates as Google does rather than bare public keys.
 */

function length(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, content: Uint8Array | number[]): Uint8Array {
  const body = content instanceof Uint8Array ? content : new Uint8Array(content);
  const head = [tag, ...length(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const seq = (...parts: Uint8Array[]) => tlv(0x30, concat(...parts));
const SHA256_WITH_RSA = seq(
  tlv(0x06, [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
  tlv(0x05, []),
);

function name(commonName: string): Uint8Array {
  const cn = seq(tlv(0x06, [0x55, 0x04, 0x03]), tlv(0x0c, new TextEncoder().encode(commonName)));
  return seq(tlv(0x31, cn));
}

function utcTime(d: Date): Uint8Array {
  const s = d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
  return tlv(0x17, new TextEncoder().encode(s));
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** A PEM `CERTIFICATE` for the key pair, signed by its own private key (RS256). */
export async function selfSignedCertificate(
  privateKey: CryptoKey,
  publicKey: CryptoKey,
  commonName: string,
  now: Date,
): Promise<string> {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  const serial = crypto.getRandomValues(new Uint8Array(8));
  serial[0] &= 0x7f;
  const tbs = seq(
    tlv(0xa0, tlv(0x02, [2])),
    tlv(0x02, serial),
    SHA256_WITH_RSA,
    name(commonName),
    seq(
      utcTime(new Date(now.getTime() - 86400000)),
      utcTime(new Date(now.getTime() + 365 * 86400000)),
    ),
    name(commonName),
    spki,
  );
  const signature = new Uint8Array(
    await crypto.subtle.sign("RSASSA-PKCS1-v1_5", privateKey, tbs as Uint8Array<ArrayBuffer>),
  );
  const cert = seq(tbs, SHA256_WITH_RSA, tlv(0x03, concat(new Uint8Array([0]), signature)));
  const lines = base64(cert).match(/.{1,64}/g)!.join("\n");
  return `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`;
}
