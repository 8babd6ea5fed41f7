#!/usr/bin/env python3.12
"""Reference answers of importlib.metadata.version() (CPython 3.12) for
random search-path layouts, for the differential tests of
setup_stamp::distributions.

Run it with CPython 3.12 in isolated mode (``python3.12 -I -S``) so that no
site-packages finders join ``sys.meta_path``.

Modes:

``generate --seed N --count M --out FILE``
    Build M random layouts in a temporary directory, ask Python, and write a
    JSON fixture holding each layout (as creation operations), the search
    path, the queried names and Python's answers. Layouts never hold two
    candidates for one name in the same directory, so the answers do not
    depend on directory-listing order and the layout can be rebuilt elsewhere.

``live --root DIR --seed N --count M``
    Build M random layouts under DIR (``DIR/<i>``), same-directory duplicates
    included, and print the same JSON to stdout. The caller evaluates the
    layouts in place, so the listing order is the same for both sides.

A case is ``{"ops": [...], "search_path": [...], "names": [...],
"expected": [...]}``. Paths are relative to the case directory. Ops are
``["dir", path]``, ``["file", path, data]`` (data: bytes as a latin-1
string) and ``["symlink", path, target]``; ``dir_b``/``file_b`` are ``dir``/``file``
with a path that is bytes as a latin-1 string (for undecodable names);
``["file_parts", path, [[data, count], ...]]`` writes each data ``count`` times. An expected entry is ``null``
(PackageNotFoundError), ``{"error": ExceptionTypeName}`` or ``{"entry": i,
"child": name, "version": str-or-null}`` where ``i`` is the index of the
search-path entry the distribution was found under and ``child`` the name of
the matched metadata entry (its raw bytes as a latin-1 string).
"""

import argparse
import email
import importlib.metadata as md
import io
import json
import os
import random
import sys
import tempfile
import textwrap
import zipfile

assert sys.version_info[:2] == (3, 12), "the reference is CPython 3.12"

TRACKED = ["terok", "terok-executor", "terok-sandbox", "terok-shield", "terok-clearance"]
QUERY_VARIANTS = ["Terok_Sandbox", "terok.shield", "TEROK--executor", "other", "Other-Pkg", "ΑΣ"]

# Project-name spellings for file names, some deliberately tricky.
PROJECT_SPELLINGS = {
    "terok": ["terok", "Terok", "TEROK"],
    "terok-executor": ["terok_executor", "terok.executor", "Terok__Executor", "terok-executor"],
    "terok-sandbox": ["terok_sandbox", "Terok.Sandbox", "terok-sandbox", "terok___sandbox"],
    "terok-shield": ["terok_shield", "TEROK_SHIELD", "terok.shield"],
    "terok-clearance": ["terok_clearance", "terok-clearance", "Terok_Clearance"],
    "other": ["other", "other_pkg", "ΑΣ", "ας"],
}


def info_key(child):
    """Lookup's key of a .dist-info/.egg-info child (None if not one)."""
    low = child.lower()
    if not low.endswith((".dist-info", ".egg-info")):
        return None
    return md.Prepared.normalize(low.rpartition(".")[0].partition("-")[0])


def random_version(rng):
    return rng.choice(["0.6.0", "0.6", "1.0", "2.0rc1", "1.99999999999999999999", "v1.0", "x", "0.5.9",
                       "1.0+local", "1!0.1", "0.6.0.post1", "é1", " 0.6.0",
                       # str.splitlines() would break at these; the email parser does not
                       "1.0\x0c", "1\u2028.0", "1\x85", "0.6.0\x00", "1\x0b2", "1\x1c"])


def random_metadata(rng, allow_invalid):
    """Text (as bytes) of a random METADATA/PKG-INFO file."""
    nl = rng.choice(["\n"] * 6 + ["\r\n", "\r"])
    version = random_version(rng)
    lines = []
    if rng.random() < 0.08:
        lines.append("From someone@example.invalid")
    if rng.random() < 0.05:
        lines.append(" leading continuation")
    lines.append("Metadata-Version: 2.1")
    if rng.random() < 0.7:
        lines.append("Name: " + rng.choice(["terok", "terok-sandbox", "wrong-name"]))
    pre = rng.random()
    if pre < 0.05:
        lines.append("garbage")
    elif pre < 0.1:
        lines.append("")
    elif pre < 0.13:
        lines.append("Version : 9.9")
    elif pre < 0.16:
        lines.append(": no name")
    elif pre < 0.19:
        lines.append("From middle")
    elif pre < 0.22:
        lines.append("Summary: s\t")
        lines.append("  folded summary")
    style = rng.random()
    name = rng.choice(["Version", "Version", "version", "VERSION", "VeRsIoN"])
    if style < 0.35:
        lines.append(f"{name}: {version}")
    elif style < 0.45:
        lines.append(f"{name}:{version}")
    elif style < 0.5:
        lines.append(f"{name}: \t {version} \t")
    elif style < 0.55:
        lines.append(f"{name}:")
    elif style < 0.6:
        lines.append(f"{name}: ")
    elif style < 0.68:
        lines.append(f"{name}: {version}")
        lines.append(rng.choice([" .1", "\t.1", "          tail", " ", "\t", "  a", "        b  "]))
        if rng.random() < 0.5:
            lines.append(rng.choice(["   c", "\td", " "]))
    elif style < 0.72:
        lines.append(f"{name}:")
        lines.append(rng.choice(["  " + version, "\t" + version]))
    elif style < 0.8:
        lines.append(f"{name}: {version}")
        lines.append(f"Version: {random_version(rng)}")
    elif style < 0.85:
        lines.append(f"Version: {version}")
        lines.append("")
        lines.append(f"Version: {random_version(rng)}")
    elif style < 0.9:
        pass  # no Version header
    else:
        lines.append(f"{name}: {version}")
    if rng.random() < 0.5:
        lines.append("Summary: something")
    text = nl.join(lines)
    if rng.random() < 0.8:
        text += nl
    if rng.random() < 0.3:
        text += nl + "Long description" + nl + "Version: 7.7" + nl
    if rng.random() < 0.05:
        text = "\ufeff" + text
    data = text.encode("utf-8")
    if allow_invalid and rng.random() < 0.04:
        data += rng.choice([b"\xff", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf"])
    if rng.random() < 0.04:
        data = b""
    return data


class Layout:
    """Random layout builder; records creation ops."""

    def __init__(self, rng, unique):
        self.rng = rng
        self.unique = unique  # no two candidates for one key in one directory
        self.ops = []

    def op(self, *args):
        self.ops.append(list(args))

    def file(self, path, data):
        self.op("file", path, data.decode("latin-1"))

    def info_name(self, project):
        rng = self.rng
        spelling = rng.choice(PROJECT_SPELLINGS[project])
        middle = rng.choice(["", "-0.6.0", "-2.0rc1", "-v1.0", "-é1", "-1.4-py3.12", "-1.0"])
        if project == "terok-sandbox" and rng.random() < 0.2:
            spelling, middle = "terok-sandbox", "-1.4"  # the trap: filed under 'terok'
        suffix = rng.choice([".dist-info"] * 4 + [".egg-info"] * 2 + [".DIST-INFO", ".Egg-Info"])
        return spelling + middle + suffix

    def metadata_dir_contents(self, base):
        rng = self.rng
        choice = rng.random()
        allow_invalid = True
        if choice < 0.6:
            self.file(base + "/METADATA", random_metadata(rng, allow_invalid))
        elif choice < 0.75:
            self.file(base + "/PKG-INFO", random_metadata(rng, allow_invalid))
        elif choice < 0.85:
            self.file(base + "/METADATA", b"")
            self.file(base + "/PKG-INFO", random_metadata(rng, allow_invalid))
        elif choice < 0.9:
            self.op("dir", base + "/METADATA")
            self.file(base + "/PKG-INFO", random_metadata(rng, allow_invalid))
        elif choice < 0.93:
            self.op("symlink", base + "/METADATA", "METADATA")  # ELOOP: Python raises
        elif choice < 0.96:
            self.op("symlink", base + "/METADATA", "missing-target")
            self.file(base + "/PKG-INFO", random_metadata(rng, allow_invalid))
        # else: empty directory, no metadata
        if rng.random() < 0.2:
            self.file(base + "/RECORD", b"x,,\n")

    def directory(self, path):
        rng = self.rng
        self.op("dir", path)
        keys = set()
        for _ in range(rng.randint(0, 6)):
            project = rng.choice(list(PROJECT_SPELLINGS))
            child = self.info_name(project)
            key = info_key(child)
            if self.unique and key in keys:
                continue
            if any(op[1] == path + "/" + child for op in self.ops):
                continue
            keys.add(key)
            if child.lower().endswith(".egg-info") and rng.random() < 0.4:
                self.file(path + "/" + child, random_metadata(rng, True))
            else:
                self.op("dir", path + "/" + child)
                self.metadata_dir_contents(path + "/" + child)
        for noise in rng.sample(["README", "terok.py", "foo.dist-info.bak", "EGG-INFO", "x.pth"], rng.randint(0, 2)):
            if noise == "EGG-INFO":
                self.op("dir", path + "/EGG-INFO")
                self.file(path + "/EGG-INFO/PKG-INFO", b"Version: 5.5\n")
            else:
                self.file(path + "/" + noise, b"noise\n")

    def egg_dir(self, path):
        rng = self.rng
        self.op("dir", path)
        variants = ["EGG-INFO", "egg-info", "Egg-Info"]
        chosen = [rng.choice(variants)] if self.unique else rng.sample(variants, rng.randint(1, 2))
        for v in chosen:
            self.op("dir", path + "/" + v)
            self.metadata_dir_contents(path + "/" + v)
        if rng.random() < 0.3:
            child = self.info_name(rng.choice(list(PROJECT_SPELLINGS)))
            self.op("dir", path + "/" + child)
            self.metadata_dir_contents(path + "/" + child)

    def zip_file(self, path, egg):
        rng = self.rng
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            members = []
            for _ in range(rng.randint(0, 4)):
                kind = rng.random()
                if egg and kind < 0.4:
                    top = rng.choice(["EGG-INFO", "egg-info"])
                else:
                    top = self.info_name(rng.choice(list(PROJECT_SPELLINGS)))
                if rng.random() < 0.3:
                    members.append((top + "/", None))
                if top.lower().endswith(".egg-info") and rng.random() < 0.3:
                    members.append((top, random_metadata(rng, True)))
                    continue
                which = rng.random()
                if which < 0.6:
                    members.append((top + "/METADATA", random_metadata(rng, True)))
                elif which < 0.8:
                    members.append((top + "/PKG-INFO", random_metadata(rng, True)))
                elif which < 0.9:
                    members.append((top + "/METADATA/", None))
                    members.append((top + "/PKG-INFO", random_metadata(rng, True)))
                else:
                    members.append((top + "/RECORD", b""))
            if rng.random() < 0.3:
                members.append(("terok/__init__.py", b""))
            for name, data in members:
                compress = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
                if data is None:
                    zf.writestr(zipfile.ZipInfo(name), b"")
                else:
                    zf.writestr(name, data, compress_type=compress)
        self.file(path, buf.getvalue())

    def build(self, live):
        """Random entries; returns the search path."""
        rng = self.rng
        search_path = []
        for i in range(rng.randint(1, 5)):
            kind = rng.random()
            if kind < 0.45:
                p = f"site{i}"
                self.directory(p)
                search_path.append(p)
            elif kind < 0.55:
                p = f"e{i}/" + rng.choice(
                    ["terok_sandbox-0.6.0-py3.12.egg", "Terok-1.0.egg", "terok-shield.egg", "terok.executor-2.EGG",
                     "terok_clearance.egg"])
                self.op("dir", f"e{i}")
                self.egg_dir(p)
                search_path.append(p + ("/" if rng.random() < 0.2 else ""))
            elif kind < 0.7:
                p = f"w{i}/" + rng.choice(["dist.whl", "lib.zip", "archive"])
                self.op("dir", f"w{i}")
                self.zip_file(p, egg=False)
                search_path.append(p)
            elif kind < 0.78:
                p = f"z{i}/" + rng.choice(["terok_sandbox-0.6.0-py3.12.egg", "Terok_Shield.egg"])
                self.op("dir", f"z{i}")
                self.zip_file(p, egg=True)
                search_path.append(p)
            elif kind < 0.84:
                search_path.append(f"missing{i}")
            elif kind < 0.9:
                self.file(f"plain{i}", b"not a zip\n")
                search_path.append(f"plain{i}")
            elif kind < 0.95 and search_path:
                search_path.append(rng.choice(search_path))
            else:
                self.op("dir", f"empty{i}")
                search_path.append(f"empty{i}")
        return search_path


def answer(root, search_path, name):
    """importlib.metadata's answer for one name, with sys.path = search_path."""
    md.FastPath.__new__.cache_clear()
    paths = [os.path.join(root, p) for p in search_path]
    saved = sys.path[:]
    sys.path[:] = paths
    try:
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            return None
        except Exception as e:  # ValueError for ''
            return {"error": type(e).__name__}
        try:
            version = dist.version
        except Exception as e:
            return {"error": type(e).__name__}
    finally:
        sys.path[:] = saved
    # The explicit-path discovery gives the same first distribution.
    md.FastPath.__new__.cache_clear()
    other = next(iter(md.Distribution.discover(name=name, path=paths)))
    assert str(other._path) == str(dist._path), (other._path, dist._path)
    path = dist._path
    if isinstance(path, zipfile.Path):
        child = path.at.rstrip("/").encode("utf-8")
    else:
        child = os.fsencode(path.name)
    child = child.decode("latin-1")  # raw bytes, as a latin-1 string
    entry = next(i for i, p in enumerate(paths) if found_in(p, name, str(path)))
    return {"entry": entry, "child": child, "version": version}


def found_in(entry, name, dist_path):
    """Whether searching only `entry` finds `dist_path` first."""
    md.FastPath.__new__.cache_clear()
    first = next(iter(md.Distribution.discover(name=name, path=[entry])), None)
    return first is not None and str(first._path) == dist_path


def apply_ops(root, ops):
    for op in ops:
        path = os.path.join(root, op[1])
        if op[0] == "dir":
            os.makedirs(path, exist_ok=True)
        elif op[0] == "file":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(op[2].encode("latin-1"))
        elif op[0] == "symlink":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.symlink(op[2], path)
        elif op[0] == "file_parts":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                for part, count in op[2]:
                    f.write(part.encode("latin-1") * count)
        elif op[0] == "dir_b":
            os.makedirs(os.fsencode(root) + b"/" + op[1].encode("latin-1"), exist_ok=True)
        elif op[0] == "file_b":
            with open(os.fsencode(root) + b"/" + op[1].encode("latin-1"), "wb") as f:
                f.write(op[2].encode("latin-1"))


def special_layouts():
    """Hand-written layouts for corners the random ones rarely reach.
    Each is (ops, search_path); none depends on directory-listing order."""
    big_body = [["Metadata-Version: 2.1\nVersion: 3.0\n\n", 1], ["long description line\n", 60000]]
    long_headers = [["X-Header: " + "a" * 60 + "\n", 3000], ["Version: 4.0\n", 1]]
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w") as zf:
        zf.writestr("terok-1.0.dist-info/METADATA", b"Version: 1.0\n" + b"x" * 100)
    bad_crc = bytearray(stored.getvalue())
    bad_crc[bad_crc.index(b"xxxx")] = ord("y")
    t = lambda b: b.decode("latin-1")
    return [
        # Undecodable bytes after the first '-' do not stop a match.
        ([["dir", "s"], ["dir_b", t(b"s/terok-\xff.dist-info")], ["file_b", t(b"s/terok-\xff.dist-info/METADATA"), "Version: 1.1\n"],
          ["dir_b", t(b"s/terok_sh\xffield.dist-info")], ["file_b", t(b"s/terok_sh\xffield.dist-info/METADATA"), "Version: 9\n"]],
         ["s"]),
        # A .dist-info *file* is read as the metadata itself.
        ([["dir", "s"], ["file", "s/terok-1.0.dist-info", "Version: 2.5\n"]], ["s"]),
        # METADATA that is a symlink to a directory is skipped.
        ([["dir", "s/terok.dist-info"], ["dir", "s/elsewhere"], ["symlink", "s/terok.dist-info/METADATA", "../elsewhere"],
          ["file", "s/terok.dist-info/PKG-INFO", "Version: 6\n"]], ["s"]),
        # A search entry that is a symlink to a directory; one that is a symlink to a zip.
        ([["dir", "real"], ["dir", "real/terok.dist-info"], ["file", "real/terok.dist-info/METADATA", "Version: 7\n"],
          ["symlink", "link", "real"], ["file", "w/x.whl", t(stored.getvalue())], ["symlink", "zlink", "w/x.whl"]],
         ["link", "zlink"]),
        ([["file", "w/x.whl", t(stored.getvalue())]], ["w/x.whl"]),
        # A huge body after the headers; invalid UTF-8 at its very end.
        ([["dir", "s/terok.dist-info"], ["file_parts", "s/terok.dist-info/METADATA", big_body],
          ["dir", "s/terok_shield.dist-info"],
          ["file_parts", "s/terok_shield.dist-info/METADATA", big_body + [[t(b"\xc3"), 1]]]], ["s"]),
        # A header block far longer than one read.
        ([["dir", "s/terok.dist-info"], ["file_parts", "s/terok.dist-info/METADATA", long_headers]], ["s"]),
        # A zip member whose data does not match its CRC.
        ([["file", "w/bad.whl", t(bytes(bad_crc))]], ["w/bad.whl"]),
        # An egg-info directory inside an egg-named directory, EGG-INFO last.
        ([["dir", "e/terok-1.0.egg/EGG-INFO"], ["file", "e/terok-1.0.egg/EGG-INFO/PKG-INFO", "Version: 1\n"],
          ["dir", "e/terok-1.0.egg/Terok.egg-info"], ["file", "e/terok-1.0.egg/Terok.egg-info/PKG-INFO", "Version: 2\n"]],
         ["e/terok-1.0.egg", "e/terok-1.0.egg/"]),
        # An egg zip whose EGG-INFO wins only when no .dist-info matches.
        ([["file", "e/Terok_Shield-2.egg", t(egg_zip())]], ["e/Terok_Shield-2.egg"]),
        # Member names without the UTF-8 flag are CP 437 ("t\x82\x8eok" is "téÄok").
        ([["file", "w/cp.whl", t(patched_zip("tAAok.dist-info/METADATA", b"tAAok", b"t\x82\x8eok"))]],
         ["w/cp.whl"], ["TÉÄOK", "téäok", "t\u201a\u017dok"]),
        # A flagged name that is not UTF-8 makes the whole archive unreadable.
        ([["file", "w/bad-name.whl", t(patched_zip("\u00e9x", b"\xc3\xa9x", b"\xff\xfex"))]], ["w/bad-name.whl"]),
    ]


def patched_zip(member, old, new):
    """A zip holding terok.dist-info/METADATA and `member`, with the bytes
    `old` of the member's name replaced by `new` in both headers."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("terok.dist-info/METADATA", b"Version: 1.0\n")
        zf.writestr(member, b"Version: 2.0\n")
    data = buf.getvalue()
    assert data.count(old) == 2 and len(old) == len(new)
    return data.replace(old, new)


def egg_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("EGG-INFO/PKG-INFO", b"Version: 8\n")
        zf.writestr("terok.dist-info/METADATA", b"Version: 9\n")
    return buf.getvalue()


def make_special(case_root, ops, search_path, extra_names=()):
    os.makedirs(case_root)
    apply_ops(case_root, ops)
    names = TRACKED + list(extra_names) + [""]
    expected = [answer(case_root, search_path, n) for n in names]
    return {"ops": ops, "search_path": search_path, "names": names, "expected": expected}


def make_case(rng, case_root, live):
    layout = Layout(rng, unique=not live)
    search_path = layout.build(live)
    names = TRACKED + rng.sample(QUERY_VARIANTS, rng.randint(0, 3))
    if rng.random() < 0.03:
        names.append("")
    rng.shuffle(names)
    os.makedirs(case_root)
    apply_ops(case_root, layout.ops)
    expected = [answer(case_root, search_path, n) for n in names]
    return {"ops": layout.ops, "search_path": search_path, "names": names, "expected": expected}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--count", type=int, default=300)
    gen.add_argument("--out", required=True)
    live = sub.add_parser("live")
    live.add_argument("--root", required=True)
    live.add_argument("--seed", type=int, default=1)
    live.add_argument("--count", type=int, default=200)
    args = parser.parse_args()

    # Warm up every module the lookups import lazily, before sys.path is swapped.
    email.message_from_string("A: b\n")
    textwrap.dedent("x")

    import warnings
    warnings.simplefilter("ignore")

    rng = random.Random(args.seed)
    cases = []
    if args.mode == "generate":
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.count):
                cases.append(make_case(rng, os.path.join(tmp, str(i)), live=False))
            for j, special in enumerate(special_layouts()):
                cases.append(make_special(os.path.join(tmp, "special%d" % j), *special))
        doc = {
            "generator": "scripts/distributions_oracle.py generate --seed %d --count %d" % (args.seed, args.count),
            "python": sys.version.split()[0],
            "cases": cases,
        }
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=True, indent=0, sort_keys=True)
            f.write("\n")
    else:
        for i in range(args.count):
            cases.append(make_case(rng, os.path.join(args.root, str(i)), live=True))
        json.dump({"python": sys.version.split()[0], "cases": cases}, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
