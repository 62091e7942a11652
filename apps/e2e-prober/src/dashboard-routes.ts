import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Asset } from './dashboard-assets';
import type { DashboardState } from './dashboard-contract';

/**
 * Nothing on the page may come from elsewhere: no CDN, no external font, no inline
 * script. The browser enforces it, so a stray external reference fails loudly.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The ops-port routes of the dashboard: its page and assets, and its data at /api/state. */
export function dashboardRoutes(options: {
  assets: ReadonlyMap<string, Asset>;
  state: () => DashboardState;
}): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/api/state') {
      const body = JSON.stringify(options.state());
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    }
    const asset = options.assets.get(path);
    if (!asset) return false;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': asset.contentType,
      'content-length': asset.body.length,
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
    return true;
  };
}
