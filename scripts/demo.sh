#!/usr/bin/env bash
# Set up llmr and run it on an example repository: install and build, build the container images
# when they are missing, copy test/fixtures/demo-repo to a temp directory and pipe a model's
# reply (test/fixtures/demo-reply.txt: several <open>, <write>, <exec> and <search> tags) through llmr.
# The demo runs its own daemon (socket, config and state in the temp directory, so your own config,
# audit log and daemon are untouched), stops it at the end and says what it left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

if ! docker info >/dev/null 2>&1; then
  echo "llmr demo: the Docker engine is not reachable; start it (sudo systemctl start docker, or dockerd)," >&2
  echo "           and as a non-root user join the docker group: sudo usermod -aG docker \"\$USER\" (then log in again)" >&2
  exit 5
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
# LLMR_DEMO_PREBUILT=1: dist/ is current (the test suite runs the demo right after its own build)
[ "${LLMR_DEMO_PREBUILT:-}" = 1 ] || npm run --silent build
if ! docker image inspect llmr-io:latest llmr-exec:latest >/dev/null 2>&1; then
  # debootstrap (the no-registry build of llmr-exec) needs root
  if [ "$(id -u)" = 0 ]; then node dist/client/main.js images build
  else sudo "$(command -v node)" dist/client/main.js images build
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/llmr-demo-XXXXXX")
example="$work/repo"
mkdir -p "$example" "$work/config/llmr"
cp -R test/fixtures/demo-repo/. "$example/"
# The user config of the demo's daemon: the whitelist is the user's choice, never the repository's.
cat > "$work/config/llmr/config.yaml" <<'YAML'
commands:
  exec:
    whitelist: ["python3 -m pytest", "ls", "cat"]
YAML
# llmr runs containers as the repository's owner and never as root: as root, hand the copy to nobody.
if [ "$(id -u)" = 0 ]; then chown -R 65534:65534 "$example"; fi

export LLMR_SOCKET="$work/daemon.sock" XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state" XDG_CACHE_HOME="$work/cache"
llmr() { node "$top/dist/client/main.js" "$@"; }
stop_daemon() { llmr daemon stop >/dev/null 2>&1 || true; }
trap stop_daemon EXIT

echo "== example repository: $example" >&2
echo "== piping test/fixtures/demo-reply.txt through llmr" >&2
status=0
llmr --root "$example" < "$top/test/fixtures/demo-reply.txt" || status=$?
echo "== llmr exited with $status (1 = some commands were refused or failed, as the reply intends)" >&2
echo "== files written: $(cd "$example" && ls src tests | tr '\n' ' ')" >&2
stop_daemon
trap - EXIT
cat >&2 <<MSG
== done. The demo's daemon is stopped and its containers are gone (it used its own socket, config
   and state under $work, so your own daemon and audit log were not touched).
   Left behind: $work (the example repository, its audit log and backups); remove it with:
     rm -rf $work
== next: run llmr on your own repository:
     npm install -g .          # puts llmr on your PATH
     cd ~/src/project && echo '<open README.md>' | llmr
MSG
if [ "$(id -u)" = 0 ]; then
  echo "   (you are root: llmr refuses repositories owned by root (REPO_OWNER_ROOT, exit 6); use one owned by" >&2
  echo "   an ordinary user, e.g. chown -R nobody: DIR, as this demo did — see Quick start in the README)" >&2
fi
exit 0
