#!/usr/bin/env bash
# Vulnerability scanning cost, in one run:
#   (a) `palisade db import` of every feed in ../shared/vulndata: time and database size;
#   (b) `palisade scan` of bookworm-minbase with a warm database against `palisade sbom` of the
#       same image (target: scan <= 1.3x sbom), best of 5 each;
#   (c) matching throughput: 100,000 synthetic packages against the full database;
#   (d) Trivy's time for the same image as a reference line (its vulnerability database cannot
#       be downloaded offline; without one, Trivy's SBOM pass of the image is timed instead).
# Needs the test images (../shared/tools/build-test-images.sh -> /tmp/palisade-images) and,
# for (d), trivy (../shared/tools/install-peers.sh). Usage: bench/scan.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${PALISADE_SHARED:-$root/../shared}
images=${PALISADE_IMAGES:-/tmp/palisade-images}
image="$images/bookworm-minbase.docker.tar"
[ -f "$image" ] || { echo "$image is missing: run ../shared/tools/build-test-images.sh" >&2; exit 2; }

cargo build --release -q -p palisade --manifest-path "$root/Cargo.toml"
cargo build --release -q -p palisade-vulndb --example match_throughput --manifest-path "$root/Cargo.toml"
bin="$root/target/release/palisade"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/vulndb.sqlite"

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

echo "== (a) import of ../shared/vulndata"
t0=$(now)
"$bin" db --db "$db" import "$shared"/vulndata/*-osv.tar.gz "$shared"/vulndata/rustsec-advisory-db.tar.gz \
  "$shared"/vulndata/nodejs-security-wg-vuln.tar.gz "$shared"/vulndata/alpine-secdb-2020.tar.gz | tail -1
t1=$(now)
echo "import: $(secs "$t0" "$t1") s, database $(du -k "$db" | cut -f1) KiB"

echo "== (b) scan vs sbom, bookworm-minbase, warm database"
scan=$(best "$bin" scan --db "$db" -f json "docker-archive:$image")
echo "palisade scan: ${scan}s"
if "$bin" sbom --help > /dev/null 2>&1; then
  sbom=$(best "$bin" sbom "docker-archive:$image")
  echo "palisade sbom: ${sbom}s"
  python3 -c "import sys; r=float(sys.argv[1])/float(sys.argv[2]); print(f'scan/sbom = {r:.2f}x (target <= 1.3x)')" "$scan" "$sbom"
else
  echo "palisade sbom is not available in this build; no ratio"
fi

echo "== (c) matching throughput"
"$root/target/release/examples/match_throughput" "$db" 100000

echo "== (d) trivy reference"
trivy=${TRIVY:-$(command -v trivy || echo /tmp/palisade-peers/bin/trivy)}
if [ -x "$trivy" ]; then
  export TRIVY_CACHE_DIR="$work/trivy-cache"
  if "$trivy" image --input "$image" --scanners vuln --skip-db-update --offline-scan -q > /dev/null 2>&1; then
    t=$(best "$trivy" image --input "$image" --scanners vuln --skip-db-update --offline-scan -q)
    echo "trivy image --scanners vuln: ${t}s"
  else
    t=$(best "$trivy" image --input "$image" --format cyclonedx --skip-db-update --offline-scan -q)
    echo "trivy has no vulnerability database offline; trivy image --format cyclonedx (catalog only): ${t}s"
  fi
  python3 -c "import sys; print(f'palisade scan / trivy = {float(sys.argv[1])/float(sys.argv[2]):.2f}x')" "$scan" "$t"
else
  echo "trivy is missing: run ../shared/tools/install-peers.sh (installs it into /tmp/palisade-peers/bin)"
fi
