/**
 * Optional SigV4 verification of Invoke API requests against local credentials
 * (`lamina serve --verify-signatures`; see docs/sigv4-verification.md).
 *
 * Two steps, so that a caller without valid credentials is refused before its body is read:
 * `begin` checks the Authorization header, the access key and the signing date; the body's
 * SHA-256 is computed chunk by chunk as it arrives (when the caller did not state it in
 * `x-amz-content-sha256`); `finish` recomputes the signature and compares it in constant time.
 * Answers use Lambda's error types: 403 MissingAuthenticationTokenException,
 * IncompleteSignatureException, UnrecognizedClientException, InvalidSignatureException.
 */
import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ServiceError } from '../errors.js';

/** A key pair the server accepts; a session token, when given, must come with the request. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/** How far a request's signing time may be from the server's clock (AWS: 15 minutes). */
export const SIGNATURE_WINDOW_MS = 15 * 60_000;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

interface Authorization {
  readonly accessKeyId: string;
  /** `date/region/service/aws4_request`. */
  readonly scope: string;
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

function incomplete(message: string): ServiceError {
  return new ServiceError('LAMINA_ERR_INCOMPLETE_SIGNATURE', message);
}

function parseAuthorization(header: string): Authorization {
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) throw incomplete(`Unsupported AWS 'algorithm': '${algorithm}'. Authorization=${header}`);
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !fields.get(name));
  if (missing.length > 0) {
    throw incomplete(`${missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ')} Authorization=${header}`);
  }
  const credential = (fields.get('Credential') ?? '').split('/');
  const [accessKeyId, scopeDate, region, service, terminator] = credential;
  if (credential.length !== 5 || !accessKeyId || !scopeDate || !region || !service || terminator !== 'aws4_request') {
    throw incomplete(`Credential should be scoped to a valid region, service and date: 'access-key/YYYYMMDD/region/service/aws4_request'. Authorization=${header}`);
  }
  return {
    accessKeyId,
    scope: credential.slice(1).join('/'),
    scopeDate,
    region,
    service,
    signedHeaders: (fields.get('SignedHeaders') ?? '').split(';'),
    signature: fields.get('Signature') ?? '',
  };
}

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The path as sent, each segment encoded once more (SigV4 for every service but S3). */
function canonicalUri(path: string): string {
  return path === '' ? '/' : path.split('/').map(encode).join('/');
}

function canonicalQuery(query: string): string {
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([encode(decode(key)), encode(decode(value))]);
  }
  pairs.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([key, value]) => `${key}=${value}`).join('&');
}

/** `name:value` lines of the signed headers, from the raw headers (repeated ones joined by ','). */
function canonicalHeaders(rawHeaders: readonly string[], signed: readonly string[]): string {
  const values = new Map<string, string[]>(signed.map((name) => [name, []]));
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const list = values.get((rawHeaders[i] ?? '').toLowerCase());
    list?.push((rawHeaders[i + 1] ?? '').trim().replace(/\s+/g, ' '));
  }
  return signed.map((name) => `${name}:${(values.get(name) ?? []).join(',')}\n`).join('');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** `20240101T000000Z` from x-amz-date, else from a Date header; undefined when neither parses. */
function signingTime(req: IncomingMessage): { amzDate: string; ms: number } | undefined {
  const amz = req.headers['x-amz-date'];
  const value = Array.isArray(amz) ? amz[0] : amz;
  if (value !== undefined) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
    if (m === null) return undefined;
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    return { amzDate: value, ms };
  }
  const date = req.headers.date;
  if (date === undefined) return undefined;
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? undefined : { amzDate: toAmzDate(ms), ms };
}

function toAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * A request whose header checks passed; feed its body to `hash` (when set), then call `finish`.
 */
export class PendingSignature {
  /** Hash every body chunk into this, or leave it undefined: the caller stated the body's hash. */
  readonly hash: Hash | undefined;
  readonly #auth: Authorization;
  readonly #req: IncomingMessage;
  readonly #secret: string;
  readonly #amzDate: string;
  readonly #claimedHash: string | undefined;

  constructor(auth: Authorization, req: IncomingMessage, secret: string, amzDate: string) {
    this.#auth = auth;
    this.#req = req;
    this.#secret = secret;
    this.#amzDate = amzDate;
    const claimed = req.headers['x-amz-content-sha256'];
    this.#claimedHash = Array.isArray(claimed) ? claimed[0] : claimed;
    this.hash = this.#claimedHash === 'UNSIGNED-PAYLOAD' ? undefined : createHash('sha256');
  }

  /** The access key the request was signed with. */
  get accessKeyId(): string {
    return this.#auth.accessKeyId;
  }

  /** The service of the signature's credential scope (`lambda` for Lambda's endpoints). */
  get service(): string {
    return this.#auth.service;
  }

  /** Throws InvalidSignatureException unless the signature is the one the secret gives. */
  finish(): void {
    const bodyHash = this.hash?.digest('hex');
    if (this.#claimedHash !== undefined && bodyHash !== undefined && this.#claimedHash !== bodyHash) {
      throw new ServiceError('LAMINA_ERR_INVALID_SIGNATURE', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    const auth = this.#auth;
    const url = this.#req.url ?? '/';
    const q = url.indexOf('?');
    const canonical = [
      this.#req.method ?? 'POST',
      canonicalUri(q < 0 ? url : url.slice(0, q)),
      canonicalQuery(q < 0 ? '' : url.slice(q + 1)),
      canonicalHeaders(this.#req.rawHeaders, auth.signedHeaders),
      auth.signedHeaders.join(';'),
      this.#claimedHash ?? bodyHash ?? '',
    ].join('\n');
    const stringToSign = [ALGORITHM, this.#amzDate, auth.scope, createHash('sha256').update(canonical, 'utf8').digest('hex')].join('\n');
    const key = hmac(hmac(hmac(hmac(`AWS4${this.#secret}`, auth.scopeDate), auth.region), auth.service), 'aws4_request');
    const expected = Buffer.from(createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex'));
    const given = Buffer.from(auth.signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ServiceError('LAMINA_ERR_INVALID_SIGNATURE', SIGNATURE_MISMATCH);
    }
  }
}

/**
 * Verifies SigV4 signatures of Invoke API requests against a fixed set of credentials.
 *
 * @example
 * const verifier = new SignatureVerifier([{ accessKeyId: 'AKID', secretAccessKey: 'secret' }]);
 * const pending = verifier.begin(req); // throws a 403 ServiceError
 * req.on('data', (chunk) => pending.hash?.update(chunk));
 * pending.finish(); // after the body: throws InvalidSignatureException on a mismatch
 */
export class SignatureVerifier {
  readonly #keys: Map<string, SigningCredentials>;
  readonly #now: () => number;

  constructor(credentials: readonly SigningCredentials[], now: () => number = Date.now) {
    this.#keys = new Map(credentials.map((c) => [c.accessKeyId, c]));
    this.#now = now;
  }

  /** Check the Authorization header, the access key and the date; the signature waits for the body. */
  begin(req: IncomingMessage): PendingSignature {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      throw new ServiceError('LAMINA_ERR_MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token');
    }
    const auth = parseAuthorization(header);
    const time = signingTime(req);
    if (time === undefined) {
      throw incomplete(`Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${header}`);
    }
    const known = this.#keys.get(auth.accessKeyId);
    const token = req.headers['x-amz-security-token'];
    if (known === undefined || (known.sessionToken !== undefined && token !== known.sessionToken)) {
      throw new ServiceError('LAMINA_ERR_UNRECOGNIZED_CLIENT', INVALID_TOKEN);
    }
    const now = this.#now();
    if (time.ms < now - SIGNATURE_WINDOW_MS) {
      throw new ServiceError('LAMINA_ERR_INVALID_SIGNATURE', `Signature expired: ${time.amzDate} is now earlier than ${toAmzDate(now - SIGNATURE_WINDOW_MS)} (${toAmzDate(now)} - 15 min.)`);
    }
    if (time.ms > now + SIGNATURE_WINDOW_MS) {
      throw new ServiceError('LAMINA_ERR_INVALID_SIGNATURE', `Signature not yet current: ${time.amzDate} is still later than ${toAmzDate(now + SIGNATURE_WINDOW_MS)} (${toAmzDate(now)} + 15 min.)`);
    }
    if (auth.scopeDate !== time.amzDate.slice(0, 8)) throw new ServiceError('LAMINA_ERR_INVALID_SIGNATURE', SIGNATURE_MISMATCH);
    return new PendingSignature(auth, req, known.secretAccessKey, time.amzDate);
  }
}
