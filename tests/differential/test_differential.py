"""Differential tests: the ``setup-stamp`` binary against the Python reference.

The reference is the released module: ``terok_sandbox.setup_stamp`` from
terok-sandbox 0.5.0 (PyPI), installed with its dependencies into
``.venv-stamp`` (``stamp-reference.txt``) and run by ``reference.py
--oracle released`` in that venv's interpreter.

Run (as root: scenarios drop to other users and enter user namespaces)::

    scripts/setup-venv
    cargo build -p setup-stamp-cli
    .venv-ref/bin/python -m pytest tests/differential -q

Every scenario from ``scenarios.py`` is built in its own directory; both
implementations run on that same directory (directory-listing order matters)
with the same controlled environment, and must agree on:

* the stamp path (``path``), or both fail;
* the verdict, the exit code, the stamp path, the installed versions and the
  stamped mapping (``check --json``), or both fail;
* the installed versions in tracked order (``versions --json``);
* the written bytes with ``completed_at`` masked, the file mode, the owner and
  the directory left behind (``write``), plus cross-reading: a stamp written
  by the binary must read the same (``ok`` when every version is known) in
  Python, and a Python-written stamp in the binary;
* ``clear``: both fail or both leave no stamp behind.

Intentional differences are listed in ``EXPECTED_DIFFERENCES`` (keyed by
scenario kind); each such scenario asserts that the difference holds exactly.
SPEC-DIFFERENCES.md at the repository root documents them.  Disagreements
found but not fixed yet are ``KNOWN_DISAGREEMENTS`` (strict xfails, by id).

The binary is ``$SETUP_STAMP_BIN`` (default ``target/debug/setup-stamp``); it is
copied to a world-readable directory so unprivileged users can run it.  The
reference runs in one long-lived process of ``.venv-stamp``'s interpreter
(``$SETUP_STAMP_STAMP_PYTHON`` overrides it), forked per command:
unprivileged runs drop privileges inside the forked child after everything
is imported, so the interpreter under /root never has to be re-read, and
``test_reference_interpreter`` asserts what actually runs (the released
module, its versions, the reference configuration).

Nothing here touches the real /var/lib/terok or /etc/terok: scenarios set
``TEROK_ROOT`` or ``TEROK_CONFIG_FILE``/``HOME``/``XDG_*`` to temporary
directories, and a scenario whose stamp resolves outside its own directory
only compares paths (and, away from /var/lib/terok, read-only checks).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import reference  # noqa: E402
import scenarios as scenario_gen  # noqa: E402

REPO = HERE.parent.parent
BINARY = Path(os.environ.get("SETUP_STAMP_BIN", REPO / "target" / "debug" / "setup-stamp"))
#: The interpreter of the released reference (terok-sandbox 0.5.0 installed).
STAMP_PYTHON = Path(os.environ.get("SETUP_STAMP_STAMP_PYTHON", REPO / ".venv-stamp" / "bin" / "python"))
#: What ``info`` must report for it.
RELEASED = {"oracle": "released", "terok-sandbox": "0.5.0", "terok-util": "0.3.1"}
SCENARIOS = scenario_gen.generate()

EXIT_CODES = {"ok": 0, "first_run": 3, "stale_after_update": 3, "stamp_corrupt": 3, "stale_after_downgrade": 4}
TIMEOUT = 20

#: Intentional differences, keyed by scenario kind.  ``python`` is what the
#: reference must do, ``rust`` what the binary must do instead (``expect_rust``
#: in the scenario when it varies).  Each row is proven by the scenarios of
#: that kind and listed in SPEC-DIFFERENCES.md.
EXPECTED_DIFFERENCES: dict[str, dict[str, str]] = {
    "deep_nesting_beyond_python": {
        "python": "error:RecursionError",
        "rust": "verdict as if the nesting were not there",
        "reason": "Python 3.12's json scanner gives up a little below 1,500 levels; we parse at "
        "least 10,000 levels and answer normally",
    },
    "deep_nesting_beyond_ours": {
        "python": "error:RecursionError",
        "rust": "stamp_corrupt",
        "reason": "beyond our own nesting limit the stamp is unreadable; a crash or an error would be worse",
    },
    "large_stamp": {
        "python": "verdict",
        "rust": "stamp_corrupt",
        "reason": "a stamp over 1 MiB is not something write_stamp produces; we refuse to read "
        "unbounded files on the TUI start-up path",
    },
}

#: Disagreements found against the binary that are not fixed yet, by scenario
#: id.  Each is an ``xfail(strict=True)``: the suite stays green while the bug
#: is open and fails as soon as it is fixed, so the row gets removed.  These
#: are bugs, not intentional differences (those are EXPECTED_DIFFERENCES).
KNOWN_DISAGREEMENTS: dict[str, str] = {
}

SYSTEM_CONFIG = Path("/etc/terok/config.yml")
REAL_STATE = Path("/var/lib/terok")

# ── the workspace ────────────────────────────────────────────────────


@pytest.fixture(scope="session")
def workspace():
    """A world-readable temporary directory holding a copy of the binary."""
    assert not SYSTEM_CONFIG.exists(), "the system config layer would leak into the tests"
    real_state_before = REAL_STATE.exists()
    top = Path(tempfile.mkdtemp(prefix="ssd-"))
    top.chmod(0o755)
    binary = None
    if BINARY.is_file():
        binary = top / "bin" / "setup-stamp"
        binary.parent.mkdir()
        binary.parent.chmod(0o755)
        shutil.copy2(BINARY, binary)
        binary.chmod(0o755)
    server = released_server()
    try:
        yield {"top": top, "binary": binary, "counter": [0], "server": server}
    finally:
        server.close()
        shutil.rmtree(top, ignore_errors=True)
        assert REAL_STATE.exists() == real_state_before, "the tests touched /var/lib/terok"


def released_server() -> reference.Server:
    """A reference server running the released module (skips, saying why, without it)."""
    if not STAMP_PYTHON.is_file():
        pytest.skip(f"{STAMP_PYTHON} missing: scripts/setup-venv makes .venv-stamp (terok-sandbox 0.5.0)")
    return reference.Server(str(STAMP_PYTHON), "released")


def _subst(value: str | bytes, root: Path) -> str | bytes:
    if isinstance(value, bytes):
        return value.replace(b"@ROOT@", str(root).encode())
    return value.replace("{root}", str(root))


def remove_tree(root: Path) -> None:
    if root.exists() or root.is_symlink():
        shutil.rmtree(root, ignore_errors=True)


def build(sc: dict, root: Path) -> None:
    """Create the scenario's tree under *root* (removing any previous one)."""
    remove_tree(root)
    root.mkdir()
    root.chmod(0o755)
    for sub in ("cwd", "home", "xdg-data", "xdg-config"):
        (root / sub).mkdir()
    modes: list[tuple[Path, int]] = []
    chowns: list[tuple[Path, int]] = []
    for entry in sc["files"]:
        path = root / entry["path"]
        kind = entry["type"]
        if kind not in ("chmod", "chown"):
            path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "file":
            path.write_bytes(entry["data"].replace(b"@ROOT@", str(root).encode()))
        elif kind == "dir":
            path.mkdir(parents=True, exist_ok=True)
        elif kind == "symlink":
            path.symlink_to(_subst(entry["target"], root))
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "socket":
            with socket.socket(socket.AF_UNIX) as sock:
                sock.bind(str(path))
        elif kind == "venv":
            subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, capture_output=True)
        elif kind == "zip":
            with zipfile.ZipFile(path, "w") as zf:
                for name, data in entry["members"]:
                    zf.writestr(name, data)
        elif kind == "chmod":
            modes.append((path, entry["mode"]))
            continue
        elif kind == "chown":
            chowns.append((path, entry["uid"]))
            continue
        if entry.get("mode") is not None:
            modes.append((path, entry["mode"]))
    user = sc["user"]
    if isinstance(user, tuple):
        uid, gid = user
        os.lchown(root, uid, gid)
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                os.lchown(os.path.join(dirpath, name), uid, gid)
    for path, uid in chowns:
        os.lchown(path, uid, uid)
    for path, mode in modes:
        path.chmod(mode)


def environment(sc: dict, root: Path) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LC_ALL": "C.UTF-8",
        "HOME": f"{root}/home",
        "XDG_DATA_HOME": f"{root}/xdg-data",
        "XDG_CONFIG_HOME": f"{root}/xdg-config",
        "TEROK_ROOT": f"{root}/state",
    }
    for key, value in sc["env"].items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = _subst(value, root)
    return env


class Runner:
    """Runs one command in both implementations for one scenario."""

    def __init__(self, sc: dict, root: Path, binary: Path | None, server: reference.Server):
        self.server = server
        self.sc = sc
        self.root = root
        self.binary = binary
        self.env = environment(sc, root)
        self.cwd = str(root / sc["cwd"])
        self.search = [_subst(p, root) for p in sc["search_path"]]
        self.python_opt: list[str] = []
        if sc.get("python"):
            # The reference sees what a console script of that venv sees.
            venv_python = root / "venv" / "bin" / "python"
            probe = subprocess.run([str(venv_python), str(root / "venv" / "bin" / "probe")], env=self.env,
                                   cwd=self.cwd, capture_output=True, check=True)
            self.search = json.loads(probe.stdout)
            self.python_opt = ["--python", _subst(sc["python"], root)]

    def python(self, *argv: str) -> tuple[int, bytes]:
        opts: list[str] = []
        for entry in self.search:
            opts += ["--sys-path", entry]
        user = self.sc["user"]
        if user == "userns":
            opts.append("--userns")
        elif isinstance(user, tuple):
            opts += ["--as-user", f"{user[0]}:{user[1]}"]
        code, out = self.server.run(opts + list(argv), self.env, self.cwd, timeout=TIMEOUT, umask=self.sc.get("umask"))
        if code == 1:
            err = json.loads(out)
            assert err["error"] not in ("HarnessMismatch", "HarnessTimeout", "ImportError", "ModuleNotFoundError"), err
            assert not err.get("harness"), err
        return code, out

    def rust(self, *argv: str) -> tuple[int, bytes, bytes]:
        assert self.binary is not None
        cmd = [str(self.binary)]
        if self.python_opt:
            cmd += self.python_opt
        else:
            for entry in self.search:
                cmd += ["--sys-path", entry]
        cmd += list(argv)
        user = self.sc["user"]
        if user == "userns":
            cmd = ["/usr/bin/unshare", "-U", "-r"] + cmd
        elif isinstance(user, tuple):
            cmd = ["/usr/bin/setpriv", f"--reuid={user[0]}", f"--regid={user[1]}", "--clear-groups"] + cmd
        umask = self.sc.get("umask")
        proc = subprocess.run(cmd, env=self.env, cwd=self.cwd, capture_output=True, timeout=TIMEOUT,
                              umask=-1 if umask is None else umask)
        return proc.returncode, proc.stdout, proc.stderr


def pairs(text: bytes) -> object:
    """JSON with objects as ordered lists of pairs (order is part of the contract)."""
    return json.loads(text, object_pairs_hook=lambda kv: [list(p) for p in kv])


def py_error(code: int, out: bytes) -> str | None:
    if code == 1:
        return json.loads(out)["error"]
    return None


def absolute(path_text: str, cwd: str) -> str:
    """The path as the kernel will follow it (no textual ``..`` folding)."""
    return os.path.join(cwd, path_text)


def inside(path_text: str, root: Path, cwd: str) -> bool:
    full = os.path.realpath(absolute(path_text, cwd))
    return full == str(root) or full.startswith(str(root) + os.sep)


COMPLETED_AT = re.compile(rb'"completed_at": "(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00)"')


def mask(data: bytes) -> bytes:
    return COMPLETED_AT.sub(b'"completed_at": "<masked>"', data)


def describe(sc: dict) -> str:
    return f"{sc['id']} ({sc['kind']}) {sc['note']}".strip()


# ── the comparisons ──────────────────────────────────────────────────


def compare_path(run: Runner) -> tuple[str | None, str | None]:
    pc, pout = run.python("path")
    if run.binary is None:
        return (None if pc else pout.decode("utf-8", "surrogateescape")[:-1]), None
    rc, rout, rerr = run.rust("path")
    if pc != 0:
        assert rc == 1, f"python raised {py_error(pc, pout)}, rust printed {rout!r} (rc {rc})"
        return None, None
    assert rc == 0, f"rust failed (rc {rc}: {rerr.decode(errors='replace')}), python printed {pout!r}"
    assert rout == pout, "stamp paths differ"
    text = pout.decode("utf-8", "surrogateescape")[:-1]
    return text, text


def compare_check(run: Runner, sc: dict) -> None:
    pc, pout = run.python("check", "--json")
    if run.binary is None:
        return
    rc, rout, rerr = run.rust("check", "--json")
    perr = py_error(pc, pout)
    diff = EXPECTED_DIFFERENCES.get(sc["kind"])
    if diff is not None:
        check_expected_difference(sc, diff, perr, pout, rc, rout, rerr)
        return
    if perr is not None:
        assert rc == 1, f"python raised {perr}; rust said rc {rc}: {rout[:300]!r}"
        return
    py = json.loads(pout)
    assert rc != 1, f"rust failed: {rerr.decode(errors='replace')[:500]}; python said {py['verdict']}"
    rs = json.loads(rout)
    assert rs["verdict"] == py["verdict"], f"verdict: rust {rs['verdict']}, python {py['verdict']}"
    assert rc == EXIT_CODES[py["verdict"]], f"exit code {rc} for {py['verdict']}"
    assert rs["stamp_path"] == py["stamp_path"]
    if py["installed"] is None:
        # installed_versions() raised (unreadable metadata) where the verdict
        # did not need it: the binary gives the verdict and lists nothing.
        assert py["verdict"] in ("first_run", "stamp_corrupt"), py
        assert _field(rout, "installed") == [], f"python listed nothing, rust {rs['installed']}"
    else:
        # check's "installed" is in report order (stamped packages first);
        # tracked order is compared by ``versions --json``.
        assert sorted(_field(rout, "installed")) == sorted(_field(pout, "installed")), "installed versions differ"
    if py["verdict"] not in ("first_run", "stamp_corrupt"):
        assert _field(rout, "stamped") == _field(pout, "stamped"), "stamped mappings differ"


def _field(raw: bytes, name: str) -> object:
    for key, value in pairs(raw):
        if key == name:
            return value
    return None


def check_expected_difference(sc, diff, perr, pout, rc, rout, rerr) -> None:
    want = sc["expect_rust"]
    if diff["python"].startswith("error:"):
        assert perr == diff["python"].split(":", 1)[1], f"python no longer differs: {pout[:200]!r}"
    else:
        assert perr is None, f"python raised {perr}"
        py_verdict = json.loads(pout)["verdict"]
        assert py_verdict == sc["expect_python"], f"python said {py_verdict}, expected {sc['expect_python']}"
        assert py_verdict != want, f"python and rust agree ({want}): the difference is gone"
    assert rc != 1, f"rust failed: {rerr.decode(errors='replace')[:300]}"
    rs = json.loads(rout)
    assert rs["verdict"] == want, f"rust said {rs['verdict']}, expected {want}"
    assert rc == EXIT_CODES[want]


def compare_versions(run: Runner) -> None:
    pc, pout = run.python("versions", "--json")
    if run.binary is None:
        return
    rc, rout, rerr = run.rust("versions", "--json")
    if pc != 0:
        assert rc == 1, f"python raised {py_error(pc, pout)}; rust printed {rout[:300]!r}"
        return
    assert rc == 0, f"rust failed: {rerr.decode(errors='replace')[:300]}"
    assert pairs(rout) == pairs(pout), "installed versions differ"


def stamp_state(path: Path) -> dict:
    st = os.lstat(path)
    return {
        "bytes": path.read_bytes() if stat.S_ISREG(st.st_mode) else None,
        "mode": stat.S_IMODE(st.st_mode),
        "type": stat.S_IFMT(st.st_mode),
        "uid": st.st_uid,
        # The reference reuses ``setup.stamp.tmp``; we use unique temporary
        # names, so a stale ``setup.stamp.tmp`` planted by a scenario stays.
        "listing": sorted(n for n in os.listdir(path.parent) if n != "setup.stamp.tmp"),
        "parent_mode": stat.S_IMODE(os.stat(path.parent).st_mode),
    }


def compare_write(run: Runner, sc: dict, stamp: str) -> None:
    stamp_file = Path(absolute(stamp, run.cwd))
    # The binary writes; Python reads it back.
    build(sc, run.root)
    rc, rout, rerr = run.rust("write")
    rust_state = stamp_state(stamp_file) if rc == 0 else None
    rust_cross = run.python("check", "--json") if rc == 0 else None
    # Python writes, on a fresh tree; the binary reads it back.
    build(sc, run.root)
    pc, pout = run.python("write")
    py_state = stamp_state(stamp_file) if pc == 0 else None
    py_cross = run.rust("check", "--json") if pc == 0 else None
    if pc != 0:
        assert rc == 1, f"python write raised {py_error(pc, pout)}; rust wrote ({rc}) {rout!r}"
        return
    assert rc == 0, f"rust write failed: {rerr.decode(errors='replace')[:300]}"
    assert rout == pout, "write printed different paths"
    assert COMPLETED_AT.search(rust_state["bytes"]), rust_state["bytes"][:200]
    assert mask(rust_state["bytes"]) == mask(py_state["bytes"]), "written bytes differ"
    for key in ("mode", "type", "uid", "listing", "parent_mode"):
        assert rust_state[key] == py_state[key], f"written stamp {key} differs"
    # Cross-reading.
    pcc, pcout = rust_cross
    rcc, rcout, _ = py_cross
    py_verdict = py_error(pcc, pcout) or json.loads(pcout)["verdict"]
    rs_verdict = json.loads(rcout)["verdict"] if rcc != 1 else py_verdict if py_error(pcc, pcout) else "error"
    assert rs_verdict == py_verdict, f"cross-read: python reads rust's stamp as {py_verdict}, rust reads python's as {rs_verdict}"
    installed = json.loads(py_state["bytes"])["packages"]
    if all(isinstance(v, str) for v in installed.values()) and not py_error(pcc, pcout):
        assert py_verdict == "ok", f"a fresh stamp reads {py_verdict}"


def compare_clear(run: Runner, sc: dict, stamp: str) -> None:
    stamp_file = Path(absolute(stamp, run.cwd))
    build(sc, run.root)
    rc, _, rerr = run.rust("clear")
    rust_left = os.path.lexists(stamp_file)
    build(sc, run.root)
    pc, pout = run.python("clear")
    py_left = os.path.lexists(stamp_file)
    assert (rc == 0) == (pc == 0), f"clear: rust rc {rc} ({rerr[:200]!r}), python {pout!r}"
    assert rust_left == py_left


# ── the tests ────────────────────────────────────────────────────────


def _param(sc: dict):
    reason = KNOWN_DISAGREEMENTS.get(sc["id"])
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(sc, id=sc["id"], marks=marks)


@pytest.mark.parametrize("sc", [_param(sc) for sc in SCENARIOS])
def test_scenario(sc: dict, workspace: dict) -> None:
    if sc["user"] is not None and os.geteuid() != 0:
        pytest.skip("changing users and user namespaces needs root")
    workspace["counter"][0] += 1
    root = workspace["top"] / f"s{workspace['counter'][0]}"
    build(sc, root)
    run = Runner(sc, root, workspace["binary"], workspace["server"])
    try:
        py_path, rust_path = compare_path(run)
        if run.binary is None:
            for op in sc["ops"]:
                if op in ("check", "versions"):
                    getattr(run, "python")(op, "--json")
            pytest.skip(f"no binary at {BINARY}")
        real = py_path and os.path.realpath(absolute(py_path, run.cwd))
        safe_to_read = not real or not (real.startswith(str(REAL_STATE)) or real.startswith("/etc/terok"))
        if "check" in sc["ops"] and safe_to_read:
            compare_check(run, sc)
        if "versions" in sc["ops"]:
            compare_versions(run)
        writable = py_path is not None and inside(py_path, root, run.cwd) and rust_path is not None
        if "write" in sc["ops"] and writable:
            compare_write(run, sc, py_path)
        if "clear" in sc["ops"] and writable:
            compare_clear(run, sc, py_path)
    except AssertionError as exc:
        raise AssertionError(f"{describe(sc)}: {exc}") from None
    finally:
        remove_tree(root)


def test_scenario_count() -> None:
    assert len(SCENARIOS) >= 600
    ids = {sc["id"] for sc in SCENARIOS}
    assert set(KNOWN_DISAGREEMENTS) <= ids, set(KNOWN_DISAGREEMENTS) - ids


def test_expected_differences_are_exercised() -> None:
    kinds = {sc["kind"] for sc in SCENARIOS}
    for kind in EXPECTED_DIFFERENCES:
        assert kind in kinds, f"no scenario proves the difference {kind}"
    doc = (REPO / "SPEC-DIFFERENCES.md").read_text()
    for kind in EXPECTED_DIFFERENCES:
        assert kind in doc, f"SPEC-DIFFERENCES.md does not list {kind}"


def test_reference_interpreter(workspace: dict) -> None:
    """The reference is CPython 3.12 with the pinned libraries, also after dropping privileges."""
    if os.geteuid() != 0:
        pytest.skip("changing users and user namespaces needs root")
    site = STAMP_PYTHON.parent.parent / "lib" / "python3.12" / "site-packages"
    for extra in ([], ["--as-user", "1000:1000"], ["--as-user", "4242:4242"], ["--userns"]):
        code, out = workspace["server"].run(extra + ["info"], {"PATH": "/usr/bin:/bin"}, str(workspace["top"]))
        assert code == 0, out
        info = json.loads(out)
        assert info["python"].startswith("3.12."), info
        assert info["implementation"] == "cpython"
        assert info["executable"] == str(STAMP_PYTHON), info
        assert {k: info.get(k) for k in RELEASED} == RELEASED, info
        assert info["module"] == str(site / "terok_sandbox" / "setup_stamp.py"), info
        assert info["paths_module"] == str(site / "terok_util" / "paths.py"), info
        assert info["packaging"].startswith("26."), info
        assert info["platformdirs"].startswith("4.14."), info
        assert info["ruamel.yaml"] == "0.19.1", info
        assert info["euid"] == {"": 0, "--as-user": int(extra[1].split(":")[0]) if extra and extra[0] == "--as-user" else 0,
                                "--userns": 0}[extra[0] if extra else ""]
        assert info["real_root"] is (not extra)


def test_system_config_layer_absent() -> None:
    """/etc/terok/config.yml cannot be faked without touching /etc: it must not exist here."""
    assert not SYSTEM_CONFIG.exists()
    assert not SYSTEM_CONFIG.parent.exists()


def test_search_path_routes_agree(workspace: dict) -> None:
    """``version()`` with ``sys.path`` swapped and ``Distribution.discover(path=...)`` agree."""
    layouts = [sc for sc in SCENARIOS if sc["kind"] == "layout"]
    assert layouts
    for sc in layouts:
        root = workspace["top"] / "routes"
        build(sc, root)
        try:
            run = Runner(sc, root, None, workspace["server"])
            code, out = run.python("versions", "--json")  # asserts no HarnessMismatch
            assert code in (0, 1)
        finally:
            remove_tree(root)
