#!/usr/bin/env python3
"""Generate tests/fixtures/location_nel.json: documents holding NEL (U+0085) and the
other characters ruamel.yaml's scanner counts as line breaks (CR, LINE SEPARATOR,
PARAGRAPH SEPARATOR), each in every context (plain, quoted, block scalars, comments,
flow collections, keys, between tokens, start and end of the stream).

Run with CPython 3.12 and ruamel.yaml 0.19.1::

    python3.12 -m venv /tmp/venv && /tmp/venv/bin/pip install 'ruamel.yaml==0.19.1'
    /tmp/venv/bin/python scripts/gen_location_nel.py > tests/fixtures/location_nel.json

Rows have the shape of tests/fixtures/location.json's "yaml" rows: the text and
str() of YAML(typ="safe").load(text), or the error raised.
"""

import json
import sys

import ruamel.yaml
from ruamel.yaml import YAML

assert sys.version_info[:2] == (3, 12), sys.version

N = "\x85"

TEMPLATES = [
    # plain scalars
    "a: x{B}y\n", "a: x{B}\n", "a: x {B} y\n", "a: x{B}{B}y\n", "a: x{B}\n  y\n", "a: x\n  {B}y\n",
    "a: x{B}\ny\n", "a: x{B}  y\n", "a: x{B}\t y\n", "a: {B}x\n", "a:{B}x\n", "a: x{B}{B}\n",
    "a: x{B}---\n", "a: x{B}...\n", "a: x{B}# c\n", "a: x {B}# c\n", "a: x{B}#c\nb: 1\n",
    "a: x{B}b: 1\n", "a: x{B}- b\n", "a: x{B}: y\n", "a: 1{B}\n", "a: 0x1{B}0\n",
    "a: x{B}\n\n  y\n", "a:\n  b: x{B}  c: 1\n", "- a{B}- b\n", "- a{B}b\n", "a: /tmp/a{B}b\n",
    # single-quoted scalars
    "a: 'x{B}y'\n", "a: 'x {B} y'\n", "a: 'x{B}{B}y'\n", "a: 'x{B}'\n", "a: '{B}x'\n",
    "a: 'x{B}\n  y'\n", "a: 'x{B}---y'\n", "a: 'x{B}--- y'\n", "a: 'x''{B}y'\n", "a: 'x{B}\ty'\n",
    # double-quoted scalars
    "a: \"x{B}y\"\n", "a: \"x {B} y\"\n", "a: \"x{B}{B}y\"\n", "a: \"x\\{B}y\"\n", "a: \"x\\{B}  y\"\n",
    "a: \"x{B}\"\n", "a: \"\\N{B}\"\n", "a: \"x{B}...\"\n", "a: \"x{B}... y\"\n",
    # block scalars
    "k: |\n  x{B}\n", "k: |\n  x{B}y\n", "k: |\n  x{B}  y\n", "k: |\n  x{B}y\nz: 1\n", "k: |{B}  x\n",
    "k: |\n{B}  x\n", "k: >\n  x{B}\n", "k: >\n  x{B}\n  y\n", "k: |+\n  x{B}\n\n", "k: |-\n  x{B}\n",
    "k: |\n  x{B}# c\n", "k: |\n  x{B}  # c\n", "k: |\n  x{B}\nj: 1\n", "k: |\n  x{B}{B}\nj: 1\n",
    "k: |\n  x{B}   \n", "k: |+\n  x{B}   \n\n", "k: |\n  x\n  {B}\n", "k: |\n  x\n{B}\n  y\n",
    "k: |+\n  x{B}# c\n\n", "k: |\n  x{B}# c\n  \nj: 1\n",
    "k: | # c{B}  x\n", "k: |2{B}   x\n", "k: >\n  a\n  b{B}\n", "k: |\n  x{B}", "k: |+\n  x{B}\n  \n",
    "- |\n  x{B}\n- y\n", "--- |\n  x{B}\n",
    # comments
    "a: 1 # c{B}\n", "a: 1 # c{B}b: 2\n", "# c{B}a: 1\n", "a: 1\n# c{B}\nb: 2\n", "a: 1 # c{B}  # d\n",
    # flow collections
    "a: [1,{B}2]\n", "{a: 1,{B}b: 2}\n", "a: [1{B}, 2]\n", "a: [x{B}y]\n", "a: {b{B}: 1}\n",
    "a: [{B}]\n", "a: {{B}b: 1{B}}\n", "[a,{B}b]{B}\n", "a: ['x{B}y']\n",
    # keys
    "a{B}: b\n", "a{B}b: c\n", "'a{B}b': c\n", "\"a{B}b\": c\n", "a {B}: b\n", "? a{B}: b\n",
    "a:{B}b\n", "a:{B}  b: 1\n", "a:{B}- b\n", "a:{B}  - b\n", "? a{B}: b\n", "&x a{B}: *x\n",
    # between mapping lines
    "paths:{B}  root: /x\n", "paths:{B}root: /x\n", "a: 1{B}b: 2\n", "a: 1\n{B}b: 2\n", "a: 1{B}\nb: 2\n",
    "a:\n  b: 1{B}\n  c: 2\n", "a:\n  b: 1{B}  c: 2\n", "a: !!str{B}  x\n", "a: &x{B}  1\nb: *x\n",
    # stream start / end, documents, directives
    "{B}a: 1\n", "{B}{B}a: 1\n", "a: 1\n{B}", "a: 1{B}", "{B}", "a: 1\n{B}---\n", "---{B}a: 1\n",
    "--- {B}a: 1\n", "%YAML 1.1{B}---\na: 1\n", "a: 1\n...{B}\n", "\ufeff{B}a: 1\n",
    # CR / CRLF combinations
    "a: x\r{B}y\n", "a: x{B}\r\ny\n", "a: x\r\n{B}y\n", "a: x{B}\ry\n", "paths:\r\n  root: /x{B}\r\n",
    "a: 'x\r\n{B}y'\n", "k: |\r\n  x{B}\r\n",
]

PLAIN_CR = ["a: x\ry\n", "a: x\r  y\n", "a: 'x\ry'\n", "a:\r  b: 1\r", "a: 1\rb: 2\r", "k: |\r  x\r  y\r"]


def row(text):
    try:
        data = YAML(typ="safe").load(text)
    except Exception as e:  # noqa: BLE001
        return {"kind": "yaml", "text": text, "error": type(e).__name__}
    try:
        return {"kind": "yaml", "text": text, "str": str(data)}
    except Exception as e:  # noqa: BLE001
        return {"kind": "yaml", "text": text, "str_error": type(e).__name__}


def main():
    texts = []
    for brk in (N, "\r"):
        for t in TEMPLATES:
            texts.append(t.replace("{B}", brk))
    texts += PLAIN_CR
    seen = set()
    rows = []
    for t in texts:
        if t not in seen:
            seen.add(t)
            rows.append(row(t))
    meta = {"python": sys.version.split()[0], "ruamel.yaml": ruamel.yaml.__version__}
    json.dump({"meta": meta, "rows": rows}, sys.stdout, indent=1, ensure_ascii=True)
    sys.stdout.write("\n")


main()
