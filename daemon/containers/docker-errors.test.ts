import { describe, expect, it } from 'vitest';
import { translateDockerError } from './docker.js';

describe('daemon/containers/docker errors', () => {
  it('tells a user without access to the Docker socket to join the docker group', () => {
    const e = translateDockerError(Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' }), 'ping');
    expect(e.code).toBe('DOCKER_UNAVAILABLE');
    expect(e.details).toContain('sudo usermod -aG docker "$USER"');
    const down = translateDockerError(Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' }), 'ping');
    expect(down.details).toContain('sudo systemctl start docker');
  });
});
