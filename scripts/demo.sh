#!/usr/bin/env bash
# Set up llmr and run it on an example repository: install and build, build the container images
# when they are missing, copy test/fixtures/demo-repo to a temp directory and pipe a model's
# reply (test/fixtures/demo-reply.txt: several <open>, <write>, <exec> and <search> tags) through llmr.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

if ! docker info >/dev/null 2>&1; then
  echo "llmr demo: the Docker engine is not reachable; start it (sudo systemctl start docker, or dockerd)" >&2
  exit 5
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
if ! docker image inspect llmr-io:latest llmr-exec:latest >/dev/null 2>&1; then
  # debootstrap (the no-registry build of llmr-exec) needs root
  if [ "$(id -u)" = 0 ]; then node dist/client/main.js images build
  else sudo "$(command -v node)" dist/client/main.js images build
  fi
fi

example=$(mktemp -d "${TMPDIR:-/tmp}/llmr-demo-XXXXXX")
cp -R test/fixtures/demo-repo/. "$example/"
# llmr runs containers as the repository's owner and never as root: as root, hand the copy to nobody.
if [ "$(id -u)" = 0 ]; then chown -R 65534:65534 "$example"; fi

echo "== example repository: $example" >&2
echo "== piping test/fixtures/demo-reply.txt through llmr" >&2
status=0
node "$top/dist/client/main.js" --root "$example" < "$top/test/fixtures/demo-reply.txt" || status=$?
echo "== llmr exited with $status (1 = some commands were refused or failed, as the reply intends)" >&2
echo "== files written: $(cd "$example" && ls src tests | tr '\n' ' ')" >&2
