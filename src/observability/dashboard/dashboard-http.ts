/**
 * The dashboard's page over plain HTTP (docs/dashboard.md): `/_lamina/` and its script and
 * stylesheet, read once from `page/` (shipped as they are: no framework, no build step, nothing
 * fetched from elsewhere, so it works offline). The page holds no data; everything it shows comes
 * over the WebSocket at `/_lamina/live`.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../platform/paths.js';

export const DASHBOARD_PATH = '/_lamina/';
export const LIVE_PATH = '/_lamina/live';
/** Where the page's files are (plain sources, read at run time as the Python client's are). */
export const PAGE_DIR = join(PROJECT_ROOT, 'src', 'observability', 'dashboard', 'page');

const FILES: ReadonlyArray<readonly [string, string, string]> = [
  ['/_lamina/', 'index.html', 'text/html; charset=utf-8'],
  ['/_lamina/dashboard.js', 'dashboard.js', 'text/javascript; charset=utf-8'],
  ['/_lamina/dashboard.css', 'dashboard.css', 'text/css; charset=utf-8'],
];

// Only this server's own script, style and socket: an injected tag (a log line is data, but if
// ever rendered as markup) could neither run inline code nor send anything elsewhere.
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

export interface PageAsset {
  readonly type: string;
  readonly body: Buffer;
}

/** Whether a request path belongs to the dashboard (`/_lamina` and below). */
export function isDashboardPath(url: string): boolean {
  return url.startsWith('/_lamina') && (url.length === 8 || url[8] === '/' || url[8] === '?');
}

/**
 * Read the page's files (once, at start: a missing file is a broken install, said at once).
 *
 * @example const assets = loadPage(); assets.get('/_lamina/')?.type // 'text/html; charset=utf-8'
 */
export function loadPage(dir = PAGE_DIR): ReadonlyMap<string, PageAsset> {
  return new Map(FILES.map(([path, file, type]) => [path, { type, body: readFileSync(join(dir, file)) }]));
}

function answer(res: ServerResponse, status: number, headers: Record<string, string | number>, body: Buffer | string, head: boolean): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers });
  res.end(head ? undefined : body);
}

/**
 * Answer a request under `/_lamina`: the page's files, a redirect from `/_lamina` to `/_lamina/`,
 * 426 for the live path without an upgrade, 404 or 405 otherwise.
 *
 * @example serveDashboardRequest(loadPage(), req, res);
 */
export function serveDashboardRequest(assets: ReadonlyMap<string, PageAsset>, req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const method = req.method ?? 'GET';
  const text = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (method !== 'GET' && method !== 'HEAD') {
    answer(res, 405, { ...text, Allow: 'GET, HEAD' }, 'Method Not Allowed\n', false);
    return;
  }
  const head = method === 'HEAD';
  if (path === '/_lamina') {
    answer(res, 308, { ...text, Location: DASHBOARD_PATH }, `See ${DASHBOARD_PATH}\n`, head);
    return;
  }
  if (path === LIVE_PATH) {
    answer(res, 426, { ...text, Upgrade: 'websocket', Connection: 'Upgrade' }, 'The dashboard\'s live updates need a WebSocket\n', head);
    return;
  }
  const asset = assets.get(path);
  if (asset === undefined) {
    answer(res, 404, text, `No dashboard file at ${path}\n`, head);
    return;
  }
  answer(res, 200, { 'Content-Type': asset.type, 'Content-Length': asset.body.length }, asset.body, head);
}
