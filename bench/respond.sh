#!/usr/bin/env bash
# Exec prevention: the time fanotify FAN_OPEN_EXEC_PERM answering adds to an allowed execve
# (/bin/true, with the issue's deny rules: tmpfs paths and drift). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p palisade-respond --example denyexec_latency
./target/release/examples/denyexec_latency "${1:-2000}"
