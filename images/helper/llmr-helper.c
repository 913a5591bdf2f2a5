/*
 * llmr-helper: the in-container request server of llmr.
 *
 * Usage: llmr-helper [ROOT [--socket PATH] [--lifetime SECONDS] [--reusable] [--masks FILE_ID DIR_ID ENTRY...]]
 * (ROOT defaults to /workspace)
 *
 * --socket: the conversation with the daemon runs over this Unix socket (a directory the daemon
 * mounted read-only for this container alone; it accepts one connection, then closes the listener
 * and unlinks the path, so nothing started later can connect). The helper connects once at start;
 * end of file on it (the daemon died or let go) ends the helper. Without --socket, frames travel over
 * stdin/stdout (tests, manual use).
 *
 * --lifetime: the helper ends itself after SECONDS (alarm(2), default action of SIGALRM), so no
 * container outlives a crashed daemon for long without the image providing `timeout`; the
 * container's init then ends, and with it every process left in the container.
 *
 * --masks: the exec masks this container was created with. FILE_ID and DIR_ID are the
 * "DEV:INO" identities of the empty file and the empty directory that cover excluded paths;
 * each ENTRY is "f:REL" or "d:REL" (REL relative to ROOT). Before every command the helper
 * checks that each REL (followed like a read would: Docker mounts over a symlink's target) still is its mask (the kernel detaches a bind mount in this namespace
 * when the host renames over, or deletes, the path it covers) and refuses with MASK_BROKEN.
 *
 * Reads frames from the socket (or stdin), handles them one at a time, writes frames back (or to stdout).
 * Frame (both directions): u32be LEN (bytes after it), u8 TYPE, then fields, each
 * u32be length + bytes. Requests: P ping, R read [path, maxBytes, DEV:INO], W write [path, content,
 * mode, parentDepth, DEV:INO], X exec (Y: exec with stderr into stdout), C clean (after a command:
 * kill what it left, empty /tmp and /dev/shm, check the masks). Answers: K ok,
 * E error [code, message], o/e output chunks and x exit for exec.
 * Read and write name the identity the daemon's path guard approved ("DEV:INO": the file for a read,
 * the deepest existing parent directory for a write): the path is opened beneath the root without
 * following any symlink (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, else one O_NOFOLLOW component at
 * a time) and the open descriptor must be that identity, else PATH_CHANGED (a command swapped the tree
 * between the guard's check and this open). A read without an identity follows symlinks (image probes).
 * Diagnostics go to stderr only. No shell is ever involved: commands start with posix_spawn (vfork-style,
 * no fallback to /bin/sh for a file without #!).
 *
 * Build: gcc -static -O2 -Wall -Wextra -o llmr-helper llmr-helper.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/openat2.h>

#define HELPER_VERSION "8"
#define MAX_FRAME (64u * 1024u * 1024u)
/* Answers must fit a frame: cap reads and the exec output budget below it. */
#define MAX_READ_BYTES ((uint64_t)MAX_FRAME - 1024u)
#define MAX_EXEC_OUTPUT ((uint64_t)MAX_FRAME / 2u)
#define CHUNK 65536
#define DRAIN_MS 200

typedef struct { const char *p; size_t n; } field_t;

static int root_fd = -1;
/* The conversation: the socket (--socket) for both, else stdin and stdout. */
static int conn_in = STDIN_FILENO, conn_out = STDOUT_FILENO;
static const char *socket_path = NULL;
static const char *root_path = "/workspace";
static unsigned long tmp_counter = 0;

/* The exec masks (--masks): identities of the mask sources and the paths they cover. */
typedef struct { dev_t dev; ino_t ino; } ident_t;
static ident_t mask_file_id, mask_dir_id;
static char **mask_entries = NULL;
static int mask_count = 0;
static int reusable = 0; /* --reusable: `clean` may run */

/* ---------- output ---------- */

static void put_u32(unsigned char *b, uint32_t v) {
    b[0] = (unsigned char)(v >> 24); b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8); b[3] = (unsigned char)v;
}

static void writev_all(int fd, struct iovec *iov, int cnt) {
    while (cnt > 0) {
        ssize_t w = writev(fd, iov, cnt);
        if (w < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "llmr-helper: write to the daemon failed: %s\n", strerror(errno));
            exit(1);
        }
        size_t left = (size_t)w;
        while (cnt > 0 && left >= iov->iov_len) { left -= iov->iov_len; iov++; cnt--; }
        if (cnt > 0) { iov->iov_base = (char *)iov->iov_base + left; iov->iov_len -= left; }
    }
}

/* Writes one frame; fields are (pointer, length) pairs. At most 8 fields. */
static void send_frame(char type, int nf, const field_t *f) {
    unsigned char head[5], lens[8][4];
    struct iovec iov[1 + 2 * 8];
    uint64_t total = 1;
    int cnt = 0;
    if (nf > 8) abort();
    for (int i = 0; i < nf; i++) total += 4 + (uint64_t)f[i].n;
    if (total > MAX_FRAME) { fprintf(stderr, "llmr-helper: answer too large\n"); exit(2); }
    put_u32(head, (uint32_t)total);
    head[4] = (unsigned char)type;
    iov[cnt].iov_base = head; iov[cnt++].iov_len = 5;
    for (int i = 0; i < nf; i++) {
        put_u32(lens[i], (uint32_t)f[i].n);
        iov[cnt].iov_base = lens[i]; iov[cnt++].iov_len = 4;
        if (f[i].n > 0) { iov[cnt].iov_base = (void *)f[i].p; iov[cnt++].iov_len = f[i].n; }
    }
    writev_all(conn_out, iov, cnt);
}

static field_t fs(const char *s) { field_t f = { s, strlen(s) }; return f; }

static void send_ok(int n, const char **vals) {
    field_t f[8];
    for (int i = 0; i < n; i++) f[i] = fs(vals[i]);
    send_frame('K', n, f);
}

static void send_err(const char *code, const char *fmt, ...) {
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&msg, fmt, ap);
    va_end(ap);
    field_t f[2] = { fs(code), fs(r < 0 ? "out of memory" : msg) };
    send_frame('E', 2, f);
    if (r >= 0) free(msg);
}

static const char *errno_code(int e) {
    switch (e) {
    case ENOENT: case ENOTDIR: return "FILE_NOT_FOUND";
    case EISDIR: return "IS_DIRECTORY";
    case EACCES: case EPERM: case EROFS: return "PERMISSION_DENIED";
    case ENOSPC: case EDQUOT: return "NO_SPACE";
    case ELOOP: case ENAMETOOLONG: case ENXIO: return "PATH_INVALID";
    default: return "IO_ERROR";
    }
}

static void send_errno(const char *op, const char *path, int e) {
    send_err(errno_code(e), "%s %s: %s", op, path, strerror(e));
}

/* ---------- input ---------- */

static uint32_t get_u32(const unsigned char *b) {
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* Reads exactly n bytes; returns n, 0 on clean EOF before any byte, -1 on short read/error. */
static ssize_t read_full(int fd, void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        if (r == 0) return got == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/*
 * Splits a frame body into fields. Each field is NUL-terminated in place: the byte after a
 * field is the next field's (already parsed) length or the spare byte at the buffer's end.
 */
static int parse_fields(unsigned char *body, size_t len, field_t **out, size_t *count) {
    size_t off = 1, n = 0, cap = 8;
    field_t *f = malloc(cap * sizeof *f);
    if (!f) return -1;
    while (off < len) {
        if (len - off < 4) { free(f); return -1; }
        uint32_t fl = get_u32(body + off);
        off += 4;
        if (fl > len - off) { free(f); return -1; }
        if (n == cap) {
            field_t *g = realloc(f, (cap *= 2) * sizeof *f);
            if (!g) { free(f); return -1; }
            f = g;
        }
        f[n].p = (const char *)body + off; f[n].n = fl;
        n++; off += fl;
    }
    for (size_t i = 0; i < n; i++) ((char *)f[i].p)[f[i].n] = '\0';
    *out = f; *count = n;
    return 0;
}

static int has_nul(field_t f) { return memchr(f.p, '\0', f.n) != NULL; }

/* Strict unsigned decimal: digits only, no sign, no overflow. */
static int parse_u64(field_t f, uint64_t *v) {
    uint64_t x = 0;
    if (f.n == 0 || f.n > 20) return -1;
    for (size_t i = 0; i < f.n; i++) {
        if (f.p[i] < '0' || f.p[i] > '9') return -1;
        uint64_t d = (uint64_t)(f.p[i] - '0');
        if (x > (UINT64_MAX - d) / 10) return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

/* A relative path with no NUL, no leading '/', no '..' component, not empty. */
static int path_ok(field_t f) {
    if (f.n == 0 || has_nul(f) || f.p[0] == '/') return 0;
    const char *s = f.p;
    while (*s) {
        const char *e = strchr(s, '/');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == 2 && s[0] == '.' && s[1] == '.') return 0;
        if (!e) break;
        s = e + 1;
    }
    return 1;
}

/* ---------- opening what the guard approved ---------- */

/* "DEV:INO", strictly: two decimal numbers, nothing else. */
static int parse_ident_field(field_t f, ident_t *id) {
    const char *colon = memchr(f.p, ':', f.n);
    uint64_t d, i;
    if (!colon) return -1;
    field_t a = { f.p, (size_t)(colon - f.p) }, b = { colon + 1, f.n - (size_t)(colon - f.p) - 1 };
    if (parse_u64(a, &d) != 0 || parse_u64(b, &i) != 0) return -1;
    id->dev = (dev_t)d; id->ino = (ino_t)i;
    return 0;
}

static int openat2_missing = 0; /* the kernel has no openat2 (ENOSYS): walk from then on */

/* The fallback of open_beneath: one component at a time, none of them followed if it is a symlink. */
static int walk_beneath(int dirfd, const char *rel, int flags) {
    char *copy = strdup(rel), *s = copy;
    if (!copy) { errno = ENOMEM; return -1; }
    int cur = dup(dirfd);
    while (cur >= 0) {
        char *e = strchr(s, '/');
        if (e) *e = '\0';
        int last = e == NULL || e[1 + strspn(e + 1, "/")] == '\0';
        if (*s == '\0' || strcmp(s, ".") == 0) {
            if (last) { int fd = openat(cur, ".", flags | O_CLOEXEC); close(cur); cur = fd; break; }
            s = e + 1;
            continue;
        }
        /* intermediate directories need search permission only, like a kernel path walk */
        int fd = openat(cur, s, last ? flags | O_NOFOLLOW | O_CLOEXEC : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOTDIR) {
            struct stat st; /* O_PATH|O_NOFOLLOW|O_DIRECTORY on a symlink says ENOTDIR: tell it apart */
            if (fstatat(cur, s, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) errno = ELOOP;
            else errno = ENOTDIR;
        }
        int saved = errno;
        close(cur);
        errno = saved;
        cur = fd;
        if (last) break;
        s = e + 1;
    }
    int saved = errno;
    free(copy);
    errno = saved;
    return cur;
}

/* Opens rel beneath dirfd without following a symlink (or magic link) in any component: a symlink
   met fails with ELOOP. openat2 where the kernel and the seccomp profile allow it, else a walk. */
static int open_beneath(int dirfd, const char *rel, int flags) {
    if (!openat2_missing) {
        struct open_how how;
        memset(&how, 0, sizeof how);
        how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
        long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
        if (fd >= 0) return (int)fd;
        if (errno == ENOSYS) openat2_missing = 1;
        /* EPERM: a seccomp profile that refuses openat2 (or a real EPERM, which the walk meets again) */
        else if (errno != EPERM) return -1;
    }
    return walk_beneath(dirfd, rel, flags);
}

/* The answer for a path that is not what the guard approved (a symlink met, another object). */
static void send_changed(const char *path) {
    send_err("PATH_CHANGED", "%s changed between the path check and the open (a symlink or another file is there now)", path);
}

/* Opens rel (flags) beneath the root, no symlink followed, and checks the descriptor is `want`.
   With `replaced_ok`, a regular file with a single link there instead is accepted too: the file was
   replaced by rename since the guard's check (a concurrent <write>, an editor's save), and the guard's
   verdict is about the name, reached here through real directories only; what the name cannot vouch
   for is a hard link (an alias of another file), so one with several links is refused.
   Returns the fd (st filled), or -1 after sending the error answer. */
static int open_approved(const char *rel, int flags, const ident_t *want, int replaced_ok, struct stat *st, const char *shown) {
    int fd = open_beneath(root_fd, rel, flags);
    if (fd < 0) {
        /* O_DIRECTORY|O_NOFOLLOW on a trailing symlink says ENOTDIR, not ELOOP */
        int e = errno;
        if (e == ENOTDIR && fstatat(root_fd, rel, st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st->st_mode)) e = ELOOP;
        if (e == ELOOP || e == EXDEV) send_changed(shown);
        else if (e == ENOTDIR) send_err("PATH_INVALID", "a parent of %s is not a directory", shown);
        else send_errno("open", shown, e);
        return -1;
    }
    if (fstat(fd, st) != 0) { send_errno("stat", shown, errno); close(fd); return -1; }
    int same = st->st_dev == want->dev && st->st_ino == want->ino;
    if (!same && !(replaced_ok && S_ISREG(st->st_mode) && st->st_nlink == 1)) { send_changed(shown); close(fd); return -1; }
    return fd;
}

/* ---------- read ---------- */

/* A probe (no identity): opens path as a command would see it, symlinks followed; the stat comes
   first so no device or FIFO is opened. Returns the fd, or -1 after sending the error answer. */
static int open_followed(const char *path, struct stat *st) {
    if (fstatat(root_fd, path, st, 0) != 0) { send_errno("stat", path, errno); return -1; }
    if (S_ISDIR(st->st_mode)) { send_err("IS_DIRECTORY", "%s is a directory", path); return -1; }
    if (!S_ISREG(st->st_mode)) { send_err("PATH_INVALID", "%s is not a regular file", path); return -1; }
    int fd = openat(root_fd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) { send_errno("open", path, errno); return -1; }
    if (fstat(fd, st) != 0) { send_errno("stat", path, errno); close(fd); return -1; }
    return fd;
}

static void do_read(field_t *f, size_t n) {
    uint64_t max;
    ident_t want;
    if (n != 3 || parse_u64(f[1], &max) != 0) { send_err("BAD_REQUEST", "read takes [path, maxBytes, DEV:INO or empty]"); return; }
    if (f[2].n > 0 && parse_ident_field(f[2], &want) != 0) { send_err("BAD_REQUEST", "invalid identity %s", f[2].p); return; }
    if (!path_ok(f[0])) { send_err("PATH_INVALID", "invalid path %s", f[0].p); return; }
    if (max > MAX_READ_BYTES) max = MAX_READ_BYTES;
    const char *path = f[0].p;
    struct stat st;
    /* O_NONBLOCK: a FIFO put there since the guard's check cannot block the open */
    int fd = f[2].n > 0 ? open_approved(path, O_RDONLY | O_NONBLOCK | O_NOCTTY, &want, 1, &st, path) : open_followed(path, &st);
    if (fd < 0) return;
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        send_err(S_ISDIR(st.st_mode) ? "IS_DIRECTORY" : "PATH_INVALID", "%s is not a regular file", path);
        return;
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        send_err("FILE_TOO_LARGE", "%s is %lld bytes, limit %llu", path, (long long)st.st_size, (unsigned long long)max);
        return;
    }
    /* Read up to max+1 bytes: the file may have grown since fstat. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf) { close(fd); send_err("IO_ERROR", "out of memory reading %s", path); return; }
    for (;;) {
        if (len == cap) {
            size_t nc = cap * 2 > max + 1 ? (size_t)max + 1 : cap * 2;
            if (nc == cap) break; /* max+1 bytes read: too large, reported below */
            char *nb = realloc(buf, nc);
            if (!nb) { free(buf); close(fd); send_err("IO_ERROR", "out of memory reading %s", path); return; }
            buf = nb; cap = nc;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno; free(buf); close(fd); send_errno("read", path, e); return;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    if (len > max) {
        free(buf);
        send_err("FILE_TOO_LARGE", "%s is over %llu bytes", path, (unsigned long long)max);
        return;
    }
    char size[24];
    snprintf(size, sizeof size, "%zu", len);
    field_t out[2] = { fs(size), { buf, len } };
    send_frame('K', 2, out);
    free(buf);
}

/* ---------- write ---------- */

/*
 * The directory path's file goes in: its first `depth` components must be the directory `want`
 * (the deepest parent the guard saw, opened without following a symlink); the ones below it are
 * created (mkdir -p, 0755) and entered one at a time, never through a symlink. Returns a dirfd and
 * the base name, or -1 after sending the error answer.
 */
static int open_parent(char *path, uint64_t depth, const ident_t *want, const char **base, const char *shown) {
    char *s = path, *e;
    uint64_t seen = 0;
    for (e = path; (e = strchr(e, '/')) != NULL; e++) seen++;
    if (depth > seen) { send_err("BAD_REQUEST", "parent depth %llu of %s is too deep", (unsigned long long)depth, shown); return -1; }
    for (uint64_t i = 0; i < depth; i++) s = strchr(s, '/') + 1;
    struct stat st;
    int dfd;
    if (depth == 0) {
        dfd = dup(root_fd);
        if (dfd < 0 || fstat(dfd, &st) != 0) { send_errno("open", shown, errno); if (dfd >= 0) close(dfd); return -1; }
        if (st.st_dev != want->dev || st.st_ino != want->ino) { send_changed(shown); close(dfd); return -1; }
    } else {
        s[-1] = '\0';
        dfd = open_approved(path, O_RDONLY | O_DIRECTORY, want, 0, &st, shown);
        s[-1] = '/';
        if (dfd < 0) return -1;
    }
    for (; (e = strchr(s, '/')) != NULL; s = e + 1) {
        *e = '\0';
        if (*s && strcmp(s, ".") != 0) {
            if (mkdirat(dfd, s, 0755) != 0 && errno != EEXIST) { send_errno("mkdir", shown, errno); *e = '/'; close(dfd); return -1; }
            int nfd = openat(dfd, s, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            int err = errno;
            if (nfd < 0 && err == ENOTDIR && fstatat(dfd, s, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) err = ELOOP;
            *e = '/';
            if (nfd < 0) {
                if (err == ELOOP) send_changed(shown);
                else if (err == ENOTDIR) send_err("PATH_INVALID", "a parent of %s is not a directory", shown);
                else send_errno("open", shown, err);
                close(dfd);
                return -1;
            }
            close(dfd);
            dfd = nfd;
        }
        *e = '/';
    }
    *base = s;
    return dfd;
}

static int write_all_fd(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w; n -= (size_t)w;
    }
    return 0;
}

/* Writes content to a fresh temp file next to the target and renames it over the target. */
static int replace_file(int dfd, const char *base, field_t content, mode_t mode, int *err) {
    char *tmp = NULL;
    if (asprintf(&tmp, ".%.200s.llmr-%ld-%lu.tmp", base, (long)getpid(), ++tmp_counter) < 0) { *err = ENOMEM; return -1; }
    int fd = openat(dfd, tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) { *err = errno; free(tmp); return -1; }
    int ok = fchmod(fd, mode) == 0 && write_all_fd(fd, content.p, content.n) == 0 && fsync(fd) == 0;
    if (!ok) *err = errno;
    if (close(fd) != 0 && ok) { ok = 0; *err = errno; }
    if (ok && renameat(dfd, tmp, dfd, base) != 0) { ok = 0; *err = errno; }
    if (!ok) unlinkat(dfd, tmp, 0);
    free(tmp);
    if (ok && fsync(dfd) != 0 && errno != EINVAL) { *err = errno; return -1; }
    return ok ? 0 : -1;
}

static int parse_mode(field_t f, mode_t *mode) {
    unsigned v = 0;
    if (f.n == 0 || f.n > 4) return -1;
    for (size_t i = 0; i < f.n; i++) {
        if (f.p[i] < '0' || f.p[i] > '7') return -1;
        v = v * 8 + (unsigned)(f.p[i] - '0');
    }
    *mode = (mode_t)v;
    return 0;
}

static void do_write(field_t *f, size_t n) {
    mode_t mode = 0644;
    uint64_t depth;
    ident_t want;
    int have_mode = 0, err = 0;
    if (n != 5 || parse_u64(f[3], &depth) != 0 || parse_ident_field(f[4], &want) != 0) {
        send_err("BAD_REQUEST", "write takes [path, content, mode, parentDepth, DEV:INO]");
        return;
    }
    if (f[2].n > 0) {
        if (parse_mode(f[2], &mode) != 0) { send_err("BAD_REQUEST", "invalid mode %s", f[2].p); return; }
        have_mode = 1;
    }
    if (!path_ok(f[0])) { send_err("PATH_INVALID", "invalid path %s", f[0].p); return; }
    char *path = strdup(f[0].p);
    if (!path) { send_err("IO_ERROR", "out of memory"); return; }
    const char *base = NULL;
    int dfd = open_parent(path, depth, &want, &base, f[0].p);
    if (dfd < 0) { free(path); return; }
    struct stat st;
    int exists = 0;
    if (*base == '\0' || strcmp(base, ".") == 0) {
        send_err("IS_DIRECTORY", "%s is a directory", f[0].p); goto out;
    }
    if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        exists = 1;
        if (S_ISDIR(st.st_mode)) { send_err("IS_DIRECTORY", "%s is a directory", f[0].p); goto out; }
        if (!S_ISREG(st.st_mode)) { send_err("PATH_INVALID", "%s is not a regular file", f[0].p); goto out; }
        if (st.st_nlink != 1) { send_err("PATH_INVALID", "%s has %lu hard links", f[0].p, (unsigned long)st.st_nlink); goto out; }
        if (!have_mode) mode = st.st_mode & 07777;
    } else if (errno != ENOENT) {
        send_errno("stat", f[0].p, errno); goto out;
    }
    if (replace_file(dfd, base, f[1], mode, &err) != 0) { send_errno("write", f[0].p, err); goto out; }
    char bytes[24];
    snprintf(bytes, sizeof bytes, "%zu", f[1].n);
    const char *vals[2] = { exists ? "UPDATED" : "CREATED", bytes };
    send_ok(2, vals);
out:
    close(dfd);
    free(path);
}

/* ---------- exec ---------- */

typedef struct {
    int fd;
    char type;          /* 'o' or 'e' */
    uint64_t total;     /* bytes read from the child */
    size_t head_left;   /* bytes still to stream live */
    uint64_t head_sent; /* bytes streamed live */
    char *ring;         /* tail ring of ring_cap bytes, allocated on first use */
    size_t ring_cap, ring_len, ring_pos;
} stream_t;

static void stream_take(stream_t *s, const char *p, size_t n) {
    s->total += n;
    size_t h = n < s->head_left ? n : s->head_left;
    if (h > 0) { field_t f = { p, h }; send_frame(s->type, 1, &f); s->head_left -= h; s->head_sent += h; p += h; n -= h; }
    if (n == 0 || s->ring_cap == 0) return;
    if (!s->ring && !(s->ring = malloc(s->ring_cap))) { s->ring_cap = 0; return; }
    if (n > s->ring_cap) { p += n - s->ring_cap; n = s->ring_cap; }
    while (n > 0) {
        size_t k = s->ring_cap - s->ring_pos < n ? s->ring_cap - s->ring_pos : n;
        memcpy(s->ring + s->ring_pos, p, k);
        s->ring_pos = (s->ring_pos + k) % s->ring_cap;
        s->ring_len = s->ring_len + k > s->ring_cap ? s->ring_cap : s->ring_len + k;
        p += k; n -= k;
    }
}

/* Reads what is available; closes the fd at EOF or error. */
static void stream_pump(stream_t *s) {
    char buf[CHUNK];
    for (;;) {
        ssize_t r = read(s->fd, buf, sizeof buf);
        if (r > 0) { stream_take(s, buf, (size_t)r); continue; }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) return;
        close(s->fd); s->fd = -1;
        return;
    }
}

/* The tail in order; the caller frees it. omitted = bytes between the live head and the tail. */
static char *stream_tail(const stream_t *s, size_t *len) {
    char *t = malloc(s->ring_len ? s->ring_len : 1);
    if (!t) { *len = 0; return NULL; }
    size_t start = s->ring_len < s->ring_cap ? 0 : s->ring_pos;
    for (size_t i = 0; i < s->ring_len; i++) t[i] = s->ring[(start + i) % s->ring_cap];
    *len = s->ring_len;
    return t;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Where argv0 would be executed from: as given when it names a path, else the first PATH entry
 * (of the command's own environment, as execvp would use it) holding an executable regular file.
 * Entries are relative to the command's cwd (cwd_fd), like the exec that follows. 0 or an errno.
 */
static int resolve_command(int cwd_fd, const char *argv0, char **envp, char *out, size_t cap) {
    if (strchr(argv0, '/')) {
        if (strlen(argv0) >= cap) return ENAMETOOLONG;
        strcpy(out, argv0);
        return 0;
    }
    const char *path = "/bin:/usr/bin";
    for (char **e = envp; *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0) { path = *e + 5; break; }
    int found_eacces = 0;
    for (const char *p = path;; ) {
        const char *end = strchr(p, ':');
        size_t dl = end ? (size_t)(end - p) : strlen(p);
        int w = dl == 0 ? snprintf(out, cap, "%s", argv0) : snprintf(out, cap, "%.*s/%s", (int)dl, p, argv0);
        if (w > 0 && (size_t)w < cap) {
            struct stat st;
            if (faccessat(cwd_fd, out, X_OK, 0) == 0) {
                if (fstatat(cwd_fd, out, &st, 0) == 0 && S_ISREG(st.st_mode)) return 0;
                found_eacces = 1; /* a directory named like the command, as execvp sees it */
            } else if (errno == EACCES) {
                found_eacces = 1;
            }
        }
        if (!end) break;
        p = end + 1;
    }
    return found_eacces ? EACCES : ENOENT;
}

/*
 * Starts argv with posix_spawn (clone(CLONE_VM|CLONE_VFORK): no copy of our page tables, and the
 * child writes nothing of ours): the pipes on 0/1/2, cwd, everything else closed, signals reset,
 * a process group of its own. Returns 0 or the errno of whatever step failed.
 */
static int spawn_command(pid_t *pid, int in, int out, int err, int cwd_fd, const char *file, char **argv, char **envp) {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE); /* ignored here, default for the command */
    int r = posix_spawn_file_actions_init(&fa);
    if (r != 0) return r;
    if ((r = posix_spawnattr_init(&at)) != 0) { posix_spawn_file_actions_destroy(&fa); return r; }
    if ((r = posix_spawn_file_actions_adddup2(&fa, in, 0)) == 0 && (r = posix_spawn_file_actions_adddup2(&fa, out, 1)) == 0 &&
        (r = posix_spawn_file_actions_adddup2(&fa, err, 2)) == 0 && (r = posix_spawn_file_actions_addfchdir_np(&fa, cwd_fd)) == 0 &&
        /* everything of ours is O_CLOEXEC already; this also catches inherited descriptors */
        (r = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0 &&
        (r = posix_spawnattr_setsigmask(&at, &none)) == 0 && (r = posix_spawnattr_setsigdefault(&at, &dfl)) == 0 &&
        (r = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
        (r = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)) == 0)
        r = posix_spawn(pid, file, &fa, &at, argv, envp);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    return r;
}

static void send_exit(int status, const stream_t *so, const stream_t *se) {
    char code[16], om_o[24], om_e[24];
    int c = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
    size_t lo = 0, le = 0;
    char *to = stream_tail(so, &lo), *te = stream_tail(se, &le);
    snprintf(code, sizeof code, "%d", c);
    snprintf(om_o, sizeof om_o, "%llu", (unsigned long long)(so->total - so->head_sent - lo));
    snprintf(om_e, sizeof om_e, "%llu", (unsigned long long)(se->total - se->head_sent - le));
    field_t f[5] = { fs(code), fs(om_o), fs(om_e), { to ? to : "", lo }, { te ? te : "", le } };
    send_frame('x', 5, f);
    free(to);
    free(te);
}

static int sig_fd = -1;

static void drain_signals(void) {
    struct signalfd_siginfo si;
    while (read(sig_fd, &si, sizeof si) > 0) {}
}

static void report_spawn_failure(int e, const char *cmd) {
    if (e == ENOENT || e == ENOTDIR) send_err("COMMAND_NOT_FOUND", "command not found: %s", cmd);
    else send_err("EXEC_FAILED", "exec %s: %s", cmd, strerror(e));
}

/* Feeds stdin, pumps stdout/stderr until the child exits and the pipes close (or DRAIN_MS after exit). */
static int exec_loop(pid_t pid, int in_fd, field_t input, stream_t *so, stream_t *se) {
    int status = 0, reaped = 0;
    size_t off = 0;
    long long deadline = 0;
    for (;;) {
        if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
            reaped = 1;
            deadline = now_ms() + DRAIN_MS;
            if (in_fd >= 0) { close(in_fd); in_fd = -1; }
        }
        if (reaped && so->fd < 0 && se->fd < 0) break;
        int timeout = -1;
        if (reaped) {
            long long left = deadline - now_ms();
            if (left <= 0) break;
            timeout = (int)left;
        }
        /* The daemon sends nothing while a command runs: anything readable on our input is its
           end-of-file (the daemon died or gave up): stop the command and leave at once. */
        struct pollfd p[5] = { { in_fd, POLLOUT, 0 }, { so->fd, POLLIN, 0 }, { se->fd, POLLIN, 0 },
                               { reaped ? -1 : sig_fd, POLLIN, 0 }, { conn_in, POLLIN, 0 } };
        if (poll(p, 5, timeout) < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "llmr-helper: poll: %s\n", strerror(errno));
            break;
        }
        if (in_fd >= 0 && p[0].revents) {
            ssize_t w = write(in_fd, input.p + off, input.n - off);
            if (w > 0) off += (size_t)w;
            /* EPIPE (the child ignores stdin) or done: close; EAGAIN/EINTR: try again later. */
            if (off == input.n || (w < 0 && errno != EAGAIN && errno != EINTR)) { close(in_fd); in_fd = -1; }
        }
        if (so->fd >= 0 && p[1].revents) stream_pump(so);
        if (se->fd >= 0 && p[2].revents) stream_pump(se);
        if (p[3].revents) drain_signals();
        if (p[4].revents) {
            kill(-pid, SIGKILL);
            fprintf(stderr, "llmr-helper: the daemon went away during exec; command killed\n");
            _exit(0);
        }
    }
    kill(-pid, SIGKILL); /* the whole process group: backgrounded grandchildren included */
    if (!reaped) while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (in_fd >= 0) close(in_fd);
    if (so->fd >= 0) { stream_pump(so); if (so->fd >= 0) close(so->fd); so->fd = -1; }
    if (se->fd >= 0) { stream_pump(se); if (se->fd >= 0) close(se->fd); se->fd = -1; }
    while (waitpid(-1, NULL, WNOHANG) > 0) {} /* orphans reparented to us when we are PID 1 */
    drain_signals();
    return status;
}

/* Is every masked path still covered by its mask? Names the first one that is not. */
static int masks_hold(const char **broken) {
    for (int i = 0; i < mask_count; i++) {
        const char *e = mask_entries[i];
        const ident_t *want = e[0] == 'd' ? &mask_dir_id : &mask_file_id;
        struct stat st;
        if (fstatat(root_fd, e + 2, &st, 0) != 0 || st.st_dev != want->dev || st.st_ino != want->ino) {
            *broken = e + 2;
            return 0;
        }
    }
    return 1;
}

/* merge: the child's stderr is its stdout pipe too (the 2>&1 form), so the order is the order written. */
static void run_child(const char *cwd, uint64_t max, field_t input, char **argv, char **envp, int merge) {
    int in[2], out[2], err[2];
    const char *broken = NULL;
    if (!masks_hold(&broken)) {
        send_err("MASK_BROKEN", "%s is no longer covered by its mask (the host replaced or removed it)", broken);
        return;
    }
    /* the working directory is opened here, so its failure is told apart from the program's */
    int cwd_fd = openat(root_fd, cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cwd_fd < 0) { send_err("EXEC_FAILED", "chdir %s: %s", cwd, strerror(errno)); return; }
    char file[PATH_MAX];
    int e = resolve_command(cwd_fd, argv[0], envp, file, sizeof file);
    if (e != 0) { close(cwd_fd); report_spawn_failure(e, argv[0]); return; }
    if (pipe2(in, O_CLOEXEC) != 0) { send_errno("pipe", argv[0], errno); close(cwd_fd); return; }
    if (pipe2(out, O_CLOEXEC) != 0) { send_errno("pipe", argv[0], errno); close(in[0]); close(in[1]); close(cwd_fd); return; }
    if (pipe2(err, O_CLOEXEC) != 0) { send_errno("pipe", argv[0], errno); goto close_out; }
    drain_signals();
    pid_t pid;
    e = spawn_command(&pid, in[0], out[1], merge ? out[1] : err[1], cwd_fd, file, argv, envp);
    close(in[0]); close(out[1]); close(err[1]); close(cwd_fd);
    if (e != 0) {
        close(in[1]); close(out[0]); close(err[0]);
        report_spawn_failure(e, argv[0]);
        return;
    }
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    if (input.n == 0) { close(in[1]); in[1] = -1; }
    stream_t so = { .fd = out[0], .type = 'o', .head_left = max / 2, .ring_cap = max / 2 };
    stream_t se = { .fd = err[0], .type = 'e', .head_left = max / 2, .ring_cap = max / 2 };
    int status = exec_loop(pid, in[1], input, &so, &se);
    send_exit(status, &so, &se);
    free(so.ring);
    free(se.ring);
    return;
close_out:
    close(out[0]); close(out[1]); close(in[0]); close(in[1]); close(cwd_fd);
}

static void do_exec(field_t *f, size_t n, int merge) {
    uint64_t max, nenv;
    if (n < 5 || parse_u64(f[1], &max) != 0 || parse_u64(f[3], &nenv) != 0 || nenv > n - 5) {
        send_err("BAD_REQUEST", "exec takes [cwd, maxOutputBytes, stdin, nEnv, env..., argv...]");
        return;
    }
    size_t argc = n - 4 - (size_t)nenv;
    field_t *env = f + 4, *args = f + 4 + nenv;
    for (size_t i = 0; i < nenv; i++)
        if (has_nul(env[i]) || !strchr(env[i].p, '=')) { send_err("BAD_REQUEST", "invalid environment entry %zu", i); return; }
    for (size_t i = 0; i < argc; i++)
        if (has_nul(args[i])) { send_err("BAD_REQUEST", "argument %zu contains a NUL byte", i); return; }
    if (args[0].n == 0) { send_err("BAD_REQUEST", "empty command"); return; }
    const char *cwd = f[0].n == 0 ? "." : f[0].p;
    if (f[0].n > 0 && f[0].p[0] != '/' && !path_ok(f[0])) { send_err("PATH_INVALID", "invalid working directory %s", f[0].p); return; }
    if (has_nul(f[0])) { send_err("PATH_INVALID", "invalid working directory"); return; }
    if (max > MAX_EXEC_OUTPUT) max = MAX_EXEC_OUTPUT;
    char **argv = calloc(argc + 1, sizeof *argv), **envp = calloc(nenv + 1, sizeof *envp);
    if (!argv || !envp) { free(argv); free(envp); send_err("IO_ERROR", "out of memory"); return; }
    for (size_t i = 0; i < argc; i++) argv[i] = (char *)args[i].p;
    for (size_t i = 0; i < nenv; i++) envp[i] = (char *)env[i].p;
    run_child(cwd, max, f[2], argv, envp, merge);
    free(argv);
    free(envp);
}

/* ---------- clean (a warm exec container between commands) ---------- */

/* Removes everything under the open directory dfd (which it closes), never following symlinks
   and never leaving its filesystem; a directory the command made unreadable is made ours first. */
static int wipe_dir(int dfd, dev_t dev, int depth) {
    int ok = 1;
    DIR *d = fdopendir(dfd);
    if (!d) { close(dfd); return 0; }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) { ok = 0; continue; }
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != dev || depth > 200) { ok = 0; continue; }
            fchmodat(dirfd(d), e->d_name, 0700, 0);
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0 || !wipe_dir(sub, dev, depth + 1)) ok = 0;
            if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) != 0) ok = 0;
        } else if (unlinkat(dirfd(d), e->d_name, 0) != 0) {
            ok = 0;
        }
    }
    closedir(d);
    return ok;
}

static int wipe(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT;
    struct stat st;
    if (fstat(fd, &st) != 0) { close(fd); return 0; }
    return wipe_dir(fd, st.st_dev, 0);
}

/* After a command, before the container serves the next one: kill every process but this helper
   (and the container's init), reap them all (we are the subreaper: every orphan is our child),
   empty the scratch filesystems and check the masks. Any doubt → an error: the daemon retires
   the container. */
static void do_clean(field_t *f, size_t n) {
    (void)f;
    if (n != 0) { send_err("BAD_REQUEST", "clean takes no fields"); return; }
    /* kill(-1) and emptying /tmp are for a container only: started --reusable, as the child of the
       container's init (PID 1 of its own PID namespace), never as root */
    if (!reusable || getppid() != 1 || geteuid() == 0) { send_err("UNCLEAN", "this helper is not in a reusable container"); return; }
    long long deadline = now_ms() + 2000;
    for (;;) {
        kill(-1, SIGKILL); /* every process we may signal except ourselves and PID 1 */
        pid_t p;
        while ((p = waitpid(-1, NULL, WNOHANG)) > 0) {}
        if (p < 0 && errno == ECHILD) break;
        if (now_ms() > deadline) { send_err("UNCLEAN", "processes of the last command did not die"); return; }
        struct timespec ts = { 0, 2 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    drain_signals();
    if (!wipe("/tmp") || !wipe("/dev/shm")) { send_err("UNCLEAN", "could not empty /tmp or /dev/shm"); return; }
    const char *broken = NULL;
    if (!masks_hold(&broken)) { send_err("MASK_BROKEN", "%s is no longer covered by its mask", broken); return; }
    const char *vals[1] = { "clean" };
    send_ok(1, vals);
}

/* ---------- main loop ---------- */

static void dispatch(char type, field_t *f, size_t n) {
    switch (type) {
    case 'P':
        if (n != 0) { send_err("BAD_REQUEST", "ping takes no fields"); return; }
        { const char *vals[2] = { "pong", HELPER_VERSION }; send_ok(2, vals); }
        return;
    case 'R': do_read(f, n); return;
    case 'W': do_write(f, n); return;
    case 'X': do_exec(f, n, 0); return;
    case 'Y': do_exec(f, n, 1); return; /* exec with stderr into stdout */
    case 'C': do_clean(f, n); return;
    default: send_err("BAD_REQUEST", "unknown request type 0x%02x", (unsigned char)type); return;
    }
}

/* Cannot serve: say why on stderr and, once connected, to the daemon as the answer to its first
   request (its ping), so the reason reaches the daemon's error instead of a bare end of file. */
static void setup_failed(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "llmr-helper: %s\n", msg);
    unsigned char hdr[4], buf[4096];
    if (socket_path != NULL && read_full(conn_in, hdr, 4) == 4) {
        for (uint32_t left = get_u32(hdr); left > 0; ) {
            size_t n = left < sizeof buf ? left : sizeof buf;
            if (read_full(conn_in, buf, n) != (ssize_t)n) exit(1);
            left -= (uint32_t)n;
        }
        send_err("SETUP_FAILED", "%s", msg);
    }
    exit(1);
}

/* The one connection to the daemon (--socket); the daemon stops listening once it has it. */
static void connect_daemon(void) {
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, socket_path, strlen(socket_path));
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        fprintf(stderr, "llmr-helper: connect %s: %s\n", socket_path, strerror(errno));
        exit(1);
    }
    conn_in = conn_out = s;
    /* The container's stdio leads nowhere the daemon reads, and a command can reach it through
       Docker's init (/proc/1/fd/2): a pipe it filled must never block the helper's own messages. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        for (int fd = 0; fd <= 2; fd++) dup2(null, fd);
        if (null > 2) close(null);
    }
}

static void setup(void) {
    /* Not dumpable: a command run by this helper (same uid) cannot ptrace it or open its
       /proc/<pid>/fd entries; execve makes the command itself dumpable again. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) { fprintf(stderr, "llmr-helper: prctl: %s\n", strerror(errno)); exit(1); }
    /* Subreaper: a command's double-forked, setsid'ed leftovers become our children, so `clean`
       can tell when every one of them is gone. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) { fprintf(stderr, "llmr-helper: prctl: %s\n", strerror(errno)); exit(1); }
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0) exit(1);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_DFL); /* an inherited SIG_IGN would auto-reap children and hide their exit */
    umask(022);
    /* the component walk openat2 falls back to, forced (tests of the fallback; as safe, only slower) */
    if (getenv("LLMR_HELPER_NO_OPENAT2") != NULL) openat2_missing = 1;
    if (socket_path != NULL) connect_daemon();
    root_fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) setup_failed("open %s: %s", root_path, strerror(errno));
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &chld, NULL) != 0 || (sig_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        setup_failed("signalfd: %s", strerror(errno));
    }
}

static int parse_ident(const char *s, ident_t *id) {
    unsigned long long d, i;
    char tail;
    if (sscanf(s, "%llu:%llu%c", &d, &i, &tail) != 2) return -1;
    id->dev = (dev_t)d; id->ino = (ino_t)i;
    return 0;
}

/* Options after ROOT: [--socket PATH] [--lifetime N] [--reusable] [--masks FILE_ID DIR_ID ENTRY...] (--masks takes the rest). */
static int parse_options(int argc, char **argv) {
    int i = 2;
    if (i < argc && strcmp(argv[i], "--socket") == 0) {
        if (i + 1 >= argc || argv[i + 1][0] != '/' || strlen(argv[i + 1]) >= sizeof ((struct sockaddr_un *)0)->sun_path) return -1;
        socket_path = argv[i + 1];
        i += 2;
    }
    if (i < argc && strcmp(argv[i], "--lifetime") == 0) {
        uint64_t secs;
        if (i + 1 >= argc) return -1;
        field_t f = fs(argv[i + 1]);
        if (parse_u64(f, &secs) != 0 || secs == 0 || secs > 30u * 24u * 3600u) return -1;
        signal(SIGALRM, SIG_DFL); /* an inherited SIG_IGN must not lift the cap */
        sigset_t alrm;
        sigemptyset(&alrm);
        sigaddset(&alrm, SIGALRM);
        sigprocmask(SIG_UNBLOCK, &alrm, NULL);
        alarm((unsigned)secs);
        i += 2;
    }
    if (i < argc && strcmp(argv[i], "--reusable") == 0) { reusable = 1; i++; }
    if (i == argc) return 0;
    if (argc - i < 3 || strcmp(argv[i], "--masks") != 0) return -1;
    if (parse_ident(argv[i + 1], &mask_file_id) != 0 || parse_ident(argv[i + 2], &mask_dir_id) != 0) return -1;
    int first = i + 3;
    for (i = first; i < argc; i++) {
        const char *e = argv[i];
        field_t rel = { e + 2, strlen(e) < 2 ? 0 : strlen(e) - 2 };
        if ((e[0] != 'f' && e[0] != 'd') || e[1] != ':' || !path_ok(rel)) return -1;
    }
    mask_entries = argv + first;
    mask_count = argc - first;
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 2 && parse_options(argc, argv) != 0) {
        fprintf(stderr, "usage: llmr-helper [ROOT [--socket PATH] [--lifetime SECONDS] [--reusable] [--masks FILE_ID DIR_ID f:REL|d:REL...]]\n");
        return 2;
    }
    if (argc >= 2) root_path = argv[1];
    setup();
    for (;;) {
        unsigned char hdr[4];
        ssize_t r = read_full(conn_in, hdr, 4);
        if (r == 0) return 0;
        if (r < 0) { fprintf(stderr, "llmr-helper: truncated frame header\n"); return 2; }
        uint32_t len = get_u32(hdr);
        if (len > MAX_FRAME) { send_err("BAD_REQUEST", "frame of %u bytes exceeds the limit of %u", len, MAX_FRAME); return 2; }
        if (len == 0) { send_err("BAD_REQUEST", "empty frame"); continue; }
        unsigned char *body = malloc((size_t)len + 1);
        if (!body) { send_err("BAD_REQUEST", "out of memory for a frame of %u bytes", len); return 2; }
        if (read_full(conn_in, body, len) != (ssize_t)len) { fprintf(stderr, "llmr-helper: truncated frame\n"); return 2; }
        field_t *f = NULL;
        size_t n = 0;
        if (parse_fields(body, len, &f, &n) != 0) send_err("BAD_REQUEST", "malformed fields");
        else dispatch((char)body[0], f, n);
        free(f);
        free(body);
    }
}
