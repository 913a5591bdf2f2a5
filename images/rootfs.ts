/**
 * Root filesystems of the images, made from Debian packages on this host (no registry needed):
 * the helper compiled with `gcc -static`, busybox-static for the io image, debootstrap for exec.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LlmrError } from '../protocol/errors.js';
import { INSTALL_HINT, runTool, type ToolOptions } from './run-tool.js';
import { BACKPORTS_SUITE, DEBIAN_SUITE, EXEC_BACKPORTS_PACKAGES, EXEC_PACKAGES, HELPER_PATH, WORKSPACE_DIR } from './version.js';

export const BUSYBOX_PATH = '/bin/busybox';
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
export const DEBIAN_SOURCES = '/etc/apt/sources.list.d/debian.sources';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';

/** A file shipped beside this module: found from the source tree and from the compiled `dist/`. */
export async function findAsset(rel: string): Promise<string> {
  const candidates = [new URL(`./${rel}`, import.meta.url), new URL(`../../images/${rel}`, import.meta.url)].map((u) => fileURLToPath(u));
  for (const c of candidates) {
    if (await exists(c)) return c;
  }
  throw new LlmrError('IMAGE_MISSING', `image build file ${rel} not found (looked in ${candidates.join(', ')})`);
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false; // absent or unreadable: either way not usable
  }
}

/** True when the ELF file at `file` has no program interpreter (is statically linked). */
export async function isStaticElf(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(64);
    await fh.read(head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46) return false;
    const is64 = head[4] === 2;
    const le = head[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = is64 ? Number(le ? head.readBigUInt64LE(0x20) : head.readBigUInt64BE(0x20)) : u32(head, 0x1c);
    const phentsize = u16(head, is64 ? 0x36 : 0x2a);
    const phnum = u16(head, is64 ? 0x38 : 0x2c);
    const table = Buffer.alloc(phentsize * phnum);
    await fh.read(table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (u32(table, i * phentsize) === 3 /* PT_INTERP */) return false;
    return true;
  } finally {
    await fh.close();
  }
}

/** The first `URIs:` of Debian's deb822 sources file, else deb.debian.org. */
export async function defaultMirror(sourcesFile = DEBIAN_SOURCES): Promise<string> {
  let text = '';
  try {
    text = await fs.readFile(sourcesFile, 'utf8');
  } catch {
    return DEFAULT_MIRROR; // no deb822 sources on this host: use the public mirror
  }
  const m = /^URIs:[ \t]*(\S+)/m.exec(text);
  return m ? m[1] : DEFAULT_MIRROR;
}

/** Compiles the helper statically into `dir`; returns the binary's path. */
export async function compileHelper(dir: string, opts: ToolOptions): Promise<string> {
  const source = await findAsset('helper/llmr-helper.c');
  const out = path.join(dir, 'llmr-helper');
  opts.onLine?.('compiling llmr-helper (gcc -static)');
  await runTool('gcc', ['-static', '-O2', '-Wall', '-Wextra', '-o', out, source], opts);
  if (!(await isStaticElf(out))) {
    throw new LlmrError('IMAGE_MISSING', `gcc did not produce a static llmr-helper; install the static C library: ${INSTALL_HINT}`);
  }
  return out;
}

async function installHelper(rootfs: string, helper: string): Promise<void> {
  const dest = path.join(rootfs, HELPER_PATH);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  await fs.copyFile(helper, dest);
  await fs.chmod(dest, 0o755);
  await fs.mkdir(path.join(rootfs, WORKSPACE_DIR), { recursive: true, mode: 0o755 });
  await fs.mkdir(path.join(rootfs, 'tmp'), { recursive: true });
  await fs.chmod(path.join(rootfs, 'tmp'), 0o1777);
}

/** busybox-static with one symlink per applet, the helper, /workspace, /tmp and minimal passwd/group. */
export async function makeIoRootfs(rootfs: string, helper: string, opts: ToolOptions): Promise<void> {
  if (!(await exists(BUSYBOX_PATH)) || !(await isStaticElf(BUSYBOX_PATH))) {
    throw new LlmrError('IMAGE_MISSING', `${BUSYBOX_PATH} is missing or not static; install busybox-static: ${INSTALL_HINT}`);
  }
  opts.onLine?.(`assembling the io root filesystem from ${BUSYBOX_PATH}`);
  const bin = path.join(rootfs, 'bin');
  await fs.mkdir(bin, { recursive: true });
  await fs.copyFile(BUSYBOX_PATH, path.join(bin, 'busybox'));
  await fs.chmod(path.join(bin, 'busybox'), 0o755);
  const list = await runTool(BUSYBOX_PATH, ['--list'], { ...opts, captureStdout: true });
  for (const applet of list.split('\n').map((s) => s.trim())) {
    if (!/^[A-Za-z0-9._[\]-]+$/.test(applet) || applet === 'busybox') continue;
    await fs.symlink('busybox', path.join(bin, applet)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
  const etc = path.join(rootfs, 'etc');
  await fs.mkdir(etc, { recursive: true });
  await fs.writeFile(path.join(etc, 'passwd'), PASSWD, { mode: 0o644 });
  await fs.writeFile(path.join(etc, 'group'), GROUP, { mode: 0o644 });
  await installHelper(rootfs, helper);
}

/**
 * debootstrap minbase, then apt-get inside the new root (chroot) installs the exec packages from
 * the suite and the Go toolchain from its backports suite; apt lists and caches removed.
 */
export async function makeExecRootfs(rootfs: string, helper: string, mirror: string, opts: ToolOptions): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new LlmrError('IMAGE_MISSING', 'building llmr-exec from Debian packages needs root (debootstrap); run `sudo llmr images build` or use --source dockerfile');
  }
  opts.onLine?.(`debootstrap ${DEBIAN_SUITE} from ${mirror} (this takes a few minutes)`);
  const debootstrap = await findProgram('debootstrap');
  if (!debootstrap) throw new LlmrError('IMAGE_MISSING', `debootstrap not found; install the image build tools: ${INSTALL_HINT}`);
  await runTool(debootstrap, ['--variant=minbase', DEBIAN_SUITE, rootfs, mirror], opts);
  await installExecPackages(rootfs, mirror, opts);
  for (const rel of ['var/lib/apt/lists', 'var/cache/apt/archives', 'var/cache/apt', 'var/log/apt']) {
    await emptyDir(path.join(rootfs, rel));
  }
  await installHelper(rootfs, helper);
}

/** The target's apt sources: the suite, its updates and its backports (backports only on request, apt's default). */
export function execSources(mirror: string): string {
  return [DEBIAN_SUITE, `${DEBIAN_SUITE}-updates`, BACKPORTS_SUITE].map((suite) => `deb ${mirror} ${suite} main\n`).join('');
}

/** The apt-get argv that installs the exec packages (backports ones pinned as `name/suite`). */
export function execInstallArgs(): string[] {
  const backports = EXEC_BACKPORTS_PACKAGES.map((p) => `${p}/${BACKPORTS_SUITE}`);
  return ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...EXEC_PACKAGES, ...backports];
}

async function installExecPackages(rootfs: string, mirror: string, opts: ToolOptions): Promise<void> {
  await fs.writeFile(path.join(rootfs, 'etc/apt/sources.list'), execSources(mirror), { mode: 0o644 });
  const resolv = path.join(rootfs, 'etc/resolv.conf');
  await fs.rm(resolv, { force: true });
  await fs.copyFile('/etc/resolv.conf', resolv).catch(() => undefined); // no resolver file: the mirror may be an address
  const chroot = (await findProgram('chroot')) ?? 'chroot';
  const env = { DEBIAN_FRONTEND: 'noninteractive', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' };
  const tool = { ...opts, env };
  opts.onLine?.(`installing ${EXEC_PACKAGES.length + EXEC_BACKPORTS_PACKAGES.length} packages with their dependencies (${BACKPORTS_SUITE} for Go)`);
  await runTool(chroot, [rootfs, 'apt-get', 'update', '-q'], tool);
  await runTool(chroot, [rootfs, ...execInstallArgs()], tool);
  await runTool(chroot, [rootfs, 'apt-get', 'clean'], tool);
  await fs.writeFile(resolv, '', { mode: 0o644 });
}

async function emptyDir(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return; // nothing there to clean
  }
  for (const e of entries) {
    const p = path.join(dir, e);
    const st = await fs.lstat(p);
    if (st.isDirectory()) await emptyDir(p);
    else await fs.rm(p, { force: true });
  }
}

/** A program on PATH or in the sbin directories (debootstrap lives in /usr/sbin, often not on a user's PATH). */
export async function findProgram(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter((d) => path.isAbsolute(d)), '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    const p = path.join(d, name);
    if (await exists(p)) return p;
  }
  return undefined;
}
