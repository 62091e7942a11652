import { renderStatusPage } from './status-page';

describe('renderStatusPage', () => {
  it('marks a degraded stack in the title and escapes component text', () => {
    const html = renderStatusPage(
      [
        { name: 'ingest', opsUrl: 'http://127.0.0.1:9001', ready: true, problems: [], checkedAt: 0 },
        { name: 'writer', opsUrl: 'http://127.0.0.1:9003', ready: false, problems: ['kafka: <down>'], checkedAt: 0 },
      ],
      new Date(0),
    );
    expect(html).toContain('<title>Strata DEGRADED</title>');
    expect(html).toContain('kafka: &lt;down&gt;');
    expect(html).not.toContain('<down>');
    expect(html).not.toMatch(/src="http|href="https?:\/\/(?!127\.0\.0\.1)/);
  });
});
