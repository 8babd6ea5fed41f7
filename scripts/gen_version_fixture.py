#!/usr/bin/env python3
"""Generate the version-comparison and verdict fixtures from the reference setup.

Reference configuration: CPython 3.12 with packaging 26.x. Run from the
repository root inside a virtual environment that has it:

    python3.12 -m venv /tmp/venv && /tmp/venv/bin/pip install 'packaging>=26,<27'
    /tmp/venv/bin/python scripts/gen_version_fixture.py

A larger one-off run (checked by pointing the Rust tests at it with
SETUP_STAMP_VERSION_FIXTURE_DIR=/tmp/big):

    /tmp/venv/bin/python scripts/gen_version_fixture.py --out-dir /tmp/big \
        --seed 7 --generated 20000 --pairs 400000

Writes crates/setup-stamp/tests/fixtures/version_compare.json and
crates/setup-stamp/tests/fixtures/version_verdict.json. Output is
deterministic for a given Python and packaging version (fixed seed).

version_compare.json
    "strings": [[text, validity, normal], ...]
        text      the string; a JSON string, or {"wtf8": "<hex>"} when it
                  holds surrogate code points (kept as separate code points,
                  encoded with 'surrogatepass')
        validity  "valid" | "invalid" (InvalidVersion) | "error" (ValueError)
        normal    str(Version(text)) when valid, else null
    "pairs": [[i, j, result], ...]
        result    the reference comparison of strings[i] (installed side)
                  with strings[j] (stamped side): -1, 0, 1, or null when
                  Python raises

version_verdict.json
    "versions": [text, ...]  (encoded like the strings above)
    "cases": [{"stamped": [[name, version index], ...], "installed": [[name,
              version index or null], ...], "verdict": "<verdict>" or null}]
        null installed version: the metadata has no Version (Python None)
        null verdict: Python raises (TypeError for a None version reached by
        the loop, ValueError for a version beyond the int digit limit)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import packaging
from packaging.version import InvalidVersion, Version

OUT_DIR = Path(__file__).resolve().parent.parent / "crates" / "setup-stamp" / "tests" / "fixtures"
SEED = 440

TRACKED = ["terok", "terok-executor", "terok-sandbox", "terok-shield", "terok-clearance"]

# Every character for which str.isspace() is true, plus look-alikes that are not.
SPACES = [chr(c) for c in range(0x110000) if chr(c).isspace()]
NOT_SPACES = ["\u200b", "\ufeff", "\u180e", "\x00", "\u200c", "\u2060", "\x7f", "_"]

SPEC_STRINGS = [
    # valid spellings
    "v1.0", "1.0RC1", "1.0c1", "1.0preview1", "1.0alpha1", "1.0a", "1.0-1", "1.0rev1",
    "1.0r1", "1.0.post", "1.0dev", "1!2.0", "01.02",
    # invalid spellings
    "1.0_1", "1.0+", "1!", "-1.0", "1..0", ".1", "", "True", "None", "1e+16", "nan",
    # normalisation and ordering examples
    "1.0", "1.0.0", "1", "1.0.dev0", "1.0a1", "1.0.post1", "1!0.1", "2.0",
    "1.0+abc", "1.0+1", "1.0+ABC", "1.99999999999999999999", "1.99999999999999999998",
    "0.6", "0.6.0", "x",
    # str() of other JSON values a stamp may hold
    "False", "1.5", "100.0", "1e-05", "-0.0", "inf", "-inf", "[1, 'a']", "{'k': 'v'}",
    "1000000000000000.0", "12345678901234567890",
]

UNICODE_STRINGS = [
    "\uff11.\uff10", "\u0661.\u0660", "1.0\uff411", "1.0+abc\u212a", "1.0po\u017ft1",
    "\u2174" "1.0", "\u00e9", "\u00fc1", "\U0001F600", "1.0\U0001F600", "\U0001F600" "1.0",
    "1.0+\u00e9", "\u0391lpha", "1.0\u0391", "\u0130", "1.0\u0131", "K1", "\ud800", "1.0\udc00",
    "\ud83d\ude00", "\udfff1.0", "1.0\ud7ff", "1.0\ue000", "\U0010ffff", "v\u0301" "1.0",
]


def rand_case(rng: random.Random, word: str) -> str:
    return "".join(c.upper() if rng.random() < 0.3 else c for c in word)


def gen_version(rng: random.Random) -> str:
    """A random string from (a superset of) the PEP 440 grammar."""
    nums = ["0", "00", "1", "01", "2", "10", "9", "3"]
    seps = ["", "", ".", "-", "_"]
    out = ""
    if rng.random() < 0.1:
        out += rng.choice("vV")
    if rng.random() < 0.15:
        out += rng.choice(["0", "1", "2", "00", "01"]) + "!"
    out += ".".join(rng.choice(nums) for _ in range(rng.choice([1, 1, 2, 2, 2, 3, 3, 4])))
    if rng.random() < 0.35:
        word = rng.choice(["a", "b", "c", "rc", "alpha", "beta", "pre", "preview"])
        out += rng.choice(seps) + rand_case(rng, word) + rng.choice(seps)
        out += rng.choice(["", "0", "1", "2", "01", "10"])
    if rng.random() < 0.3:
        if rng.random() < 0.3:
            out += "-" + rng.choice(["0", "1", "2", "01"])
        else:
            out += rng.choice(seps) + rand_case(rng, rng.choice(["post", "rev", "r"]))
            out += rng.choice(seps) + rng.choice(["", "0", "1", "2", "01"])
    if rng.random() < 0.3:
        out += rng.choice(seps) + rand_case(rng, "dev") + rng.choice(seps)
        out += rng.choice(["", "0", "1", "2", "01"])
    if rng.random() < 0.25:
        segs = ["abc", "ABC", "1", "01", "2", "a1", "1a", "0", "z", "Z9"]
        parts = [rng.choice(segs) for _ in range(rng.choice([1, 1, 2, 3]))]
        out += "+" + "".join(p + rng.choice(".-_") for p in parts[:-1]) + parts[-1]
    return out


def mutate(rng: random.Random, s: str) -> str:
    alphabet = ".-_+!vVxX0123aAr d" + "\t"
    op = rng.randrange(4)
    i = rng.randrange(len(s) + 1)
    if op == 0:
        return s[:i] + rng.choice(alphabet) + s[i:]
    if op == 1 and s:
        i = min(i, len(s) - 1)
        return s[:i] + s[i + 1 :]
    if op == 2 and s:
        i = min(i, len(s) - 1)
        return s[:i] + rng.choice(alphabet) + s[i + 1 :]
    return s + rng.choice(["+", ".", "-", "!", "+a", ".*", " x"])


SOUP = ["1", "0", "01", "9", "12", ".", ".", "-", "_", "+", "!", "a", "b", "c", "rc", "pre",
        "preview", "alpha", "beta", "post", "rev", "r", "dev", "v", "V", "x", "Dev", "RC",
        " ", "\t", "\u00a0", "\u2003"]


def soup(rng: random.Random) -> str:
    """Token soup: mostly invalid strings close to the grammar."""
    return "".join(rng.choice(SOUP) for _ in range(rng.randrange(1, 9)))


def huge_strings() -> list[str]:
    big = "9" * 4301
    zeros = "0" * 4301
    limit = "7" * 4300
    return [
        "9" * 19, "9" * 20, "18446744073709551615", "18446744073709551616", "1." + "9" * 30,
        "1.0+" + "9" * 20, "1.0+" + "9" * 19, "1.0+" + "1" * 25, "1.0a1.dev18446744073709551615",
        "1.0a1", "1.0a1.dev18446744073709551614", "1.0.post18446744073709551616",
        "18446744073709551616!1", "1!" + "0" * 25 + "1",
        limit, "1." + limit, "1+" + limit,
        big, zeros, "1." + zeros, "1+" + big, "1+a" + big, "1+" + big + "a", "1a" + big,
        "1.post" + big, "1-" + big, "1.dev" + big, big + "!1", " " + big + "\u3000",
        "v" + big, big + "x", big + "..1", "x" + big,
    ]


def classify(s: str) -> tuple[str, str | None]:
    try:
        return "valid", str(Version(s))
    except InvalidVersion:
        return "invalid", None
    except ValueError:
        return "error", None


def reference_compare(a, b) -> int:
    """The reference's version comparison: versions when both parse, else raw strings.

    Raises what Python raises (ValueError past the int digit limit,
    TypeError for a None installed version).
    """
    try:
        va = Version(a)
        vb = Version(b)
    except InvalidVersion:
        return (a > b) - (a < b)
    return (va > vb) - (va < vb)


def compare_or_none(a, b) -> int | None:
    try:
        return reference_compare(a, b)
    except (ValueError, TypeError):
        return None


def reference_verdict(stamped: dict, installed: dict) -> str | None:
    """SPEC section 3, the reference's loop."""
    try:
        saw_update = False
        for pkg, stamp_ver in stamped.items():
            if pkg not in installed:
                return "stale_after_downgrade"
            cmp = reference_compare(installed[pkg], stamp_ver)
            if cmp < 0:
                return "stale_after_downgrade"
            if cmp > 0:
                saw_update = True
        return "stale_after_update" if saw_update else "ok"
    except (ValueError, TypeError):
        return None


def encode(s: str):
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        return {"wtf8": s.encode("utf-8", "surrogatepass").hex()}
    return s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--pairs", type=int, default=24000, help="minimum number of pairs")
    parser.add_argument("--generated", type=int, default=1500, help="random versions")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool: list[str] = []
    seen: dict[str, int] = {}

    def add(s: str) -> int:
        if s not in seen:
            seen[s] = len(pool)
            pool.append(s)
        return seen[s]

    for s in SPEC_STRINGS + UNICODE_STRINGS:
        add(s)
    for ws in SPACES + NOT_SPACES:
        for core in ["1.0", "2.0a1"]:
            add(ws + core)
            add(core + ws)
            add(ws + ws + core + ws)
            add(core[:2] + ws + core[2:])
    generated = [gen_version(rng) for _ in range(args.generated)]
    for s in generated:
        add(s)
        if rng.random() < 0.2:
            add(rng.choice(SPACES) + s + rng.choice(SPACES))
    for _ in range(args.generated * 3 // 5):
        add(mutate(rng, rng.choice(generated)))
    for _ in range(args.generated * 2 // 5):
        add(soup(rng))
    huge = huge_strings()
    for s in huge:
        add(s)

    pairs: set[tuple[int, int]] = set()
    spec_ids = [seen[s] for s in SPEC_STRINGS + UNICODE_STRINGS]
    for i in spec_ids:
        for j in spec_ids:
            pairs.add((i, j))
    # Each valid string against its normal form and a re-spelling.
    for s in list(pool):
        status, normal = classify(s)
        if status == "valid":
            j = add(normal)
            pairs.add((seen[s], j))
            pairs.add((j, seen[s]))
    huge_ids = [seen[s] for s in huge]
    probes = [seen[s] for s in ["1.0", "x", "", "1.0a1", "9", "1!1", "1.0+abc", "\ud800"]]
    for i in huge_ids:
        for j in huge_ids + probes:
            pairs.add((i, j))
            pairs.add((j, i))
    n = len(pool)
    while len(pairs) < args.pairs:
        i, j = rng.randrange(n), rng.randrange(n)
        pairs.add((i, j))
        pairs.add((j, i))

    strings = []
    for s in pool:
        status, normal = classify(s)
        strings.append([encode(s), status, normal])
    pair_rows = [[i, j, compare_or_none(pool[i], pool[j])] for i, j in sorted(pairs)]

    meta = {
        "generator": "scripts/gen_version_fixture.py",
        "python": sys.version.split()[0],
        "packaging": packaging.__version__,
    }
    write(args.out_dir / "version_compare.json", meta, "strings", strings, "pairs", pair_rows)

    cases = []
    versions = ["0.6", "0.6.0", "0.7", "0.5.9", "1.0", "1.0a1", "x", "", "1.0+local", "v0.6"]
    versions += ["9" * 4301, "\ud800"]
    installable = versions[:-1]
    strays = ["Terok", "terok_sandbox", "other", "\udc00"]
    for _ in range(1500):
        installed = {}
        for name in TRACKED:
            if rng.random() < 0.7:
                roll = rng.random()
                if roll < 0.04:
                    installed[name] = None
                elif roll < 0.07:
                    installed[name] = "9" * 4301
                else:
                    installed[name] = rng.choice(installable[:-1])
        stamped = {}
        for _ in range(rng.choice([0, 1, 2, 3, 4, 5, 5])):
            if installed and rng.random() < 0.85:
                name = rng.choice(list(installed))
            else:
                name = rng.choice(TRACKED + strays)
            if name in installed and installed[name] is not None and rng.random() < 0.5:
                stamped[name] = installed[name]
            else:
                stamped[name] = rng.choice(versions)
        cases.append(
            {
                "stamped": [[encode(k), versions.index(v)] for k, v in stamped.items()],
                "installed": [
                    [k, None if v is None else versions.index(v)] for k, v in installed.items()
                ],
                "verdict": reference_verdict(stamped, installed),
            }
        )
    meta_v = dict(meta, versions=[encode(v) for v in versions])
    write(args.out_dir / "version_verdict.json", meta_v, "cases", cases)


def write(path: Path, meta: dict, *sections) -> None:
    lines = ["{"]
    for key, value in meta.items():
        lines.append(f"{json.dumps(key)}: {json.dumps(value)},")
    items = list(zip(sections[::2], sections[1::2]))
    for idx, (key, rows) in enumerate(items):
        lines.append(f"{json.dumps(key)}: [")
        body = [json.dumps(row, ensure_ascii=True, separators=(",", ":")) for row in rows]
        lines.append(",\n".join(body))
        lines.append("]" + ("," if idx + 1 < len(items) else ""))
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    print(f"wrote {path} ({sum(len(rows) for _, rows in items)} rows)")


if __name__ == "__main__":
    main()
