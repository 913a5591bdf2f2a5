import { describe, expect, it } from 'vitest';
import { candidates, pathDirs, whitelistPrograms } from './image-commands.js';

describe('daemon/exec/image-commands', () => {
  it('looks up each program of the whitelist once', () => {
    expect(whitelistPrograms(['go test', 'go build', 'npm test', "'my tool' x", 'make'])).toEqual(['go', 'npm', 'my tool', 'make']);
  });

  it('takes the directories of the last PATH entry, absolute ones only', () => {
    expect(pathDirs({ HOME: '/tmp', PATH: '/opt/bin:relative::/bin' })).toEqual(['/opt/bin', '/bin']);
    expect(pathDirs({ HOME: '/tmp' })).toEqual(['/usr/local/bin', '/usr/bin', '/bin']);
  });

  it('looks a bare name up in PATH and a name with a slash where it points, inside the container', () => {
    expect(candidates('go', ['/usr/local/bin', '/usr/bin'])).toEqual(['/usr/local/bin/go', '/usr/bin/go']);
    expect(candidates('/usr/bin/go', ['/x'])).toEqual(['/usr/bin/go']);
    expect(candidates('../../etc/passwd', ['/x'])).toEqual(['/etc/passwd']);
  });
});
