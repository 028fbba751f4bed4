/**
 * The 3.x line of the official Node.js runtime interface client (`aws-lambda-ric@3.3.0`) for the
 * differential conformance suite: fetched and made runnable by bench/lib/official-ric-3.ts, which
 * the runtime matrix of the cold benchmark shares.
 */
export { ensureOfficialRic3, OFFICIAL_RIC_3_DIR, OFFICIAL_RIC_3_ENTRY, OFFICIAL_RIC_3_VERSION } from '../../bench/lib/official-ric-3.js';
