#!/usr/bin/env bash
# Runtime detection throughput against sysdig, in one run, on a large capture:
# ../shared/scap/inspect_502Error.scap concatenated N times (default 100: 947,800 events).
#   (a) the same single filter in sysdig and palisade (target: palisade >= 3x sysdig);
#   (b) palisade with the three upstream Falco rules files (target: >= 2 M events/s on one core);
#   (c) palisade parsing and rebuilding state only (evaluation should cost no more than this).
# Needs sysdig (apt-get install -y --no-install-recommends sysdig). Usage: bench/detect.sh [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${PALISADE_SHARED:-$root/../shared}
n=${1:-100}
filter=${FILTER:-'evt.type=open and fd.name contains /etc'}
command -v sysdig >/dev/null || { echo "sysdig is missing: apt-get install -y --no-install-recommends sysdig" >&2; exit 2; }

cargo build --release -q -p palisade --manifest-path "$root/Cargo.toml"
bin="$root/target/release/palisade"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
big="$work/big.scap"
for _ in $(seq "$n"); do cat "$shared/scap/inspect_502Error.scap"; done > "$big"

now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

# Best of 3 wall-clock runs of a command (stdout discarded).
best() {
  local best=999999 t0 t1 s
  for _ in 1 2 3; do
    t0=$(now); "$@" > /dev/null 2>"$work/stderr" || [ $? -eq 1 ]; t1=$(now)
    s=$(secs "$t0" "$t1")
    best=$(python3 -c "print(min($best, $s))")
  done
  echo "$best"
}

events=$("$bin" detect --capture "$big" --no-rules --stats 2>&1 >/dev/null | python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["events"])')
sysdig_matches=$(sysdig -r "$big" -p %evt.num "$filter" | wc -l)
ours_matches=$({ "$bin" detect --capture "$big" --filter "$filter" || [ $? -eq 1 ]; } | wc -l)

t_sysdig=$(best sysdig -r "$big" -p %evt.num "$filter")
t_filter=$(best "$bin" detect --capture "$big" --filter "$filter")
t_rules=$(best "$bin" detect --capture "$big" -r "$shared/falco/falco_rules.yaml" "$shared/falco/falco-incubating_rules.yaml" "$shared/falco/falco-sandbox_rules.yaml" -o "$work/alerts.txt")
t_parse=$(best "$bin" detect --capture "$big" --no-rules)

python3 - "$events" "$t_sysdig" "$t_filter" "$t_rules" "$t_parse" "$sysdig_matches" "$ours_matches" "$filter" <<'PY'
import sys
ev, ts, tf, tr, tp = int(sys.argv[1]), *map(float, sys.argv[2:6])
sm, om, flt = int(sys.argv[6]), int(sys.argv[7]), sys.argv[8]
eps = lambda t: ev / t
print(f"capture: {ev} events; filter: {flt!r} (sysdig matched {sm}, palisade {om})")
print(f"sysdig, filter          {ts:7.3f} s  {eps(ts)/1e6:6.2f} M events/s")
print(f"(a) palisade, filter    {tf:7.3f} s  {eps(tf)/1e6:6.2f} M events/s  {ts/tf:5.2f}x sysdig (target 3x)")
print(f"(b) palisade, 3 files   {tr:7.3f} s  {eps(tr)/1e6:6.2f} M events/s  {ts/tr:5.2f}x sysdig (target 2 M events/s)")
print(f"(c) palisade, parse     {tp:7.3f} s  {eps(tp)/1e6:6.2f} M events/s  {ts/tp:5.2f}x sysdig")
print(f"evaluation cost with all rules: {(tr-tp)/tp:5.2f}x parsing (target <= 1x)")
if sm != om:
    print("WARNING: palisade and sysdig matched different numbers of events", file=sys.stderr)
PY
