/**
 * API Gateway's authorizer cache (docs/http-front-ends.md): an authorizer's answer is kept by its
 * identity sources' values for `ReauthorizeEvery` seconds, so the authorizer function runs once per
 * identity within that time. A REST policy is cached whole and evaluated again for each request's
 * method ARN, as on AWS (a policy that allowed only one method denies the others from the cache).
 */

export class AuthorizerCache<T> {
  readonly #entries = new Map<string, { value: T; expires: number }>();

  /** `now` is injectable so tests can move time. */
  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The key for an authorizer and its identity values; undefined when nothing may be cached
   * (no identity source, or a TTL of 0).
   *
   * @example AuthorizerCache.key('Tok', ['Bearer a'], 300) // '["Tok","Bearer a"]'
   */
  static key(authorizer: string, identity: readonly string[], ttlSeconds: number): string | undefined {
    if (identity.length === 0 || ttlSeconds <= 0) return undefined;
    // JSON keeps the parts apart whatever characters they hold.
    return JSON.stringify([authorizer, ...identity]);
  }

  /** @example cache.get(key) // the value stored less than its TTL ago, else undefined */
  get(key: string | undefined): T | undefined {
    if (key === undefined) return undefined;
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** @example cache.set(key, answer, 300) */
  set(key: string | undefined, value: T, ttlSeconds: number): void {
    if (key === undefined) return;
    this.#entries.set(key, { value, expires: this.now() + ttlSeconds * 1000 });
  }
}
