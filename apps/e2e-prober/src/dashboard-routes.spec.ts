import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { findAssetsDir, loadDashboardAssets } from './dashboard-assets';
import { dashboardRoutes } from './dashboard-routes';
import type { DashboardState } from './dashboard-contract';

describe('dashboard routes', () => {
  const dir = findAssetsDir(__dirname);
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const routes = dashboardRoutes({ assets: loadDashboardAssets(dir), state: () => ({ status: 'ok' }) as unknown as DashboardState });
    server = createServer((req, res) => {
      if (!routes(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it.each([
    ['/', 'text/html; charset=utf-8'],
    ['/assets/dashboard.js', 'text/javascript; charset=utf-8'],
    ['/assets/dashboard.css', 'text/css; charset=utf-8'],
    ['/assets/favicon.svg', 'image/svg+xml'],
    ['/api/state', 'application/json'],
  ])('serves %s as %s with a policy that forbids anything from elsewhere', async (path, type) => {
    const response = await fetch(`${base}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
  });

  it('serves the state as JSON, and nothing else from disk', async () => {
    expect(await (await fetch(`${base}/api/state`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${base}/assets/../config.ts`)).status).toBe(404);
    expect((await fetch(`${base}/assets/tsconfig.json`)).status).toBe(404);
  });

  it('ships every asset itself: no URL in the page, script or style points elsewhere', () => {
    for (const file of ['index.html', 'dashboard.js', 'dashboard.css', 'favicon.svg']) {
      const text = readFileSync(join(dir, file), 'utf8');
      // The SVG namespace is an identifier, never fetched.
      const urls = (text.match(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"')]*/gi) ?? []).filter((u) => !u.startsWith('http://www.w3.org/'));
      expect({ file, urls }).toEqual({ file, urls: [] });
      expect(text).not.toMatch(/@import|@font-face/);
    }
  });
});
