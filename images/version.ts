/** Names, label and version of llmr's container images; bump IMAGE_VERSION when an image changes. */

/** Version baked into each image as the label {@link IMAGE_VERSION_LABEL}. */
export const IMAGE_VERSION = '8';

/** The label that carries {@link IMAGE_VERSION}. */
export const IMAGE_VERSION_LABEL = 'llmr.image.version';

/** Tiny busybox image for reads and writes. */
export const IO_IMAGE = 'llmr-io:latest';

/** Debian image with the toolchains commands need. */
export const EXEC_IMAGE = 'llmr-exec:latest';

/** Image name per kind. */
export const IMAGE_NAMES = { io: IO_IMAGE, exec: EXEC_IMAGE } as const;

export type ImageKind = keyof typeof IMAGE_NAMES;

/** Where the helper lives inside both images, and the directory the repository is mounted on. */
export const HELPER_PATH = '/usr/local/bin/llmr-helper';
export const WORKSPACE_DIR = '/workspace';

/**
 * Where llmr's own helper binary is mounted (read-only) in a container of any image, and the
 * image's entrypoint is overridden with it: no image needs the helper (or `timeout`) baked in.
 */
export const HELPER_MOUNT_PATH = '/.llmr-helper';

/** The helper binary under llmr's data directory (protocol/dirs.ts `dataDir`), placed by `llmr images build`. */
export const HELPER_BINARY_REL = 'helper/llmr-helper';

/** Debian suite both images come from. */
export const DEBIAN_SUITE = 'bookworm';

/** The suite newer toolchains come from (Go 1.23: `go 1.23` modules need it; bookworm has 1.19). */
export const BACKPORTS_SUITE = `${DEBIAN_SUITE}-backports`;

/**
 * Debian packages of the exec image (besides minbase), from {@link DEBIAN_SUITE}: Node.js 18 with
 * npm (no newer Node in bookworm-backports), Python 3 with pip, venv and pytest, a C toolchain,
 * git, make and the text tools agents use.
 */
export const EXEC_PACKAGES = [
  'nodejs', 'npm', 'python3', 'python-is-python3', 'python3-pip', 'python3-venv', 'python3-pytest', 'gcc', 'libc6-dev', 'make', 'ninja-build', 'git',
  'coreutils', 'findutils', 'grep', 'sed', 'diffutils', 'patch', 'ca-certificates',
] as const;

/** Exec image packages taken from {@link BACKPORTS_SUITE} (`golang-go` there is Go 1.23). */
export const EXEC_BACKPORTS_PACKAGES = ['golang-go', 'golang-src'] as const;
