#!/bin/sh
# Container entry point (seed 000 §5): migrate, then serve. `autobook serve` runs the web app
# and, once it exists, the embedded worker in the same process; for more workers on
# PostgreSQL run extra containers with `autobook worker` instead of this script.
set -eu
autobook db upgrade
exec autobook serve "$@"
