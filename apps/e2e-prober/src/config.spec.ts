import { loadProberConfig } from './config';

describe('loadProberConfig', () => {
  it('watches the four other components on their fixed ops ports by default', () => {
    const config = loadProberConfig({});
    expect(config.service).toMatchObject({ grpcPort: 7005, opsPort: 9005 });
    expect(config.components.map((c) => `${c.name}=${c.opsUrl}`)).toEqual([
      'ingest=http://127.0.0.1:9001',
      'reader=http://127.0.0.1:9002',
      'writer=http://127.0.0.1:9003',
      'archiver=http://127.0.0.1:9004',
    ]);
  });

  it('rejects a malformed component entry', () => {
    expect(() => loadProberConfig({ STRATA_PROBER_COMPONENTS: 'ingest=http://x:1,reader' })).toThrow(
      /STRATA_PROBER_COMPONENTS entry "reader"/,
    );
  });
});
