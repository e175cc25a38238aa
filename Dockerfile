# Production image: dependencies and the island bundle are built into the image, the app runs
# as the unprivileged `deno` user with only the permissions it needs.
FROM denoland/deno:2.5.6

WORKDIR /app
ENV APP_ENV=production \
    DATA_DIR=/data \
    BUNDLE_DIR=/app/.bundles \
    DENO_NO_UPDATE_CHECK=1

COPY deno.json deno.lock ./
RUN deno install --frozen

COPY . .
RUN deno cache --frozen main.ts lib/sync/cli.ts lib/db/migrate_cli.ts \
 && deno run -A lib/web/build_cli.ts /app/.bundles \
 && mkdir -p /data && chown deno:deno /data

USER deno
EXPOSE 8000
VOLUME ["/data"]
# net: serve, PostgreSQL, Google. read: the app (routes, migrations, bundle) and /data.
# write: /data only (embedded database when DATABASE_URL is unset).
CMD ["run", "--unstable-cron", "--allow-net", "--allow-env", "--allow-sys=hostname,osRelease", \
     "--allow-read=/app,/data,/deno-dir", "--allow-write=/data", "main.ts"]
