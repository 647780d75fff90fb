#!/bin/sh
# The server image's entrypoint. Configuration comes from the environment only: SERVER picks the
# server, everything else is read by servers/core/config.ts. A secret may instead come from a file
# named by <NAME>_FILE (the Docker secrets convention): compose points JWT_KEYS_FILE at the key
# made at first start, so the key is never written into the compose file or the image.
set -eu

if [ -z "${JWT_KEYS:-}" ] && [ -n "${JWT_KEYS_FILE:-}" ]; then
  JWT_KEYS="$(cat "$JWT_KEYS_FILE")"
  export JWT_KEYS
fi
unset JWT_KEYS_FILE

case "${SERVER:-}" in
  session | jwt) ;;
  *) echo "SERVER must be session or jwt, got \"${SERVER:-}\"" >&2; exit 2 ;;
esac
# exec: node replaces this shell as PID 1, so the SIGTERM of `docker stop` reaches it and
# run-server.ts closes the server and the database pool cleanly. The compiled build (npm run build in
# the image's build stage) runs with plain node: main.js runs the server bundled into one file with
# the V8 code cache the build made of it (servers/core/bundle-loader.ts), and the bundle's source map
# makes stack traces name .ts lines (read when a trace is first printed: servers/core/stack-traces.ts).
exec node "dist/servers/$SERVER/main.js"
