#!/bin/sh
# The bench image's entrypoint: runs the command as the owner of the results folder, so the report
# lands in the host's ./results whoever owns the clone. Without it the bench ran as the image's
# `node` user (uid 1000) and failed with EACCES on any clone owned by another uid (most Linux hosts
# whose first user is not 1000, a root-owned clone, rootless Docker where the host user is uid 0
# inside the container).
#
# Compose starts this container as root with every capability dropped but SETUID and SETGID, only
# so that setpriv can switch to that owner here; the bench itself never holds a capability (a
# switch from root to another uid clears them all). Started as any other user (docker run --user,
# or the image's default `node`), it runs the command unchanged.
set -eu

RESULTS_DIR="${RESULTS_DIR:-/app/results}"

if [ "$(id -u)" = 0 ]; then
  if [ ! -d "$RESULTS_DIR" ]; then
    echo "bench-entrypoint: $RESULTS_DIR is not a directory: mount the results folder there (compose: ./results)" >&2
    exit 2
  fi
  owner="$(stat -c %u "$RESULTS_DIR")"
  group="$(stat -c %g "$RESULTS_DIR")"
  if [ "$owner" != 0 ]; then
    # npm writes its logs under $HOME: root's home is not writable by the owner, /tmp is.
    HOME=/tmp
    export HOME
    exec setpriv --reuid="$owner" --regid="$group" --clear-groups "$@"
  fi
  # Owned by root (a root clone, or rootless Docker, where the host user is root in here): write as
  # root, which holds no capability beyond SETUID/SETGID under compose.
fi
exec "$@"
