# llmr-exec: Debian bookworm + Node.js/npm, python3 (pip, venv, pytest), Go 1.23 (bookworm-backports),
# gcc, make, git, the text tools + the llmr helper. Keep the package list equal to images/version.ts.
# Build context: this directory (images/).
#   docker build -f images/exec.Dockerfile --build-arg LLMR_IMAGE_VERSION=1 -t llmr-exec:latest images
# Hosts without a registry: `llmr images build` makes the same image with debootstrap.
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS helper
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
COPY helper/llmr-helper.c /src/llmr-helper.c
RUN gcc -static -O2 -Wall -Wextra -o /llmr-helper /src/llmr-helper.c

FROM ${DEBIAN_IMAGE}
RUN echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm python3 python-is-python3 python3-pip python3-venv python3-pytest \
      gcc libc6-dev make ninja-build git coreutils findutils grep sed diffutils patch ca-certificates \
      golang-go/bookworm-backports golang-src/bookworm-backports \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
COPY --from=helper /llmr-helper /usr/local/bin/llmr-helper
RUN mkdir -p /workspace
ARG LLMR_IMAGE_VERSION=1
LABEL llmr.image.version=${LLMR_IMAGE_VERSION}
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /workspace
CMD ["/usr/local/bin/llmr-helper", "/workspace"]
