#!/usr/bin/env bash
# Times `palisade sbom -f cyclonedx` against Trivy producing a CycloneDX SBOM of the same image,
# and against `pigz -dc` of the image's gzip layer (decompression is the floor), in one run.
# Prints median wall time, peak RSS and the ratios.
#
# usage: bench/sbom-vs-trivy.sh [RUNS]      (default 5 runs each)
# needs: a release build (cargo build --release), the test images (../shared/tools/
# build-test-images.sh), Trivy (../shared/tools/install-peers.sh), pigz and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
IMAGES=${PALISADE_IMAGES:-/tmp/palisade-images}
PEERS=${PALISADE_PEERS:-/tmp/palisade-peers}
PALISADE=${PALISADE_BIN:-target/release/palisade}
TRIVY=$PEERS/bin/trivy
export TRIVY_SKIP_VERSION_CHECK=true TRIVY_DISABLE_TELEMETRY=true
for tool in "$PALISADE" "$TRIVY" /usr/bin/time pigz; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see the header of $0)" >&2; exit 2; }
done
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# measure NAME CMD...: runs CMD $RUNS times, records "seconds maxrss_kb" per run.
measure() {
  local name=$1; shift
  : > "$OUT/$name"
  "$@" >/dev/null 2>&1 || { echo "$name failed: $*" >&2; "$@" >&2 || true; exit 1; }   # warm-up
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$OUT/$name.one" "$@" >/dev/null 2>&1
    cat "$OUT/$name.one" >> "$OUT/$name"
  done
}
median() { sort -n -k1 "$OUT/$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
peak() { sort -n -k2 "$OUT/$1" | tail -1 | awk '{ printf "%.0f", $2 / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

DOCKER=$IMAGES/bookworm-minbase.docker.tar
LAYOUT=$IMAGES/bookworm-minbase.oci
LAYER=$(python3 -c "import json,sys; d=json.load(open('$LAYOUT/index.json'));m=d['manifests'][0]['digest'].split(':')[1]; print(json.load(open('$LAYOUT/blobs/sha256/'+m))['layers'][0]['digest'].split(':')[1])")
LAYER=$LAYOUT/blobs/sha256/$LAYER

measure palisade-docker "$PALISADE" sbom -q -f cyclonedx "docker-archive:$DOCKER" -o "$OUT/p.json"
measure trivy-docker "$TRIVY" image -q --input "$DOCKER" --format cyclonedx -o "$OUT/t.json" \
  --cache-backend memory --skip-db-update --skip-java-db-update
measure palisade-oci "$PALISADE" sbom -q -f cyclonedx "oci:$LAYOUT" -o "$OUT/p.json"
measure trivy-oci "$TRIVY" image -q --input "$LAYOUT" --format cyclonedx -o "$OUT/t.json" \
  --cache-backend memory --skip-db-update --skip-java-db-update
measure pigz sh -c "pigz -dc '$LAYER' > /dev/null"

printf '%-38s %9s %9s\n' "run (median of $RUNS)" "wall s" "peak MiB"
for n in palisade-docker trivy-docker palisade-oci trivy-oci pigz; do
  printf '%-38s %9s %9s\n' "$n" "$(median $n)" "$(peak $n)"
done
echo
echo "bookworm-minbase.docker.tar  palisade/trivy wall: $(ratio "$(median palisade-docker)" "$(median trivy-docker)")  (target <= 0.5)"
echo "bookworm-minbase.oci (gzip)  palisade/trivy wall: $(ratio "$(median palisade-oci)" "$(median trivy-oci)")  (target <= 0.7)"
echo "bookworm-minbase.oci (gzip)  palisade/pigz  wall: $(ratio "$(median palisade-oci)" "$(median pigz)")  (target <= 1.0)"
echo "peak memory palisade/trivy: docker $(ratio "$(peak palisade-docker)" "$(peak trivy-docker)"), oci $(ratio "$(peak palisade-oci)" "$(peak trivy-oci)")  (target < 1)"
