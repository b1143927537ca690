#!/usr/bin/env bash
# The admission webhook under load, in one run: `palisade admission serve` on 127.0.0.1 over
# TLS, a fixed 1,000 requests/s for 30 s from 10 keep-alive connections, a tenth of the bodies
# malformed (target: p99 <= 2 ms, 0 wrong answers); peak RSS of the server.
# The pods pass Pod Security baseline and an `allow` image rule (warm path: no registry).
# Usage: bench/admission.sh [RATE] [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rate=${1:-1000}
seconds=${2:-30}
cargo build --release -q -p palisade --manifest-path "$root/Cargo.toml"
cargo build --release -q -p palisade-admission --example load --manifest-path "$root/Cargo.toml"
bin="$root/target/release/palisade"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cd "$work"
"$bin" admission certs --name 127.0.0.1 --out-dir . 2>/dev/null
cat > admission.yaml <<YAML
listen: 127.0.0.1:$port
tls: {cert: tls.crt, key: tls.key}
podSecurity:
  default: {level: baseline, version: latest}
images:
  - match: "**"
    action: allow
YAML
/usr/bin/time -f "%M" -o rss.txt "$bin" admission serve --config admission.yaml 2>/dev/null &
server=$!
trap 'kill -INT $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
"$root/target/release/examples/load" "https://127.0.0.1:$port/validate" ca.crt "$rate" "$seconds"
pkill -INT -P $server; wait $server 2>/dev/null || true
echo "server peak RSS: $(cat rss.txt) KiB"
