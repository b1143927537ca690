#!/usr/bin/env bash
# Policy evaluation cost, in one run:
#   (a) `palisade scan --policy` with Anchore's all-rules bundle on bookworm-minbase against
#       `palisade sbom` of the same image (target: <= 1.3x), best of 5 each: the policy facts
#       (secrets in every file, setuid files, content patterns) come from the same single pass;
#   (b) secret-scanning throughput over the content of every file of the unpacked image
#       (target: >= 200 MB/s);
#   (c) the peer: Trivy's secret scanner on the same image (`trivy image --input --scanners
#       secret --cache-backend memory`, so no run reuses an earlier one's layer analysis)
#       against `palisade scan --policy` with a secrets-only bundle, as a ratio.
# Needs the test images (../shared/tools/build-test-images.sh -> /tmp/palisade-images) and trivy
# (../shared/tools/install-peers.sh). Usage: bench/policy.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${PALISADE_SHARED:-$root/../shared}
images=${PALISADE_IMAGES:-/tmp/palisade-images}
image="$images/bookworm-minbase.docker.tar"
rootfs="$images/bookworm-minbase.rootfs"
[ -f "$image" ] || { echo "$image is missing: run ../shared/tools/build-test-images.sh" >&2; exit 2; }

cargo build --release -q -p palisade --manifest-path "$root/Cargo.toml"
cargo build --release -q -p palisade-secrets --example secret_throughput --manifest-path "$root/Cargo.toml"
bin="$root/target/release/palisade"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
best() {
  local best=999999 t0 t1 s
  for _ in 1 2 3 4 5; do
    t0=$(now); "$@" > /dev/null 2>"$work/stderr" || [ $? -eq 1 ] || { cat "$work/stderr" >&2; return 1; }; t1=$(now)
    s=$(secs "$t0" "$t1")
    best=$(python3 -c "import sys; print(min(float(sys.argv[1]), float(sys.argv[2])))" "$best" "$s")
  done
  echo "$best"
}
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2"; }

db="$work/empty.sqlite"
bundle="$shared/policy/anchore/bundle-with-all-rules-2020-08-20.json"
echo "== (a) scan --policy (all-rules bundle) vs sbom, bookworm-minbase"
policy=$(best "$bin" scan --offline --db "$db" --policy "$bundle" -f json "docker-archive:$image")
sbom=$(best "$bin" sbom -f json "docker-archive:$image")
echo "palisade scan --policy: ${policy}s   palisade sbom: ${sbom}s   ratio $(ratio "$policy" "$sbom")x (target <= 1.3x)"

echo "== (b) secret-scanning throughput over the unpacked image"
"$root/target/release/examples/secret_throughput" "$rootfs"

echo "== (c) vs Trivy's secret scanner, same image"
cat > "$work/secrets.yaml" <<'YAML'
apiVersion: palisade.dev/v1
kind: PolicyBundle
metadata: {name: secrets-only}
policies:
  - id: secrets
    rules:
      - {gate: secret_scans, trigger: content_regex_checks, action: stop}
mappings:
  - {image: "*", policies: [secrets]}
YAML
trivy=${TRIVY:-$(command -v trivy || echo /tmp/palisade-peers/bin/trivy)}
if [ -x "$trivy" ]; then
  export TRIVY_SKIP_VERSION_CHECK=true TRIVY_DISABLE_TELEMETRY=true
  for img in bookworm-minbase layered-app; do
    ours=$(best "$bin" scan --offline --db "$db" --policy "$work/secrets.yaml" -f json "docker-archive:$images/$img.docker.tar")
    theirs=$(best "$trivy" image --cache-backend memory --input "$images/$img.docker.tar" --scanners secret -q -f json)
    echo "$img: palisade ${ours}s (packages + secrets)   trivy ${theirs}s (secrets only)   trivy/palisade $(ratio "$theirs" "$ours")x"
  done
else
  echo "trivy not found: run ../shared/tools/install-peers.sh"
fi
