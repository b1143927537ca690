#!/usr/bin/env python3
"""Regenerates pep440-specifiers.tsv: random specifier sets and, for each of a fixed list of
versions, whether `packaging` (PyPI `packaging==26.3`) says the set contains it.

    python3 -m pip install packaging==26.3 && python3 pep440_specifiers.py > pep440-specifiers.tsv

Line format: `SPECIFIERS<TAB>RESULTS`, RESULTS one character per version of the header line
(`1` contained, `0` not), or `invalid` when `packaging` rejects the set.
"""
import random

from packaging.specifiers import InvalidSpecifier, SpecifierSet

VERSIONS = ["0.9", "1.0", "1.0.0", "1.0a1", "1.0b2", "1.0rc1", "1.0.post1", "1.0.dev3",
            "1.0+local", "1.0.1", "1.1", "1.1.dev1", "1.4.2", "1.4.5", "1.5", "2.0", "2.0a1",
            "2!1.0", "1.0.0.0", "1.7+abc", "1.7.post2", "1.7.post2.dev0", "3.0.0rc1", "10.0"]
OPS = ["==", "!=", ">=", "<=", "<", ">", "~=", "==="]
PIECES = ["1.0", "1.0.*", "1.*", "1.4.2", "1.4", "2.0a1", "1.0.post1", "1.0+local", "1.0.dev3",
          "2!1.0", "1", "1.0rc1", "1.7", "1.7.post1", "2.0.*", "0.9"]

rng = random.Random(7)
seen = set()
print("# versions\t" + " ".join(VERSIONS))
while len(seen) < 2500:
    spec = ",".join(rng.choice(OPS) + rng.choice(PIECES) for _ in range(rng.randint(1, 3)))
    if spec in seen:
        continue
    seen.add(spec)
    try:
        s = SpecifierSet(spec)
    except InvalidSpecifier:
        print(f"{spec}\tinvalid")
        continue
    print(spec + "\t" + "".join("1" if s.contains(v) else "0" for v in VERSIONS))
