#!/bin/sh
# Container entrypoint: make sure the ecosystem's setup is current, then
# run the container's command.
#
#   exit 0 (ok)                                  → start at once
#   exit 3 (first_run, stale_after_update, stamp_corrupt)
#                                                → run the setup command, record
#                                                  the stamp, start
#   exit 4 (stale_after_downgrade)               → refuse: older packages than
#                                                  the last setup are not supported
#   anything else (1: no verdict, 2: usage)      → refuse, with setup-stamp's reason
#
# Configure with the environment (e.g. in the image or `docker run -e`):
#   SETUP_STAMP_NAMESPACE, SETUP_STAMP_PACKAGES, SETUP_STAMP_FILE,
#   SETUP_STAMP_SETUP_COMMAND (default: terok setup), <NS>_ROOT ...
# SETUP_STAMP_BIN names the command (default: setup-stamp on PATH).
#
#   ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
#   CMD ["acme-worker"]
set -u
bin=${SETUP_STAMP_BIN:-setup-stamp}
setup=${SETUP_STAMP_SETUP_COMMAND:-terok setup}

"$bin" check
status=$?
case $status in
  0) ;;
  3)
    echo "entrypoint: running '$setup'" >&2
    # Word splitting is wanted: the setup command may have arguments.
    # shellcheck disable=SC2086
    $setup || { echo "entrypoint: '$setup' failed" >&2; exit 1; }
    "$bin" write >/dev/null || exit 1
    ;;
  4)
    echo "entrypoint: the installed packages are older than the last setup; refusing to start" >&2
    exit 1
    ;;
  *)
    echo "entrypoint: setup-stamp gave no verdict (exit $status); refusing to start" >&2
    exit 1
    ;;
esac
exec "$@"
