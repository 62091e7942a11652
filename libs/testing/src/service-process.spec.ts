import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePorts } from './free-port';
import { healthStatus } from './grpc-health';
import { ServiceProcess } from './service-process';

// A stand-in bundle: serves /readyz on the ops port it is given and gRPC health on the gRPC
// port (a moment later, as a service binds it last), logs pino-like lines, and drains on
// SIGTERM with exit code 0 (what a Strata service does).
const FAKE_SERVICE = `
const http = require('node:http');
const grpc = require(${JSON.stringify(require.resolve('@grpc/grpc-js'))});
const { HealthImplementation } = require(${JSON.stringify(require.resolve('grpc-health-check'))});
const server = http.createServer((req, res) => res.end(req.url === '/readyz' ? 'ready' : '# nothing\\n'));
const rpc = new grpc.Server();
new HealthImplementation({ '': 'SERVING' }).addToServer(rpc);
server.listen(Number(process.env.STRATA_OPS_PORT), '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'started', grpc: process.env.STRATA_GRPC_PORT, args: process.argv.slice(2) }));
  setTimeout(() => rpc.bindAsync('127.0.0.1:' + process.env.STRATA_GRPC_PORT, grpc.ServerCredentials.createInsecure(), () => undefined), 300);
});
process.on('SIGTERM', () => { console.log(JSON.stringify({ msg: 'draining' })); rpc.forceShutdown(); server.close(() => process.exit(0)); });
`;

describe('ServiceProcess', () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-service-process-'));
  const logFile = path.join(workspace, 'logs', 'fake-a.log');

  beforeAll(() => {
    fs.mkdirSync(path.join(workspace, 'dist', 'apps', 'fake'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'dist', 'apps', 'fake', 'main.js'), FAKE_SERVICE);
  });

  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('runs the bundle on its ports, reads its log, and stops it gracefully', async () => {
    const [grpcPort, opsPort] = await freePorts(2);
    const service = ServiceProcess.spawn({ name: 'fake-a', app: 'fake', args: ['--once'], env: process.env, grpcPort, opsPort, workspace, logFile });
    try {
      await service.waitReady(10_000);
      // Ready means taking traffic: the gRPC port, bound after /readyz passed, answers too.
      expect(await healthStatus(service.grpcAddress)).toBe('SERVING');
      const started = await service.waitForLog('its start', (records) => records.find((r) => r.msg === 'started'));
      expect(started).toMatchObject({ grpc: String(grpcPort), args: ['--once'] });
      expect(service.opsUrl).toBe(`http://127.0.0.1:${opsPort}`);
      expect(await service.stop()).toEqual({ code: 0, signal: null });
      expect(service.records().map((r) => r.msg)).toEqual(['started', 'draining']);
    } finally {
      await service.kill();
    }
  });

  it('reports a kill as the signal, and fails a wait for a process that is gone', async () => {
    const [grpcPort, opsPort] = await freePorts(2);
    const service = ServiceProcess.spawn({ name: 'fake-b', app: 'fake', env: process.env, grpcPort, opsPort, workspace, logFile });
    expect(await service.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(service.running).toBe(false);
    await expect(service.waitReady(5_000)).rejects.toThrow('fake-b exited');
  });

  it('refuses an app that was not built', () => {
    expect(() => ServiceProcess.spawn({ name: 'x', app: 'missing', env: {}, grpcPort: 1, opsPort: 2, workspace, logFile })).toThrow('is missing: build it first');
  });
});
