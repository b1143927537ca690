#!/usr/bin/env bash
# Signing cost, in one run, against Debian's docker-registry on 127.0.0.1:
#   (a) `palisade sign` + `palisade verify` of bookworm-minbase, end to end, against
#       `palisade scan` of the same image from the same registry (target: well under);
#   (b) `palisade verify` alone, the whole process (start, key, resolve the tag, read the
#       signature manifest and layers, check), mean of 30 runs after 3 warm-ups
#       (target: <= 20 ms);
#   (c) the same for a verdict attestation (`verify-attestation --require final_action=go`);
#   (d) `palisade_sign::verify_located` in-process on one warm registry connection, as a
#       long-running verifier calls it, 200 calls (target: <= 20 ms).
# Needs the test images (../shared/tools/build-test-images.sh), docker-registry, skopeo and
# hyperfine (.ci/setup). Usage: bench/sign.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
images=${PALISADE_IMAGES:-/tmp/palisade-images}
cargo build --release -q -p palisade --manifest-path "$root/Cargo.toml"
cargo build --release -q -p palisade-sign --example verify_warm --manifest-path "$root/Cargo.toml"
bin="$root/target/release/palisade"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/config.yml" <<YAML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/data}}
http: {addr: 127.0.0.1:$port}
YAML
docker-registry serve "$work/config.yml" > /dev/null 2>&1 &
registry=$!
trap 'kill $registry 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
image="127.0.0.1:$port/bench/base:v1"
skopeo copy -q --insecure-policy --dest-tls-verify=false "docker-archive:$images/bookworm-minbase.docker.tar" "docker://$image"
export PALISADE_PASSWORD=bench
cd "$work"
"$bin" key generate --output-prefix k > /dev/null 2>&1

now() { date +%s.%N; }
t0=$(now); "$bin" sign --key k.key "$image" 2>/dev/null; "$bin" verify --key k.pub "$image" > /dev/null 2>&1; t1=$(now)
t2=$(now); "$bin" scan --offline --db "$work/none.sqlite" -q "registry:$image" > /dev/null 2>&1; t3=$(now)
python3 - "$t0" "$t1" "$t2" "$t3" <<'PY'
import sys
a, b, c, d = map(float, sys.argv[1:])
print(f"(a) sign + verify: {b - a:.3f} s   scan of the same image: {d - c:.3f} s   ratio {(b - a) / (d - c):.2f}x")
PY
echo '{"final_action": "go", "time": "'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'"}' > verdict.json
"$bin" attest --key k.key --type verdict --predicate verdict.json "$image" 2>/dev/null
echo "(b) verify, whole process:"
hyperfine -N --warmup 3 --runs 30 --style basic "$bin verify --key k.pub $image" 2>/dev/null | grep -E "Time|Range"
echo "(c) verify-attestation --require final_action=go, whole process:"
hyperfine -N --warmup 3 --runs 30 --style basic "$bin verify-attestation --key k.pub --type verdict --require final_action=go $image" 2>/dev/null | grep -E "Time|Range"
echo "(d) in-process, warm connection:"
"$root/target/release/examples/verify_warm" "$image" k.pub 200
