/**
 * Assembles a command's output: the head the helper streamed live, a marker for what the cap
 * left out of the middle, and the tail it kept.
 */
import type { ExecExit } from '../containers/helper-conn.js';

export function omissionMarker(bytes: number): string {
  return `\n[... llmr: ${bytes} bytes omitted from the middle of this output (commands.exec.max_output_bytes) ...]\n`;
}

export class OutputCollector {
  private readonly heads = { stdout: [] as Buffer[], stderr: [] as Buffer[] };

  add(stream: 'stdout' | 'stderr', data: Buffer): void {
    this.heads[stream].push(data);
  }

  /** What has been printed so far (for a timeout or cancel). */
  partial(): { stdout: string; stderr: string } {
    return { stdout: Buffer.concat(this.heads.stdout).toString('utf8'), stderr: Buffer.concat(this.heads.stderr).toString('utf8') };
  }

  finish(final: ExecExit): { stdout: string; stderr: string; omitted: number } {
    const join = (head: Buffer[], omitted: number, tail: Buffer): string => (omitted > 0
      ? Buffer.concat(head).toString('utf8') + omissionMarker(omitted) + tail.toString('utf8')
      : Buffer.concat([...head, tail]).toString('utf8'));
    return {
      stdout: join(this.heads.stdout, final.omittedStdout, final.stdoutTail),
      stderr: join(this.heads.stderr, final.omittedStderr, final.stderrTail),
      omitted: final.omittedStdout + final.omittedStderr,
    };
  }
}
