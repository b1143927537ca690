#!/usr/bin/env bash
# k8s-vs-peers.sh [DIR] — palisade k8s scan against Trivy (`trivy config`) and Checkov
# (`checkov --framework kubernetes`) on one manifest directory, in one run: wall-time ratios and an
# agreement table for the checks all three have.
# DIR defaults to crates/palisade-k8s/tests/corpus. Peers: ../shared/tools/install-peers.sh
# (installs into ${PALISADE_PEERS:-/tmp/palisade-peers}/bin). Needs python3 for the comparison.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(cd "${1:-$root/crates/palisade-k8s/tests/corpus}" && pwd)
peers=${PALISADE_PEERS:-/tmp/palisade-peers}/bin
export PATH="$peers:$PATH" TRIVY_SKIP_VERSION_CHECK=true TRIVY_DISABLE_TELEMETRY=true
for tool in trivy checkov python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run ../shared/tools/install-peers.sh" >&2; exit 2; }
done

(cd "$root" && cargo build -q --release -p palisade)
palisade="$root/target/release/palisade"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
runs=${RUNS:-10}
t0=$(now)
for _ in $(seq "$runs"); do "$palisade" k8s scan --format json -o "$work/palisade.json" "$dir"; done
t1=$(now)
trivy config --skip-check-update -f json -o "$work/trivy.json" "$dir" >/dev/null 2>"$work/trivy.log"
t2=$(now)
checkov -d "$dir" --framework kubernetes -o json --skip-download >"$work/checkov.json" 2>"$work/checkov.log" || true
t3=$(now)

python3 - "$dir" "$work" "$t0" "$t1" "$t2" "$t3" "$runs" <<'PY'
import json, os, re, sys
from collections import defaultdict
corpus, work = sys.argv[1], sys.argv[2]
t0, t1, t2, t3 = map(float, sys.argv[3:7])
runs = int(sys.argv[7])
pal_t, trivy_t, checkov_t = (t1 - t0) / runs, t2 - t1, t3 - t2
files = sum(1 for r, _, fs in os.walk(corpus) for f in fs if f.endswith((".yaml", ".yml", ".json")))
print(f"corpus: {files} files in {corpus}")
print(f"palisade k8s scan : {pal_t*1000:8.1f} ms (mean of {runs} runs)")
print(f"trivy config      : {trivy_t*1000:8.1f} ms   ratio {trivy_t/pal_t:7.1f}x")
print(f"checkov           : {checkov_t*1000:8.1f} ms   ratio {checkov_t/pal_t:7.1f}x")
print(f"faster peer / palisade: {min(trivy_t, checkov_t)/pal_t:.1f}x (target >= 50x)")

CHECKS = [  # name, palisade rules (or rule + message filter), trivy ids, checkov ids
    ("privileged", ["K8S-014"], ["KSV-0017"], ["CKV_K8S_16"]),
    ("host namespaces", ["K8S-015"], ["KSV-0008", "KSV-0009", "KSV-0010"], ["CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19"]),
    ("allowPrivilegeEscalation", ["K8S-016"], ["KSV-0001"], ["CKV_K8S_20"]),
    ("runAsNonRoot", ["K8S-017"], ["KSV-0012"], ["CKV_K8S_23"]),
    ("readOnlyRootFilesystem", ["K8S-006"], ["KSV-0014"], ["CKV_K8S_22"]),
    ("capabilities added", ["K8S-007"], ["KSV-0022"], ["CKV_K8S_25"]),
    ("capabilities not dropped", ["K8S-018"], ["KSV-0003"], ["CKV_K8S_37"]),
    ("hostPath docker.sock", ["K8S-005:Docker socket"], ["KSV-0006"], ["CKV_K8S_27"]),
    ("hostPath (any)", ["K8S-019"], ["KSV-0023"], []),
]
KINDS = {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "PodTemplate"}

pal = json.load(open(f"{work}/palisade.json"))
objects, pal_fail = set(), defaultdict(set)
for o in pal["objects"]:
    kind, rest = o["object"].split("/", 1)
    if kind not in KINDS:
        continue
    name = rest.rsplit(".", 1)[0]
    key = (os.path.basename(o["span"]["file"]), kind, name)
    objects.add(key)
    for f in o["findings"]:
        pal_fail[key].add(f["rule"])
        if f["rule"] == "K8S-005" and "Docker socket" in f["message"]:
            pal_fail[key].add("K8S-005:Docker socket")

trivy_fail, trivy_seen = defaultdict(set), set()
for r in json.load(open(f"{work}/trivy.json")).get("Results", []):
    base = os.path.basename(r["Target"])
    for m in r.get("Misconfigurations", []):
        found = [(k, n) for k, n in re.findall(r"(\w+) '([^']+)'", m.get("Message", "")) if k in KINDS]
        if not found:
            continue
        key = (base, *found[-1])
        trivy_seen.add(key)
        if m["Status"] == "FAIL":
            trivy_fail[key].add(m["ID"])

ck = json.load(open(f"{work}/checkov.json"))
ck = ck if isinstance(ck, list) else [ck]
checkov_fail, checkov_seen = defaultdict(set), set()
for block in ck:
    res = block.get("results", {})
    for status in ("failed_checks", "passed_checks"):
        for c in res.get(status, []):
            kind, _, name = c["resource"].split(".", 2)
            key = (os.path.basename(c["file_path"]), kind, name)
            checkov_seen.add(key)
            if status == "failed_checks":
                checkov_fail[key].add(c["check_id"])

print(f"\nworkload objects: palisade {len(objects)}, trivy {len(trivy_seen & objects)}, checkov {len(checkov_seen & objects)}")
print(f"{'check':<26}{'objects':>8}{'agree':>7}{'palisade':>9}{'trivy':>7}{'checkov':>8}  disagreements")
details = []
for name, p_ids, t_ids, c_ids in CHECKS:
    agree = pf = tf = cf = 0
    diffs = defaultdict(int)
    for key in sorted(objects):
        p = any(i in pal_fail[key] for i in p_ids)
        t = any(i in trivy_fail[key] for i in t_ids) if key in trivy_seen else None
        c = (any(i in checkov_fail[key] for i in c_ids) if key in checkov_seen else None) if c_ids else None
        pf += p; tf += bool(t); cf += bool(c)
        votes = [v for v in (p, t, c) if v is not None]
        if all(v == votes[0] for v in votes):
            agree += 1
        else:
            label = "palisade " + ("fail" if p else "pass") + (f", trivy {'fail' if t else 'pass'}" if t is not None else ", trivy n/a") + (f", checkov {'fail' if c else 'pass'}" if c is not None else "")
            diffs[label] += 1
            details.append(f"{name}: {key[0]} {key[1]}/{key[2]}: {label}")
    summary = "; ".join(f"{n}× {l}" for l, n in sorted(diffs.items(), key=lambda x: -x[1])) or "-"
    print(f"{name:<26}{len(objects):>8}{agree:>7}{pf:>9}{tf:>7}{(cf if c_ids else 'n/a'):>8}  {summary}")
missing_t = sorted(objects - trivy_seen)
missing_c = sorted(objects - checkov_seen)
if missing_t: print(f"\nnot evaluated by trivy: {', '.join(f'{k[0]} {k[1]}/{k[2]}' for k in missing_t)}")
if missing_c: print(f"not evaluated by checkov: {', '.join(f'{k[0]} {k[1]}/{k[2]}' for k in missing_c)}")
if os.environ.get("VERBOSE"):
    print("\n" + "\n".join(details))
PY
