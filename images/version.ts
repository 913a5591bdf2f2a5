/** Names, label and version of llmr's container images; bump IMAGE_VERSION when an image changes. */

/** Version baked into each image as the label {@link IMAGE_VERSION_LABEL}. */
export const IMAGE_VERSION = '3';

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

/** Debian packages of the exec image (besides minbase). */
export const EXEC_PACKAGES = ['python3', 'python3-pytest', 'golang-go', 'make', 'git', 'coreutils', 'ca-certificates'] as const;

/** Debian suite both images come from. */
export const DEBIAN_SUITE = 'bookworm';
