#!/bin/sh
# The edge Worker under `wrangler dev` inside the compose network (DEV ONLY): listens on all
# interfaces of its container, reads its secrets from the generated file, and reaches the
# bridge and nginx by service name. Vars not given here come from edge/wrangler.toml.
set -eu
: "${SECRETS_FILE:?path of the edge secrets file}"
: "${ORIGIN_URL:?where admitted traffic goes}"
: "${UPSTASH_REDIS_REST_URL:?the Upstash REST endpoint}"

# from edge/, where wrangler.toml's [build] step (the pages' browser files) expects to run
cd edge
exec node ../node_modules/wrangler/bin/wrangler.js dev \
  --config wrangler.toml \
  --ip "${EDGE_IP:-0.0.0.0}" \
  --port "${EDGE_PORT:-8787}" \
  --inspector-port "${EDGE_INSPECTOR_PORT:-9229}" \
  --env-file "$SECRETS_FILE" \
  --var "ORIGIN_URL:$ORIGIN_URL" \
  --var "UPSTASH_REDIS_REST_URL:$UPSTASH_REDIS_REST_URL" \
  --show-interactive-dev-session=false \
  --log-level info
