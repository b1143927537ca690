#!/usr/bin/env bash
# Rebuilds sensor.bpf.o from sensor.bpf.c. The object is committed, so building palisade needs
# neither clang nor any -dev package; CI runs `build.sh --check` to prove the committed object
# is what these sources give.
#
# Needs: clang, llvm (llvm-strip) and libbpf-dev (bpf_helpers.h):
#   apt-get install -y clang llvm libbpf-dev
set -euo pipefail
cd "$(dirname "$0")"
out=sensor.bpf.o
if [ "${1:-}" = "--check" ]; then
  out=$(mktemp --suffix=.bpf.o)
  trap 'rm -f "$out"' EXIT
fi
# -g gives the BTF that CO-RE relocations need; llvm-strip -g then drops the DWARF (which
# would hold build paths) and keeps .BTF and .BTF.ext, so the object is reproducible.
clang -target bpf -D__TARGET_ARCH_x86 -O2 -g -Wall -Werror \
  -fno-ident -fdebug-prefix-map="$PWD"=. \
  -c sensor.bpf.c -o "$out"
llvm-strip -g "$out"
if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$out" sensor.bpf.o; then
    echo "sensor.bpf.o is not what sensor.bpf.c builds to: run $(dirname "$0")/build.sh and commit it" >&2
    exit 1
  fi
  echo "sensor.bpf.o matches its sources"
fi
