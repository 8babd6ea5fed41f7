#!/usr/bin/env python3
"""Generate tests/fixtures/location_yaml_random.json: seeded random config-like YAML
documents (nested mappings, sequences, every scalar style, tabs, comments) and what
ruamel.yaml 0.19.1 YAML(typ="safe").load gives for each (str() of the value or the
error class). Run with the same environment as gen_location_fixture.py::

    /tmp/venv/bin/python scripts/gen_location_yaml_random.py > tests/fixtures/location_yaml_random.json
"""

import json
import random
import sys
import warnings

import ruamel.yaml
from ruamel.yaml import YAML

assert sys.version_info[:2] == (3, 12), sys.version
assert ruamel.yaml.__version__ == "0.19.1", ruamel.yaml.__version__
warnings.simplefilter("ignore")

SCALARS = [
    "1", "x y", "'s  q'", '"d\\tq"', "/v/a", "~/p", "yes", "1e3", "0o7", "0x1F", "1_000", "'a''b'",
    '"a\\"b"', ".inf", "-.5", "2024-01-01", "2024-01-01 10:00:00 +01:00", "null", "~", "", "True",
    "_inherit", "a#b", "a # c", "\u00e9", "'multi\n  line'", '"multi\n  line"', "plain\n  cont",
    "&a anc", "*a", "!!str 12", "!!int '7'", "!!float 2", "[1, 'x', {k: v}]", "{a: 1, b: [x]}", "[]",
    "{}", "|\n  lit\n  text\n", ">\n  fold\n  text\n", "|-\n  s\n", ">+\n  k\n\n", "'q\n\tt'",
    "[a,\n b]", "{a: 1,\n b: 2}",
]
KEYS = ["a", "b", "root", "paths", "'q'", "c d", "1", "true", "<<", "x"]


def mapping(rng, ind, depth, tabs):
    lines = []
    used = set()
    for _ in range(rng.randint(1, 4)):
        k = rng.choice(KEYS)
        if k in used and rng.random() < 0.8:
            continue
        used.add(k)
        sep = rng.choice([" ", " ", " ", "  "] + (["\t"] if tabs else []))
        if depth < 3 and rng.random() < 0.35:
            lines.append(f"{' ' * ind}{k}:")
            if rng.random() < 0.3:
                for _ in range(rng.randint(1, 3)):
                    v = rng.choice(SCALARS).replace("\n", "\n" + " " * (ind + 4))
                    lines.append(f"{' ' * (ind + 2)}- {v}")
            else:
                lines.extend(mapping(rng, ind + rng.choice([1, 2, 4]), depth + 1, tabs))
        else:
            v = rng.choice(SCALARS).replace("\n", "\n" + " " * (ind + 2))
            tail = rng.choice(["", "", " #c", " "] + (["\t"] if tabs else []))
            lines.append(f"{' ' * ind}{k}:{sep}{v}{tail}")
    return lines


def main():
    rng = random.Random(20261125)
    rows = []
    for i in range(2000):
        text = "\n".join(mapping(rng, 0, 0, tabs=i % 4 == 0)) + rng.choice(["\n", ""])
        try:
            data = YAML(typ="safe").load(text)
        except Exception as e:  # noqa: BLE001
            rows.append({"kind": "yaml", "text": text, "error": type(e).__name__})
            continue
        rows.append({"kind": "yaml", "text": text, "str": str(data)})
    json.dump({"meta": {"tree": []}, "rows": rows}, sys.stdout, indent=0, ensure_ascii=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
