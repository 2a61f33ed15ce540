# Readiness Gate server. Multi-stage: the build stage installs once (`npm ci`), compiles TypeScript and prunes
# the dev dependencies; the runtime stage holds production dependencies and dist/ only, runs as a non-root
# user, listens on all interfaces. Build: docker build -t readiness-gate .   Run: see docs/operations.md.

# Node 20, the major CI tests (.github/workflows/ci.yml), on Debian bookworm slim, pinned by digest so a rebuild
# gets the same base until the digest is bumped on purpose. This is the digest of node:20-bookworm-slim as
# pinned by published Dockerfiles (not pulled on the machine that wrote it); check or refresh it with
# `docker buildx imagetools inspect node:20-bookworm-slim`.
ARG NODE_DIGEST=sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0
ARG NODE_IMAGE=node:20-bookworm-slim@${NODE_DIGEST}

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` would build before the sources are copied: install without scripts, build explicitly.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle-cli.mjs ./scripts/
# The CLI bundle's code cache is made by running it through bin/load-cli.js.
COPY bin ./bin
COPY src ./src
COPY schema ./schema
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ARG NODE_DIGEST
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="Readiness Gate" \
      org.opencontainers.image.description="A release gate for GitHub: evaluates .readiness.yml against evidence and says GO or NO-GO." \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.documentation="docs/operations.md" \
      org.opencontainers.image.base.name="docker.io/library/node:20-bookworm-slim" \
      org.opencontainers.image.base.digest="${NODE_DIGEST}"
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    LOG_LEVEL=info
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json app.yml ./
COPY --chown=root:root schema ./schema
COPY --chown=root:root bin ./bin
# The image's `node` user (uid 1000); nothing under /app is writable by it.
USER node
EXPOSE 3000
# Liveness for plain Docker, with bash builtins only (no second Node process every 30 s). Orchestrators use
# their own probes: /healthz for liveness, /readyz for readiness (docs/operations.md §3).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-3000} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == *' 200 '* ]]"]
# Exec form: the server receives SIGTERM itself and drains (DRAIN_TIMEOUT_SECONDS, default 25).
CMD ["node", "dist/app/main.js"]
