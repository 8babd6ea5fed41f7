#!/usr/bin/env python3
"""Generate tests/fixtures/location.json from the reference implementation.

Run with CPython 3.12 and the reference libraries (terok_util 0.4.0, platformdirs
4.14.x, ruamel.yaml 0.19.1, packaging), e.g.::

    python3.12 -m venv /tmp/venv
    /tmp/venv/bin/pip install 'platformdirs~=4.14.0' 'ruamel.yaml==0.19.1' \
        'packaging==26.*' && /tmp/venv/bin/pip install --no-deps terok-util==0.4.0
    /tmp/venv/bin/python scripts/gen_location_fixture.py > tests/fixtures/location.json

Three kinds of rows:
  * "yaml": one document -> str() of YAML(typ="safe").load(text), or an error;
  * "layers": config files (lowest priority first) -> read_config_section("paths")
    .get("root") (None when absent or when any layer fails);
  * "resolve": environment + files under a temporary directory "$D" ->
    str(namespace_state_dir() / "setup.stamp") or the exception raised.
Must run as root (uid 0) in the initial user namespace; "euid" in a row is what
os.geteuid() is made to return.
"""

import json
import os
import platform
import pwd
import sys
import tempfile
from pathlib import Path

import platformdirs
import ruamel.yaml
from ruamel.yaml import YAML

import terok_util.paths as tp

assert sys.version_info[:2] == (3, 12), sys.version
assert os.getuid() == 0

SCALARS = [
    "123", "1.5", "1e3", "1E3", "1e+3", "1.0e-3", "0x10", "0x1F", "0o10", "010", "0b101",
    "+12", "-0", "-0x10", "1_000", "_1", "-_", "._", "1.", ".5", "-.5", "+.5e+1", ".5e1",
    "1_2.3_4", "0.", "1e", "1e3.5", "12:30", "1:20:30", "1.0e400", "-1e400",
    ".inf", "-.inf", "+.Inf", ".INF", ".nan", ".NaN", "-.nan", ".Nan",
    "true", "True", "TRUE", "tRue", "false", "False", "yes", "no", "on", "off", "y", "n",
    "~", "null", "Null", "NULL", "nULL", "",
    "2024-01-01", "2024-1-1", "2024-01-01T10:00:00Z", "2024-1-1 10:00:00",
    "2024-01-01 10:00:00.5 +05:30", "2024-01-01t10:00:00-01", "2024-01-01T10:00:00.123456789Z",
    "2024-01-01T23:59:59.9999999Z", "2024-13-01", "2024-02-30 10:00:00", "2024-02-29",
    "2023-02-29", "0000-01-01", "2024-01-01T10:00:00+24:00", "2024-01-01T25:00:00",
    "2024-01-01  10:00:00", "2024-01-01T10:00:00 Z",
    "0x", "0o", "0b", "0x_", "=", "<<", "'quoted'", '"dq"', "' spaced '", "  padded  ",
    "plain with  spaces", "/virt/terok", "~/x", "a #comment", "a#b", "'it''s'", '"tab\\tx"',
    '"\\u00e9"', '"\\x41"', '"nul\\0x"', '"\\U0001F600"', "é", "'\u00a0'",
    "!!str 123", "!!str", "!!int '10'", "!!int 0x1F", "!!int 1_0", "!!int abc", "!!int '0B1'",
    "!!int ' 12 '", "!!float 1", "!!float '1_0'", "!!float inf", "!!float nan", "!!float abc",
    "!!bool yes", "!!bool OFF", "!!bool maybe", "!!null x", "!!binary aGVsbG8=",
    "!!binary 'aGVsbG8'", "!!timestamp 2024-01-01", "!!timestamp '2024-1-1 1:00:00'",
    "!!timestamp x", "!foo x", "! 123", "! '123'", "!<tag:yaml.org,2002:str> 5",
    "[a, b]", "{a: 1}", "[1, '_inherit']", "&a x", "[]", "{}", "[1.5, 'a', true, null, {k: v}]",
    "['it''s', \"q\\\"\", 'a\\b']", "[2024-01-01, 2024-01-01T10:00:00Z, 2024-01-01 10:00:00]",
    "!!set {a}", "!!set {}", "!!omap [a: 1, b: 2]", "!!omap []", "!!pairs [a: 1, a: 2]",
    "!!seq [1]", "!!map {x: 1}", "!!map [1]", "!!str [1]", "!!binary [1]", "!!omap {a: 1}",
    "1" * 4301, "1" * 4300, "0x" + "f" * 4000, "0x" + "f" * 3000, "0o" + "7" * 5000,
    "[" + "0x" + "f" * 4000 + "]",
]

DOCS = [
    "a: &x 1\nb: *x\n",
    "a: &x [1, 2]\nb: *x\n",
    "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n  z: 4\n",
    "a: &a {x: 1}\nb: &b {x: 2, y: 3}\nc:\n  <<: [*a, *b]\n",
    "a: &a {x: 1}\nc:\n  <<: *a\n  <<: *a\n",
    "a: &a {}\nb: &b {x: 1}\nc:\n  <<: *a\n  <<: *b\n",
    "c:\n  <<: 1\n",
    "c:\n  <<: [1]\n",
    "c:\n  x: 1\n  <<: {x: 2, y: 3}\n  x: 5\n",
    "c:\n  '<<': {x: 2}\n",
    "c:\n  !!merge <<: {x: 2}\n",
    "a: 1\na: 2\n", "1: a\n1.0: b\n", "1: a\ntrue: b\n", "0x10: a\n16: b\n", ".nan: a\n.nan: b\n",
    "0: a\nfalse: b\n", "null: a\n~: b\n", "2024-01-01T10:00:00Z: a\n2024-01-01T11:00:00+01:00: b\n",
    "[1, 2]: a\n[1, 2]: b\n",
    "1: a\n2.5: b\nnull: c\ntrue: d\n[1, 2]: e\n",
    "? [1, [2]]\n: x\n", "? {a: 1}\n: x\n", "? [1, {a: 1}]\n: x\n", "? !!set {a}\n: x\n",
    "? a\n: b\n", "? a\n", ": x\n",
    "a:\tb\n", "a: b\t\n", "\ta: b\n", "a:\n\tb: c\n", "a: |\n\tx\n", "- \ta\n", "a: [1,\t2]\n",
    "a:\n  b: 1\n\t\n", "a: 'x\ty'\n", "a: x\ty\n", "a:  \t# c\n  b\n",
    "a: 1\n---\nb: 2\n", "---\na: 1\n...\n", "--- a\n", "---\n---\n", "a: 1\n...\n", "---\n",
    "...\n", "# only\n", "a: 1\n--- \n",
    "%YAML 1.1\n---\na: yes\nb: 010\nc: 1:30\nd: 1.5:30\ne: 0b1_0\n",
    "%YAML 1.2\n---\na: yes\n", "%YAML 1.3\n---\na: 1\n", "%YAML 1.3\n---\na: '1'\n",
    "%YAML 2.0\n---\na: 1\n",
    "%YAML 1.1\n%YAML 1.1\n---\na: 1\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
    "%TAG !! tag:example.com,2000:\n---\na: !!str 1\n",
    "%FOO bar\n---\na: 1\n",
    "a: |\n  x\n  y\n", "a: >\n  x\n  y\n", "a: >-\n  x\n\n  y\n", "a: |+\n  x\n\n", "a: 'x\n  y'\n",
    "a: \"x\\\n  y\"\n", "a: plain\n  continued\n", "a: |2\n   x\n", "a: |\n x\n  y\n",
    "{a: 1, b: [1, 2]}\n", "[1, 2]\n", "a: {b: }\n", "a: [1, 2,]\n", "a: {b: 1,}\n", "a: [a: 1]\n",
    "a: {? b}\n", "- a\n", "x\n", "1\n", "[]\n", "{}\n", "!!map {}\n", "!!set {a}\n",
    "\ufeffa: 1\n", "a: \ufeffb\n", "a: \x7f\n", "a: \x85b\n", "a: \ufffe\n", "a: \x00\n",
    "a: \x1b\n", "a: b\u2028c\n", "a: \U0001F600\n",
    "s: !!set {a}\n", "o: !!omap [a: 1, b: 2]\n", "p: !!pairs [a: 1, a: 2]\n",
    "o: !!omap [a: 1, a: 2]\n", "o: !!omap [[1]: 1]\n",
    "a: =\n", "=: x\n", "a: {=: 1}\n",
    "a: b: c\n", "a: 'unclosed\n", "a: *unknown\n", "a: &x [*x]\n",
    "a:\n  - 1\n  - 2\n", "a:\n- 1\n- 2\n", "a:\n  b\n   c\n", "a: - 1\n",
    ("k" * 1100) + ": v\n", "a: b # c\n", "a: b#c\n", "'a': 1\n\"a\": 2\n", "a: 1\n a: 2\n",
    "a:\n  b: 1\n c: 2\n", "&anchor a: 1\nb: *anchor\n", "a: &x 1\nb: &x 2\nc: *x\n",
    "a: !!str &x 1\nb: *x\n", "a: &x !!str 1\nb: *x\n",
    "a: @x\n", "a: `x\n", "a: %x\n", "a: [x]y\n", "a: -\n", "a: - \n", "a: ?\n", "a: ? x\n",
    "a: 'x\ny'\n", "a:\n  b: \"x\n  y\"\n", "a:\n  b: 'x\n\n  y'\n", "a:\n  b: 'x\n---\n  y'\n",
    "a: \"x\\\ny\"\n", "- 'a\nb'\n", "a: 'x\n\ty'\n", "a: \"tab\\\n\tx\"\n", "a:\n  b: 'x\n y'\n",
    "a:\n  b:\n    c: 'x\n  y'\n", "a: 'x\n...\n  y'\n", "a: \"x\n  \\ty\"\n", "a: 'x''\n  y'\n",
    "a: [1, [2, {b: c}]]\n", "a: {b: [1, 2], c: {d: e}}\n", "a: [b: c]\n", "{a: 1}: x\n", "a: [ ]\n",
    "a: [1\n, 2]\n", "a: [1,\n2]\n", "a: {b: 1\n}\n", "a: [1,\n  2]\n", "a:\n  - [1,\n    2]\n",
    "a: x\n y\n z\n", "a: x\n\n y\n", "a:\n  x\n  y: 1\n", "a: x\n  # c\n  y\n",
    "a b: 1\n", "'a b': 1\n", "? |\n  x\n: 1\n", "a:b: 1\n", "a:: 1\n", "-a: 1\n", "a- : 1\n",
    "&a a: &b b\n*a : *b\n", "a: 1 #c\n#d\nb: 2\n", "a: 'x' #c\n", "a: x#y\n", "a: 'x' y\n",
    "a: \"x\" y\n", "a: ! x\n", "a: !<!> x\n", "a: it's\n", "a: say \"hi\"\n",
    "a:\n    b: 1\n  c: 2\n", "a:\n- b\n- c\n", "- - a\n  - b\n", "-\n  a\n", "- a\n-\n- c\n",
    "a: \u00e9\n", "\u00e9: 1\n", "a: \u00a0x\n", "a: x\u00a0\n", "a: \u3000\n", "a: x\u2029y\n",
    "a: \n", "a: !!null\n", "a: ''\n", "? \n: \n", "a: !!str\n", "a: !!int\n",
    "a: {b: c, b: d}\n", "a: [1, 2]\na: 3\n", "a:\n  b: 1\n  b: 1\n",
    "a: 1\nb:\n  - x: 1\n    y: 2\n  - z\n", "a: |-\n  x\n  y\n\n", "a: >+\n  x\n\n\n",
    "a: |1\n  x\n", "a: |0\n  x\n", "a: >\n\n  x\n", "a: |\n  x\n # c\n", "a: |  # c\n  x\n",
    "a: \"\\x\"\n", "a: \"\\e\\a\\b\\v\\f\\_\\N\\L\\P\\/\\ \"\n", "a: \"\\t\\\t\"\n", "a: 'x\\y'\n",
    "a: \"\\u00\"\n", "a: \"\\U00110000\"\n", "a: \"\\x00\"\n", "a: \"\\uFEFF\"\n",
    "a: 0x_1\n", "a: 0o_7\n", "a: 0b_\n", "a: 1__0\n", "a: 0x1g\n", "a: 0o8\n", "a: 08\n", "a: 0b2\n",
    "a: -0.0\n", "a: 0.1e1\n", "a: 1e-400\n", "a: 123456789012345678901234567890\n",
    "a: 1.7976931348623157e308\n", "a: 5e-324\n", "a: 0.30000000000000004\n", "a: 1e22\n", "a: 1e16\n",
    "a: 12345678901234567.0\n", "a: .1_2\n", "a: 1.5E+3\n", "a: +.inf\n", "a: -.INF\n",
    "a: [1,\n\t2]\n", "a: 'x\n\t\ty'\n", "a:\n  - 'x\n\ty'\n", "a: x\n\ty\n", "a: {b: 1,\n\tc: 2}\n",
    "- [a,\nb]\n", "a:\n  b: [1,\n 2]\n", "a:\n  b: [1,\n2]\n", "a: [1,\n---\n2]\n", "a: \"x\n---\ny\"\n",
    "a: [1,\n\n2]\n", "a:\n  b: {c: 1,\nd: 2}\n  e: 3\n", "a: 'x\n\ty'\nb:\n\tc: 1\n", "a: [x\n y]\n",
    "a:\n  - [a,\n  b]\n", "a: \"x\n\"\n", "a: 'x\n'\n", "a: '\n\n'\n", "a: \"\\\n\"\n",
    "b: [a, [b]]\t\n", "a: 's'\t", "a: \"d\"\t\n", "k: >\t\n", "k: |\n  x\n  y", "k: |+\n  x\n\n  ",
    "k: >\n  x\n\n  y", "k: |-\n  x", "k: |\n  x\n  ", "k: |  #c\t\n  x\n", "k: |\t#c\n  x\n",
    "k: [a]  #c\t\n", "k: 'x' #c\t\n", "k: {a: 1}\t#c\n", "k: [a]\t\nj: 1\n", "k: |\n  x\n\ty\n",
    "k: |\n  a\tb\n", "k: >2\n   x\n  y\n", "k: |\n  x\nj: >\n  y", "k: 'x\n  y'\t\n",
    "  [1, 2]: yes\t", "  [1, 2]: yes\n", "{a: 1}: x\t\n", "k: |\n  x\n\n  ", "k: |\n  x\n ", "k: >\n  x\n  y\n  ",
    "k: 'a''#b' #c\t\n", "k: \"a\\\"#b\" #c\t\n", "k: !!str 'x' #c\t\n", "k: |\n  x\n# c", "k: |\n  x\n  # c",
    "k: |\n  x\n   ", "k: |+\n  x\n ", "k: |\n    x\n   ", "k: |\n  x\n\n ", "k: >-\n  x\n  ",
    "a: \"\\q\"\n", "a: \"\\ud800\"\n", "a: \"\\ud83d\\ude00\"\n", "a: '\n  '\n",
]


def yaml_row(text):
    try:
        data = YAML(typ="safe").load(text)
    except Exception as e:  # noqa: BLE001
        return {"kind": "yaml", "text": text, "error": type(e).__name__}
    try:
        s = str(data)
    except Exception as e:  # noqa: BLE001
        return {"kind": "yaml", "text": text, "str_error": type(e).__name__}
    return {"kind": "yaml", "text": text, "str": s}


def layers_row(layers, tmp):
    paths = []
    for i, content in enumerate(layers):
        p = Path(tmp) / f"layer{i}.yml"
        if content is None:
            if p.exists():
                p.unlink()
        else:
            p.write_bytes(content.encode("utf-8", "surrogateescape") if isinstance(content, str) else content)
        paths.append(("l%d" % i, p))
    tp.config_file_paths = lambda: paths
    tp._reset_config_caches_for_tests()
    root = tp.read_config_section("paths").get("root")
    enc = []
    for c in layers:
        if c is None:
            enc.append(None)
        elif isinstance(c, bytes):
            enc.append({"hex": c.hex()})
        else:
            enc.append(c)
    return {"kind": "layers", "layers": enc, "root": root}


LAYERS = [
    ["paths: {root: /a}"], ["paths: {root: /a}", "paths: {root: /b}"],
    ["paths: {root: /a}", "paths: {root: null}"], ["paths: {root: /a}", "paths: {root: _inherit}"],
    ["paths: {root: /a}", "paths: _inherit"], ["paths: {root: /a}", "paths: null"],
    ["paths: {root: /a}", "paths: 5"], ["paths: {root: /a}", "paths: [1]"],
    ["paths: {root: /a}", "other: 1"], ["paths: {root: /a}", "paths: {}"],
    ["paths: {root: /a, x: 1}", "paths: {_inherit: true, x: 2}"],
    ["paths: 1", "paths: {_inherit: true, root: /c}"], ["paths: {_inherit: true, root: /c}"],
    ["paths: {_inherit: 1, root: /c}"], ["paths: {_inherit: yes, root: /c}"],
    ["paths: {root: [1, 2]}", "paths: {root: [0, _inherit, 3]}"],
    ["paths: {root: [1, 2]}", "paths: {root: [0, 3]}"],
    # (merged dicts with several keys are left out: Python orders them by string hash)
    ["paths: {root: {a: 1}}", "paths: {root: {a: 2}}"],
    ["paths: {root: {a: 1}}", "paths: {root: {_inherit: true, a: [2]}}"],
    ["paths: {root: {a: {b: 1}}}", "paths: {root: {a: {b: null}}}"],
    ["paths: {root: 5}", "paths: {root: {_inherit: true, b: 2}}"],
    ["paths: {root: /a}", "paths: {root: /b}\nbad: [\n"],
    ["paths: {root: /a}", "a: 1\na: 2\n"], ["paths: {root: /a}", "- 1\n"],
    ["paths: {root: /a}", "x\n"], ["paths: {root: /a}", b"a: \xff\n"],
    ["paths: {root: /a}", "\u00a0\n"], ["paths: {root: /a}", " \x1c\n"], ["paths: {root: /a}", ""],
    ["paths: {root: /a}", "# c\n"], ["paths: {root: /a}", "---\n"], ["paths: {root: /a}", None],
    ["paths: {root: /a}", "\ufeffpaths: {root: /b}\n"], [b"\xef\xbb\xbfpaths: {root: /b}\n"],
    ["paths:\r\n  root: /crlf\r\n"], ["paths:\r  root: /cr\r"], ["paths:\n  root: 'a\r\n  b'\n"],
    ["paths: {root: ''}"], ["paths: {root: '  x  '}"], ["paths: {root:    x   }"],
    ["paths: {root: /a, other: 0x" + "f" * 4000 + "}"], ["paths: {root: /a}\nother: 0x" + "f" * 4000],
    ["paths: {root: /a}\nother: " + "1" * 5000], ["paths: {root: /a, other: " + "1" * 5000 + "}"],
    ["paths: {root: /a}\nx: !!python/none ''"], ["paths: {root: /a}\nx: !unknown 1"],
    ["paths: {root: /a}\nx: 2024-02-30"], ["paths:\n  root: /a\n  root: /b\n"],
    ["paths: {root: /a}\npaths: {root: /b}\n"], ["? paths\n: {root: /q}\n"],
    ["'paths': {\"root\": /q}\n"], ["paths: {1: /a}"], ["paths: !!omap [root: /o]"],
    ["paths: {root: /a}", "paths: !!omap [root: /o]"], ["paths: {root: !!binary aGk=}"],
    ["paths: {root: 2024-01-01T10:00:00Z}"], ["paths: {root: 2024-01-01}"], ["paths: {root: 1e3}"],
    ["paths: {root: 0x10}"], ["paths: {root: true}"], ["paths: {root: yes}"], ["paths: {root: .inf}"],
    ["paths: {root: !!set {a}}"], ["paths: {root: [a, [b]]}"], ["paths: {root: !!pairs [a: 1]}"],
    ["paths: {root: /a}\ntabs:\tx\n"], ["paths: {root: /a}\n\tx: 1\n"],
]


def resolve_row(spec, tmp):
    env = {k: v.replace("$D", tmp) for k, v in spec["env"].items()}
    for rel, content in spec.get("files", {}).items():
        p = Path(tmp) / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content.replace("$D", tmp))
    saved_env = dict(os.environ)
    saved_euid = os.geteuid
    os.environ.clear()
    os.environ.update(env)
    os.geteuid = lambda: spec["euid"]
    ns = spec.get("namespace", "terok")
    prefix = ns.upper().replace("-", "_")
    tp._NAMESPACE = ns
    tp._TEROK_ROOT_ENV = prefix + "_ROOT"
    tp._TEROK_CONFIG_FILE_ENV = prefix + "_CONFIG_FILE"
    tp.config_file_paths = ORIG_CONFIG_FILE_PATHS
    tp._reset_config_caches_for_tests()
    os.chdir(tmp)
    try:
        out = {"path": str(tp.namespace_state_dir() / "setup.stamp").replace(tmp, "$D")}
    except Exception as e:  # noqa: BLE001
        out = {"error": type(e).__name__}
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.geteuid = saved_euid
        for rel in spec.get("files", {}):
            (Path(tmp) / rel).unlink()
    return {"kind": "resolve", **spec, **out}


CFG = "$D/cfg.yml"
RESOLVE = []
for v in [".", " ", "//x", "///x", "/x//y/./z/", "a/../b", "~", "~/", "~/x", "~root/x", "~daemon",
          "~nosuchuser-xyz/x", "/~/x", "x/~", "./~", "~ /x", "/", "//", "x:y", "~root//", "~/.."]:
    for home in ["/home/u", "/h/", "", "rel", "/", "//", None, "~x"]:
        env = {"TEROK_ROOT": v}
        if home is not None:
            env["HOME"] = home
        RESOLVE.append({"env": env, "euid": 1000})
for xdg in [None, "", " ", "rel", " /d", "/d ", "/d", "/d/", "//d", "/d//x/./y/../", "~/d"]:
    for home in ["/home/u", "/home/u/", "rel", "", None, "/"]:
        env = {"TEROK_CONFIG_FILE": "/nonexistent/cfg.yml"}
        if xdg is not None:
            env["XDG_DATA_HOME"] = xdg
        if home is not None:
            env["HOME"] = home
        RESOLVE.append({"env": env, "euid": 1000})
RESOLVE.append({"env": {"TEROK_CONFIG_FILE": "/nonexistent/cfg.yml"}, "euid": 0})
RESOLVE.append({"env": {"TEROK_CONFIG_FILE": "/nonexistent/cfg.yml", "XDG_DATA_HOME": "/d"}, "euid": 0})
TREE = [("dir", "real/sub"), ("link", "lnk", "$D/real/sub"), ("link", "rel", "real/sub"),
        ("link", "loop1", "loop2"), ("link", "loop2", "loop1"), ("link", "self", "self"),
        ("link", "up", ".."), ("link", "dangling", "$D/missing/deeper"), ("file", "afile"), ("fifo", "fifo")]
for root in ["/virt/terok", "$D/real", "$D/lnk/..", "$D/lnk/../x", "$D/rel/../../y", "$D/missing/../z",
             "$D/dangling/x", "$D/loop1", "$D/loop1/x", "$D/self/..", "$D/up/up/real", "$D/afile/x",
             "$D/afile/..", "relative/x", "lnk/../q", "../outside", ".", "~/x", "~root/x",
             "~nosuchuser-xyz", "//d/x", "$D/real/./sub//x/", "'  '", "' x'", "1e3", "0x10",
             "yes", "true", "''", "null", "~", "'~'", '"a\\0b"', '"~a\\0b"', "\u00e9/x", "$D/fifo/x",
             "$D/" + "n" * 300, "$D/" + "n" * 300 + "/..", "'$D/real/ sub'", "[a, b]", "{a: b}"]:
    for home in ["$D"]:
        RESOLVE.append({"env": {"TEROK_CONFIG_FILE": CFG, "HOME": home},
                        "files": {"cfg.yml": "paths:\n  root: " + root + "\n"}, "euid": 1000})
for cfgvar in ["", "~/cfg.yml", "cfg.yml", "./cfg.yml", "$D/nope.yml", "$D", "~nosuchuser-xyz/c.yml",
               "$D/afile/c.yml", "$D/loop1", "$D/fifo", "$D/" + "n" * 300,
               "$D/" + "n" * 300 + "/c.yml", "~/" + "n" * 5000]:
    RESOLVE.append({"env": {"TEROK_CONFIG_FILE": cfgvar, "HOME": "$D", "XDG_CONFIG_HOME": "$D/xdg"},
                    "files": {"cfg.yml": "paths:\n  root: /from-cfg\n",
                              "xdg/terok/config.yml": "paths:\n  root: /from-xdg\n"}, "euid": 1000})
for euid in [0, 1000]:
    RESOLVE.append({"env": {"HOME": "$D", "XDG_CONFIG_HOME": "$D/xdg"},
                    "files": {"xdg/terok/config.yml": "paths:\n  root: /from-xdg\n"}, "euid": euid})
RESOLVE.append({"env": {"HOME": "rel", "XDG_CONFIG_HOME": "$D/xdg"},
                "files": {"xdg/terok/config.yml": "paths:\n  root: /from-xdg\n"}, "euid": 1000})
for ns_env in [{"FOO_BAR_ROOT": "~/x"}, {"FOO_BAR_ROOT": "", "HOME": "/h"},
               {"TEROK_ROOT": "/t", "HOME": "/h"}, {"HOME": "/h", "XDG_DATA_HOME": "/d"},
               {"FOO_BAR_CONFIG_FILE": CFG, "HOME": "/h"}, {"TEROK_CONFIG_FILE": CFG, "HOME": "/h"},
               {"HOME": "$D", "XDG_CONFIG_HOME": "$D/xdg"}]:
    for euid in [0, 1000]:
        RESOLVE.append({"namespace": "foo-bar", "env": dict(ns_env, HOME=ns_env.get("HOME", "/h")),
                        "files": {"cfg.yml": "paths: {root: /from-cfg}\n",
                                  "xdg/foo-bar/config.yml": "paths: {root: /from-xdg}\n"},
                        "euid": euid})
RESOLVE.append({"env": {"TEROK_ROOT": "/r", "TEROK_CONFIG_FILE": CFG},
                "files": {"cfg.yml": "paths: [\n"}, "euid": 1000})


def main():
    global ORIG_CONFIG_FILE_PATHS
    ORIG_CONFIG_FILE_PATHS = tp.config_file_paths
    assert not Path("/etc/terok").exists(), "/etc/terok must not exist"
    rows = []
    for s in SCALARS:
        rows.append(yaml_row("v: " + s + "\n"))
    for d in DOCS:
        rows.append(yaml_row(d))
    with tempfile.TemporaryDirectory() as tmp:
        for layers in LAYERS:
            rows.append(layers_row(layers, tmp))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = os.path.realpath(tmp)
        for entry in TREE:
            p = Path(tmp) / entry[1]
            if entry[0] == "dir":
                p.mkdir(parents=True)
            elif entry[0] == "file":
                p.write_text("")
            elif entry[0] == "fifo":
                os.mkfifo(p)
            else:
                os.symlink(entry[2].replace("$D", tmp), p)
        for spec in RESOLVE:
            rows.append(resolve_row(spec, tmp))
        os.chdir("/")
    passwd = {}
    for name in ["root", "daemon", "nosuchuser-xyz"]:
        try:
            passwd[name] = pwd.getpwnam(name).pw_dir
        except KeyError:
            pass
    meta = {
        "python": platform.python_version(),
        "platformdirs": platformdirs.__version__,
        "ruamel.yaml": ruamel.yaml.__version__,
        "uid": os.getuid(),
        "uid_home": pwd.getpwuid(os.getuid()).pw_dir,
        "passwd": passwd,
        "tree": TREE,
    }
    json.dump({"meta": meta, "rows": rows}, sys.stdout, indent=1, ensure_ascii=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
