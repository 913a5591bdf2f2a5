# llmr-io: busybox (static) + the llmr helper. Build context: this directory (images/).
#   docker build -f images/io.Dockerfile --build-arg LLMR_IMAGE_VERSION=1 -t llmr-io:latest images
# Hosts without a registry: `llmr images build` makes the same image from Debian packages.
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev busybox-static \
 && rm -rf /var/lib/apt/lists/*
COPY helper/llmr-helper.c /src/llmr-helper.c
RUN mkdir -p /rootfs/bin /rootfs/etc /rootfs/usr/local/bin /rootfs/workspace /rootfs/tmp \
 && gcc -static -O2 -Wall -Wextra -o /rootfs/usr/local/bin/llmr-helper /src/llmr-helper.c \
 && cp /bin/busybox /rootfs/bin/busybox \
 && for applet in $(/bin/busybox --list); do \
      [ "$applet" = busybox ] || ln -s busybox "/rootfs/bin/$applet"; \
    done \
 && printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > /rootfs/etc/passwd \
 && printf 'root:x:0:\nnogroup:x:65534:\n' > /rootfs/etc/group \
 && chmod 1777 /rootfs/tmp

FROM scratch
COPY --from=build /rootfs/ /
ARG LLMR_IMAGE_VERSION=1
LABEL llmr.image.version=${LLMR_IMAGE_VERSION}
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /workspace
CMD ["/usr/local/bin/llmr-helper", "/workspace"]
