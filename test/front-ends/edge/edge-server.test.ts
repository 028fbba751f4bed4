import { describe, expect, it } from 'vitest';
import { GATEWAY_ERRORS } from '../../../src/errors.js';
import { edgeError } from '../../../src/front-ends/edge/edge-answers.js';
import { distributionNames, pathMatches } from '../../../src/front-ends/edge/edge-server.js';
import { parseEdgeOrigins } from '../../../src/front-ends/edge/serve-edge.js';

describe('cache behavior path patterns', () => {
  it('match as CloudFront\'s: * across slashes, ? one character, case-sensitive, leading / optional', () => {
    expect(pathMatches('/images/*.jpg', '/images/a/b.jpg')).toBe(true);
    expect(pathMatches('images/*.jpg', '/images/a.jpg')).toBe(true);
    expect(pathMatches('/images/*.jpg', '/images/a.JPG')).toBe(false);
    expect(pathMatches('/a?c', '/abc')).toBe(true);
    expect(pathMatches('/a?c', '/abbc')).toBe(false);
    // Regex characters in a pattern are literal.
    expect(pathMatches('/v1.0/(x)', '/v1.0/(x)')).toBe(true);
    expect(pathMatches('/v1.0/*', '/v1x0/y')).toBe(false);
  });
});

describe('distribution names', () => {
  it('are stable per logical id, shaped as CloudFront\'s, and differ between distributions', () => {
    const a = distributionNames('Cdn');
    expect(a).toEqual(distributionNames('Cdn'));
    expect(a.id).toMatch(/^E[0-9A-Z]{13}$/);
    expect(a.domain).toMatch(/^d[0-9a-f]{13}\.cloudfront\.net$/);
    expect(distributionNames('Other').id).not.toBe(a.id);
  });
});

describe('--edge-origin', () => {
  it('reads ID=URL, with default ports, and refuses other shapes', () => {
    expect(parseEdgeOrigins(['Web=http://127.0.0.1:8080', 'Api=https://localhost', 'Six=http://[::1]:9'])).toEqual(
      new Map([
        ['Web', { protocol: 'http', host: '127.0.0.1', port: 8080 }],
        ['Api', { protocol: 'https', host: 'localhost', port: 443 }],
        ['Six', { protocol: 'http', host: '::1', port: 9 }],
      ]),
    );
    for (const bad of ['Web', '=http://x', 'Web=ftp://x', 'Web=not a url']) expect(() => parseEdgeOrigins([bad])).toThrow(/expected ORIGIN_ID=http/);
  });
});

describe('CloudFront error pages', () => {
  it('carry the status, the catalogue\'s reason and detail (escaped), the request id and the x-cache word', () => {
    const page = edgeError('LAMINA_ERR_GW_EDGE_VALIDATION', 'The header <x> is bad', 'req==');
    const html = page.body.toString();
    expect(page.status).toBe(GATEWAY_ERRORS.LAMINA_ERR_GW_EDGE_VALIDATION.status);
    expect(html).toContain('<H1>502 ERROR</H1>');
    expect(html).toContain('The Lambda function result failed validation: The header &lt;x&gt; is bad.');
    expect(html).toContain('Request ID: req==');
    expect(page.headers['x-cache']).toEqual([{ key: 'X-Cache', value: 'LambdaValidationError from cloudfront' }]);
    expect(edgeError('LAMINA_ERR_GW_EDGE_THROTTLED', undefined, 'r').headers['x-cache']?.[0]?.value).toBe('LambdaLimitExceeded from cloudfront');
    expect(edgeError('LAMINA_ERR_GW_EDGE_ORIGIN', undefined, 'r').status).toBe(502);
  });
});
