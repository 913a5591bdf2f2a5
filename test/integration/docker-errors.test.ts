/**
 * Docker not running and an image missing: a clear error with the fix, quickly, and the daemon
 * keeps serving other requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelloRequest, PROTOCOL_VERSION, DoctorRequest } from '../../protocol/daemon.js';
import { ReadRequest } from '../../protocol/io.js';
import { makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rpcFailure } from '../support/rpc-failure.js';

let noDocker: TestDaemon;
let noImage: TestDaemon;
const repo = makeRepo({ 'a.txt': 'a\n' });

beforeAll(async () => {
  noDocker = await startDaemon({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  noImage = await startDaemon({ LLMR_IO_IMAGE: 'llmr-io:missing-for-test' });
});
afterAll(async () => {
  await noDocker?.stop();
  await noImage?.stop();
});


describe('integration/docker-errors', () => {
  it('reports DOCKER_UNAVAILABLE with what to do, within seconds, and keeps serving', async () => {
    const conn = await noDocker.connect();
    const t0 = Date.now();
    const f = await rpcFailure(conn.sendRequest(ReadRequest, { root: repo, path: 'a.txt' }));
    expect(f.code).toBe('DOCKER_UNAVAILABLE');
    expect(f.details).toMatch(/start it/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const hello = await conn.sendRequest(HelloRequest, { protocolVersion: PROTOCOL_VERSION, clientVersion: 't' });
    expect(hello.protocolVersion).toBe(PROTOCOL_VERSION);
    const doctor = await conn.sendRequest(DoctorRequest, {});
    expect(doctor.checks[0]).toMatchObject({ name: 'docker engine', ok: false });
  });

  it('reports IMAGE_MISSING with what to do, and doctor checks the configured image', async () => {
    const conn = await noImage.connect();
    const f = await rpcFailure(conn.sendRequest(ReadRequest, { root: repo, path: 'a.txt' }));
    expect(f.code).toBe('IMAGE_MISSING');
    expect(f.message).toContain('llmr-io:missing-for-test');
    expect(f.details).toMatch(/build or load it .*commands\.io\.container_image/);
    const doctor = await conn.sendRequest(DoctorRequest, { root: repo });
    expect(doctor.checks.find((c) => c.name === 'image llmr-io:missing-for-test')).toMatchObject({ ok: false, detail: 'not present' });
  });
});
