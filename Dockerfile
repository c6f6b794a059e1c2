# syntax=docker/dockerfile:1
# alkhub container image: one self-contained binary on distroless "base" (glibc, no shell, uid 65532).
#
#   docker build --build-arg ALKHUB_COMMIT="$(git rev-parse --short=12 HEAD)" -t alkhub:local .
#
# Why distroless base and not static: the compiled Bun binary links glibc (libc, libm, libpthread, libdl,
# ld-linux); static-debian12 has no glibc and musl builds need libstdc++ (PITFALLS.md §7). See docs/deploy.md.

# ---- build stage: the Bun version pinned in package.json ("packageManager": "bun@1.4.5") ----
# Runs on the build machine's platform and cross-compiles for the target (bun fetches the runtime from npm).
FROM --platform=$BUILDPLATFORM oven/bun:1.4.5 AS build
WORKDIR /src
# Dependencies first, so a source change does not refetch them.
COPY package.json bun.lock bunfig.toml ./
# bun install applies the patches of package.json's patchedDependencies (patches/README.md).
COPY patches ./patches
RUN bun install --frozen-lockfile
COPY . .
# .git is not sent to the builder (.dockerignore): the commit comes in as a build argument.
ARG ALKHUB_COMMIT=unknown
# Set by BuildKit for multi-platform builds (docker buildx build --platform linux/amd64,linux/arm64).
ARG TARGETARCH
RUN case "${TARGETARCH:-amd64}" in \
      arm64) target=bun-linux-arm64 ;; \
      *) target=bun-linux-x64-baseline ;; \
    esac \
 && bun scripts/build.ts --target "$target" --commit "$ALKHUB_COMMIT" --outfile /out/alkhub \
 && mkdir -p /out/var/lib/alkhub

# ---- runtime stage ----
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build --chown=0:0 /out/alkhub /alkhub
# The embedded store's data dir (used only when the config has no "postgres" section): owned by nonroot so a
# fresh named volume mounted here starts writable. Point the config at it: "embedded": { "dataDir": "/var/lib/alkhub" }.
COPY --from=build --chown=65532:65532 /out/var/lib/alkhub /var/lib/alkhub
VOLUME ["/var/lib/alkhub"]
# distroless "nonroot"
USER 65532:65532
# Inputs, both mounted at run time and never baked in:
#   config      /etc/alkhub/config.json        (read-only mount; postgres/redis sections encrypted)
#   master key  /run/secrets/hub_master_key    (Docker/Compose/Kubernetes secret)
# No secret is read from the environment.
EXPOSE 3000
# distroless has no curl: the binary checks itself (exit 0 only when /health answers 200 ok).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["/alkhub", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/alkhub"]
CMD ["serve"]
