"""Differential tests of setup receipts: the real ``terok_util.setup``
(terok-util 0.4.0 from PyPI, pinned in requirements.txt) against

* the Python binding ``setup_stamp.setup`` (built into the venv by
  ``scripts/test``), which must agree exactly: statuses, diagnostics,
  exception types and messages (``errno`` for ``OSError``), written bytes,
  file modes and what is left on disk;
* the ``setup-stamp`` binary (``$SETUP_STAMP_BIN``, default
  ``target/debug/setup-stamp``): ``receipt check --json`` must print the
  reference's status and diagnostic with the documented exit code (0 ready, 3
  missing/stale/invalid, 4 downgrade, 1 where Python raises);
  ``receipt write|clear`` must leave the same files, exit 4 with the
  reference's message on a refused downgrade and 1 on any other error; the
  setup lock must exclude and be excluded by the reference's ``setup_lock()``.

Run::

    scripts/setup-venv
    cargo build -p setup-stamp-cli
    .venv-ref/bin/python -m pytest tests/differential/test_receipts_differential.py -q

Scenarios are generated (``receipt_scenarios.py``, fixed seed); each is built
afresh in its own directory for each implementation.  Deliberate differences
carry a ``known`` reason in the scenario and are asserted to hold exactly;
everything else must agree.  The figures (scenarios and disagreements, for
the binding and for the binary) are printed in pytest's terminal summary.

Nothing here touches ``/var/lib/terok``: the binary always gets
``--lock-file`` or ``--no-lock`` (or runs as an unprivileged user with
``XDG_DATA_HOME`` set), and both Python modules have their
``_platform_state_base`` patched to a temporary directory.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import receipt_scenarios as RS  # noqa: E402

T = pytest.importorskip(
    "terok_util.setup", reason="terok-util 0.4.0 missing: run scripts/setup-venv (requirements.txt)"
)
try:
    import setup_stamp.setup as S
except ImportError:  # the binding is not built into this venv
    S = None

BINARY = Path(os.environ.get("SETUP_STAMP_BIN", ROOT / "target" / "debug" / "setup-stamp")).resolve()
BUSY = "Another setup operation is already running. Retry after it finishes."
UNREADABLE = ("status", "invalid", "Setup receipt cannot be read")

#: Scenario counts per implementation: compared, disagreeing, deliberate differences.
TALLY = {name: {"scenarios": 0, "disagreements": 0, "known": 0} for name in ("binding", "cli")}
#: This module's test outcomes, by node id (for ``test_figures``).
OUTCOMES: dict[str, str] = {}


class _Summary:
    """Prints the figures at the end of the run, and records the outcomes."""

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "call" or report.outcome != "passed":
            OUTCOMES[report.nodeid] = report.outcome

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not any(t["scenarios"] for t in TALLY.values()):
            return
        terminalreporter.section("receipt differential summary")
        for name, t in TALLY.items():
            terminalreporter.write_line(
                f"receipts vs terok_util.setup 0.4.0 [{name}]: {t['scenarios']} scenarios, "
                f"{t['disagreements']} disagreements, {t['known']} known differences"
            )


@pytest.fixture(scope="module", autouse=True)
def summary(request):
    manager = request.config.pluginmanager
    if not manager.has_plugin("receipt-differential-summary"):
        manager.register(_Summary(), "receipt-differential-summary")


@pytest.fixture(autouse=True)
def lock_bases(tmp_path, monkeypatch):
    """Both Python modules lock under this test's directory."""
    base = tmp_path / "lock-base"
    monkeypatch.setattr(T, "_platform_state_base", lambda: base)
    if S is not None:
        monkeypatch.setattr(S, "_platform_state_base", lambda: base)
    return base


def need_binding():
    if S is None:
        pytest.skip("setup_stamp is not built into this venv (scripts/test runs maturin develop)")


def need_binary():
    if not BINARY.is_file():
        pytest.skip(f"{BINARY} missing: cargo build -p setup-stamp-cli")


def tally(name: str, disagreements: list, known: int = 0, scenarios: int = 0) -> None:
    TALLY[name]["scenarios"] += scenarios
    TALLY[name]["disagreements"] += len(disagreements)
    TALLY[name]["known"] += known


def report(disagreements: list) -> str:
    shown = "\n".join(repr(d)[:600] for d in disagreements[:15])
    return f"{len(disagreements)} disagreements:\n{shown}"


# ── Building the state at the receipt path ────────────────────────────


def build(base: Path, state) -> Path:
    """Create ``state`` under ``base``; return the receipt path."""
    parent = base / "state"
    path = parent / "setup.json"
    if state is not None and state[0] == "parent-file":
        base.mkdir(parents=True, exist_ok=True)
        parent.write_bytes(b"not a directory")
        return path
    parent.mkdir(parents=True, exist_ok=True)
    if state is None:
        return path
    kind = state[0]
    if kind == "bytes":
        path.write_bytes(state[1])
    elif kind == "dir":
        path.mkdir()
    elif kind == "symlink":
        _, target, data = state
        if data is not None:
            (parent / target).write_bytes(data)
        path.symlink_to(target)
    elif kind == "loop":
        path.symlink_to("setup.json")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to(state[1])
    else:
        raise AssertionError(state)
    return path


def snapshot(base: Path) -> list:
    """What is under ``base``: names, kinds, modes, contents, link targets."""
    out = []
    for dirpath, dirnames, filenames in os.walk(base):
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            rel = str(p.relative_to(base))
            st = p.lstat()
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                out.append((rel, "link", os.readlink(p)))
            elif stat.S_ISDIR(st.st_mode):
                out.append((rel, "dir", oct(mode)))
            elif stat.S_ISREG(st.st_mode):
                out.append((rel, "file", oct(mode), p.read_bytes()))
            else:
                out.append((rel, "other", oct(mode)))
    return sorted(out)


# ── Running the implementations ───────────────────────────────────────


def outcome(call) -> tuple:
    """A call's result or its exception, in comparable form."""
    try:
        result = call()
    except OSError as exc:
        return ("raise", type(exc).__name__, exc.errno)
    except Exception as exc:  # noqa: BLE001 - any exception is a result here
        return ("raise", type(exc).__name__, str(exc))
    return ("ok", result)


def python_check(module, sc: dict, path: Path) -> tuple:
    def call():
        c = module.SetupReceipt(path, sc["owner"], sc["version"], sc["inputs"]).check()
        assert c.owner is sc["owner"] or c.owner == sc["owner"]
        assert type(c.status).__name__ == "SetupStatus" and isinstance(c.status, str)
        return ("status", c.status.value, c.diagnostic, c.component)

    result = outcome(call)
    return result[1] if result[0] == "ok" else result


def plain(value: object) -> bool:
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def cli_receipt_args(sc: dict) -> list[str] | None:
    """``--owner/--version/--input`` for the scenario, or ``None`` when the
    command line cannot carry it (not strings, NUL, lone surrogates, a key
    with ``=``)."""
    owner, version, inputs = sc["owner"], sc["version"], sc["inputs"]
    if not (plain(owner) and plain(version) and isinstance(inputs, dict)):
        return None
    args = [f"--owner={owner}", f"--version={version}"]
    for key, value in inputs.items():
        if not (plain(key) and plain(value)) or "=" in key or len(key) + len(value) > 100_000:
            return None
        args.append(f"--input={key}={value}")
    return args


def cli_env(tmp: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp / "home"),
        "XDG_DATA_HOME": str(tmp / "xdg-data"),
        "XDG_CONFIG_HOME": str(tmp / "xdg-config"),
        "XDG_CACHE_HOME": str(tmp / "xdg-cache"),
        "LC_ALL": "C.UTF-8",
    }


def run_cli(args: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(BINARY), *args], env=env, capture_output=True, timeout=60, **kw)


def cli_check(sc: dict, path: Path, env: dict[str, str]) -> tuple:
    """The binary's answer: ``("status", status, diagnostic, component)``,
    ``("raise",)`` for exit 1, or a ``("bad", ...)`` description."""
    args = cli_receipt_args(sc)
    proc = run_cli(["receipt", "check", f"--path={path}", *args, "--json"], env)
    if proc.returncode == 1:
        return ("raise",)
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        return ("bad", proc.returncode, proc.stdout, proc.stderr)
    expected_rc = {"ready": 0, "downgrade": 4}.get(doc.get("status"), 3)
    if proc.returncode != expected_rc or doc.get("owner") != sc["owner"] or set(doc) != {
        "owner",
        "component",
        "status",
        "diagnostic",
    }:
        return ("bad", proc.returncode, doc)
    return ("status", doc["status"], doc["diagnostic"], doc["component"])


def cli_agrees(reference: tuple, cli: tuple) -> bool:
    if reference[0] == "raise":
        return cli == ("raise",)
    return cli == reference


# ── check() ───────────────────────────────────────────────────────────

CHECKS = RS.check_scenarios()
KINDS = sorted({sc["kind"] for sc in CHECKS})


@pytest.mark.parametrize("kind", KINDS)
def test_check(kind: str, tmp_path: Path) -> None:
    need_binary()
    env = cli_env(tmp_path)
    binding_bad, cli_bad = [], []
    binding_known = cli_known = binding_n = cli_n = 0
    for sc in (s for s in CHECKS if s["kind"] == kind):
        path = build(tmp_path / sc["id"], sc["state"])
        cli_args = cli_receipt_args(sc)
        if sc.get("known"):
            # A deliberate difference: ours is `invalid` at once; the
            # reference's own behaviour (where it can be run) is as stated.
            expected = (*UNREADABLE, "receipt")
            if "reference_says" in sc:
                got = python_check(T, sc, path)
                want = sc["reference_says"]
                if got[:2] != want[:2] or (want[2] is not None and got[2] != want[2]):
                    binding_bad.append((sc["id"], "reference no longer differs", got))
            if S is not None:
                binding_n += 1
                got = python_check(S, sc, path)
                if got == expected:
                    binding_known += 1
                else:
                    binding_bad.append((sc["id"], sc["known"], got))
            cli_n += 1
            # (The 1 MiB input does not fit on a command line; ours reads
            # nothing there, so any inputs give the same answer.)
            got = cli_check(sc if cli_args is not None else {**sc, "inputs": {}}, path, env)
            if got == expected:
                cli_known += 1
            else:
                cli_bad.append((sc["id"], sc["known"], got))
            continue
        reference = python_check(T, sc, path)
        if S is not None:
            binding_n += 1
            ours = python_check(S, sc, path)
            if ours != reference:
                binding_bad.append((sc["id"], reference, ours))
        if cli_args is not None:
            cli_n += 1
            ours = cli_check(sc, path, env)
            if not cli_agrees(reference, ours):
                cli_bad.append((sc["id"], reference, ours))
    tally("binding", binding_bad, binding_known, binding_n)
    tally("cli", cli_bad, cli_known, cli_n)
    assert not binding_bad, "binding: " + report(binding_bad)
    assert not cli_bad, "cli: " + report(cli_bad)


def test_cli_human_output(tmp_path: Path) -> None:
    """Without ``--json``: the status and the diagnostic, the same exit code."""
    need_binary()
    env = cli_env(tmp_path)
    bad = []
    scenarios = [sc for sc in CHECKS if sc["kind"] == "status"]
    for sc in scenarios:
        path = build(tmp_path / sc["id"], sc["state"])
        _, status, diagnostic, _ = python_check(T, sc, path)
        proc = run_cli(["receipt", "check", f"--path={path}", *cli_receipt_args(sc)], env)
        out = proc.stdout.decode()
        rc = {"ready": 0, "downgrade": 4}.get(status, 3)
        if proc.returncode != rc or status not in out or diagnostic not in out:
            bad.append((sc["id"], status, diagnostic, proc.returncode, out))
    tally("cli", bad, 0, len(scenarios))
    assert not bad, report(bad)


def test_every_status_and_diagnostic_is_covered(tmp_path: Path) -> None:
    seen = set()
    for sc in CHECKS:
        if sc.get("known") or sc["state"] in (("fifo",),):
            continue
        if sc["kind"] not in ("status", "malformed", "version"):
            continue
        path = build(tmp_path / sc["id"], sc["state"])
        got = python_check(T, sc, path)
        seen.add(got[:3] if got[0] == "status" else ("raise", got[1]))
    for expected in [
        ("status", "ready", ""),
        ("status", "missing", "Setup receipt is missing"),
        ("status", "stale", "Setup version or inputs changed"),
        ("status", "invalid", "Setup receipt cannot be read"),
        ("status", "invalid", "Setup receipt has an invalid owner or format"),
        ("status", "invalid", "Setup receipt version is invalid"),
        ("raise", "ValueError"),
    ]:
        assert expected in seen, expected
    assert any(s[:2] == ("status", "downgrade") for s in seen)


# ── write() and clear() ───────────────────────────────────────────────

WRITES = RS.write_scenarios()
UMASKS = [0o022, 0o077, 0o002, 0o027, 0o277, 0o000]


def python_mutate(module, op: str, sc: dict, path: Path) -> tuple:
    r = module.SetupReceipt(path, sc["owner"], sc["version"], sc["inputs"])
    return outcome(getattr(r, op))


def cli_mutate(op: str, sc: dict, path: Path, env: dict[str, str], lock_args: list[str]) -> tuple:
    proc = run_cli(["receipt", op, f"--path={path}", *cli_receipt_args(sc), *lock_args], env)
    return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")


def cli_mutation_agrees(reference: tuple, rc: int, stdout: bytes, stderr: str) -> bool:
    if reference[0] == "ok":
        return rc == 0
    if reference[1] == "SetupDowngradeError":
        return rc == 4 and reference[2] in stderr
    return rc == 1


@pytest.mark.parametrize("op", ["write", "clear"])
@pytest.mark.parametrize("kind", sorted({sc["kind"] for sc in WRITES}))
def test_mutation(op: str, kind: str, tmp_path: Path) -> None:
    need_binary()
    env = cli_env(tmp_path)
    binding_bad, cli_bad = [], []
    binding_n = cli_n = 0
    old_umask = os.umask(0o022)
    try:
        for index, sc in enumerate(s for s in WRITES if s["kind"] == kind):
            mask = UMASKS[index % len(UMASKS)]
            os.umask(mask)
            ref_base = tmp_path / sc["id"] / "reference"
            ref_path = build(ref_base, sc["state"])
            reference = python_mutate(T, op, sc, ref_path)
            ref_after = snapshot(ref_base)
            ref_check = python_check(T, sc, ref_path)
            if S is not None:
                binding_n += 1
                base = tmp_path / sc["id"] / "binding"
                path = build(base, sc["state"])
                ours = python_mutate(S, op, sc, path)
                after = snapshot(base)
                if (ours, after) != (reference, ref_after):
                    binding_bad.append((sc["id"], oct(mask), reference, ours, ref_after, after))
                elif python_check(S, sc, ref_path) != ref_check or python_check(T, sc, path) != ref_check:
                    # Cross-reading: each reads the other's result alike.
                    binding_bad.append((sc["id"], "cross-read", ref_check))
            if cli_receipt_args(sc) is not None:
                cli_n += 1
                base = tmp_path / sc["id"] / "cli"
                path = build(base, sc["state"])
                lock_args = ["--no-lock"] if index % 2 else [f"--lock-file={tmp_path / 'locks' / 'setup.lock'}"]
                rc, stdout, stderr = cli_mutate(op, sc, path, env, lock_args)
                after = snapshot(base)
                if not cli_mutation_agrees(reference, rc, stdout, stderr) or after != ref_after:
                    cli_bad.append((sc["id"], oct(mask), reference, (rc, stderr), ref_after, after))
                elif python_check(T, sc, path) != ref_check or not cli_agrees(
                    ref_check, cli_check(sc, ref_path, env)
                ):
                    cli_bad.append((sc["id"], "cross-read", ref_check))
    finally:
        os.umask(old_umask)
    tally("binding", binding_bad, 0, binding_n)
    tally("cli", cli_bad, 0, cli_n)
    assert not binding_bad, "binding: " + report(binding_bad)
    assert not cli_bad, "cli: " + report(cli_bad)


PATH_SPELLINGS = ["new/..", "new/deeper/../setup.json", "sub/..", "sub/.", "sub/", "sub//setup.json", "sub/./setup.json", "sub/../setup.json", ".", ""]


#: Deliberate: the same error, but the reference first creates the missing
#: parent directory of a path that names no file; ours creates nothing.
KNOWN_PATHS = {
    ("new/..", "write"): "a path ending in `..` under a missing directory: the reference "
    "creates the directory, then os.replace fails (EBUSY); we fail (EBUSY) before creating it",
}


def without_created_parent(after: list) -> list:
    return [entry for entry in after if entry[0] != "new"]


@pytest.mark.parametrize("op", ["check", "write", "clear"])
def test_path_spellings(op: str, tmp_path: Path) -> None:
    """Paths without a file name, with `.`/`..` components, trailing slashes:
    given relative to the working directory, as pathlib spells them."""
    need_binary()
    env = cli_env(tmp_path)
    sc = {"owner": RS.OWNER, "version": "1.0", "inputs": {"a": "1"}}
    bad = {"binding": [], "cli": []}
    known = 0
    cwd = os.getcwd()
    try:
        for i, spelled in enumerate(PATH_SPELLINGS):
            runs = {}
            for name in ("reference", "binding", "cli"):
                if name == "binding" and S is None or name == "cli" and not spelled:
                    continue  # (an empty --path is a usage error; "." is tested)
                base = tmp_path / str(i) / name
                (base / "sub").mkdir(parents=True)
                os.chdir(base)
                if name == "cli":
                    args = cli_receipt_args(sc) + (["--json"] if op == "check" else ["--no-lock"])
                    proc = run_cli(["receipt", op, f"--path={spelled}", *args], env, cwd=base)
                    got = (proc.returncode, proc.stdout)
                else:
                    module = T if name == "reference" else S
                    if op == "check":
                        got = python_check(module, sc, Path(spelled))
                    else:
                        got = python_mutate(module, op, sc, Path(spelled))
                runs[name] = (got, snapshot(base))
            ref, ref_after = runs["reference"]
            if (spelled, op) in KNOWN_PATHS:
                # The difference must hold exactly: same error, no directory.
                ref_after = without_created_parent(ref_after)
                assert ref_after != runs["reference"][1], "the reference no longer creates it"
                known += 1
            if "binding" in runs and runs["binding"] != (ref, ref_after):
                bad["binding"].append((spelled, runs["reference"], runs["binding"]))
            if "cli" not in runs:
                continue
            (rc, stdout), after = runs["cli"]
            if op == "check":
                doc = json.loads(stdout) if rc != 1 else None
                agrees = (
                    ref[0] == "raise" and rc == 1
                    or doc is not None and ("status", doc["status"], doc["diagnostic"], doc["component"]) == ref
                )
            else:
                agrees = cli_mutation_agrees(ref, rc, stdout, "")
            if not agrees or after != ref_after:
                bad["cli"].append((spelled, runs["reference"], runs["cli"]))
    finally:
        os.chdir(cwd)
    tally("binding", bad["binding"], known if S is not None else 0, len(PATH_SPELLINGS) if S is not None else 0)
    tally("cli", bad["cli"], known, len([p for p in PATH_SPELLINGS if p]))
    assert bad == {"binding": [], "cli": []}


def test_receipts_written_by_each_are_byte_identical(tmp_path: Path) -> None:
    """Python writes, we read, and the reverse, with byte equality and mode."""
    need_binary()
    env = cli_env(tmp_path)
    bad = {"binding": [], "cli": []}
    cases = [
        (RS.OWNER, "0.6.0", {"python": '["/usr/bin/python3", "3.12.1", [1, 2, 3, 4]]', "host_tools": "ab" * 32}),
        ("terok", "0.9.1", {}),
        ("é-owner", "1.0rc1", {"😀": "é", "a": "\t\n\\\"/"}),
        ("x", "1!2.0.post3.dev4+local.5", {str(i): str(i) * i for i in range(20)}),
    ]
    for i, (owner, version, inputs) in enumerate(cases):
        sc = {"owner": owner, "version": version, "inputs": inputs}
        ref = tmp_path / f"{i}" / "ref.json"
        T.SetupReceipt(ref, owner, version, inputs).write()
        want = (ref.read_bytes(), stat.S_IMODE(ref.stat().st_mode))
        written = {}
        if S is not None:
            p = tmp_path / f"{i}" / "binding.json"
            S.SetupReceipt(p, owner, version, inputs).write()
            written["binding"] = p
            if S.SetupReceipt(ref, owner, version, inputs).check().status != "ready":
                bad["binding"].append((i, "reads Python's receipt"))
        p = tmp_path / f"{i}" / "cli.json"
        rc, _, stderr = cli_mutate("write", sc, p, env, ["--no-lock"])
        written["cli"] = p
        if rc != 0 or cli_check(sc, ref, env)[:2] != ("status", "ready"):
            bad["cli"].append((i, "reads Python's receipt", rc, stderr))
        for name, p in written.items():
            if (p.read_bytes(), stat.S_IMODE(p.stat().st_mode)) != want:
                bad[name].append((i, "bytes or mode", p.read_bytes(), want))
            if T.SetupReceipt(p, owner, version, inputs).check().status != "ready":
                bad[name].append((i, "Python reads ours"))
    tally("binding", bad["binding"], 0, len(cases) if S is not None else 0)
    tally("cli", bad["cli"], 0, len(cases))
    assert bad == {"binding": [], "cli": []}


# ── The setup lock ────────────────────────────────────────────────────


def reference_lock_outcome() -> str:
    try:
        with T.setup_lock():
            return "acquired"
    except T.SetupRequiredError as exc:
        return "busy" if str(exc) == BUSY else f"error: {exc}"


def binding_lock_outcome() -> str:
    try:
        with S.setup_lock():
            return "acquired"
    except S.SetupRequiredError as exc:
        return "busy" if str(exc) == BUSY else f"error: {exc}"


def test_lock_held_by_python(tmp_path: Path, lock_bases: Path) -> None:
    """The reference's setup_lock() excludes the binding and the binary."""
    need_binary()
    env = cli_env(tmp_path)
    lock_file = lock_bases / "setup.lock"
    receipt = tmp_path / "r" / "setup.json"
    sc = {"owner": RS.OWNER, "version": "1.0", "inputs": {}}
    bad = {"binding": [], "cli": []}
    with T.setup_lock():
        assert lock_file.is_file()
        if S is not None and binding_lock_outcome() != "busy":
            bad["binding"].append("binding setup_lock() was not refused")
        proc = run_cli(["lock", f"--lock-file={lock_file}", "--", "true"], env)
        if proc.returncode != 1 or BUSY not in proc.stderr.decode():
            bad["cli"].append(("lock", proc.returncode, proc.stderr))
        rc, _, stderr = cli_mutate("write", sc, receipt, env, [f"--lock-file={lock_file}"])
        if rc != 1 or BUSY not in stderr or receipt.exists():
            bad["cli"].append(("write", rc, stderr))
    # Released: both take it.
    if S is not None and binding_lock_outcome() != "acquired":
        bad["binding"].append("binding setup_lock() after release")
    proc = run_cli(["lock", f"--lock-file={lock_file}", "--", "true"], env)
    if proc.returncode != 0:
        bad["cli"].append(("lock after release", proc.returncode, proc.stderr))
    tally("binding", bad["binding"], 0, 2 if S is not None else 0)
    tally("cli", bad["cli"], 0, 3)
    assert bad == {"binding": [], "cli": []}


def hold_with_cli(lock_args: list[str], env: dict[str, str], **kw) -> subprocess.Popen:
    """``setup-stamp lock -- sh`` holding the lock until its stdin closes."""
    proc = subprocess.Popen(
        [str(BINARY), "lock", *lock_args, "--", "sh", "-c", "echo held; read line"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )
    line = proc.stdout.readline()
    if line != b"held\n":
        proc.kill()
        proc.wait()
        raise AssertionError(f"the lock command did not start: {line!r} {proc.stderr.read()!r}")
    return proc


def release(proc: subprocess.Popen) -> int:
    proc.stdin.write(b"go\n")
    proc.stdin.close()
    return proc.wait(timeout=60)


def test_lock_held_by_the_binary(tmp_path: Path, lock_bases: Path) -> None:
    """``setup-stamp lock -- CMD`` excludes the reference and the binding."""
    need_binary()
    env = cli_env(tmp_path)
    lock_bases.mkdir(parents=True)
    holder = hold_with_cli([f"--lock-file={lock_bases / 'setup.lock'}"], env)
    try:
        reference = reference_lock_outcome()
        ours = binding_lock_outcome() if S is not None else None
    finally:
        rc = release(holder)
    bad = []
    if reference != "busy" or rc != 0:
        bad.append(("reference while the binary holds it", reference, rc))
    if reference_lock_outcome() != "acquired":
        bad.append("reference after release")
    tally("cli", bad, 0, 1)
    if S is not None:
        binding_bad = [] if ours == "busy" else [("binding while the binary holds it", ours)]
        tally("binding", binding_bad, 0, 1)
        bad += binding_bad
    assert not bad


@pytest.mark.skipif(os.geteuid() != 0, reason="drops to another user; needs root")
def test_default_lock_path_as_an_unprivileged_user() -> None:
    """Without ``--lock-file``: the binary and the reference, both as an
    unprivileged user with ``XDG_DATA_HOME`` set, meet at the same lock."""
    need_binary()
    top = Path(tempfile.mkdtemp(prefix="setup-stamp-receipt-lock-"))
    try:
        os.chmod(top, 0o755)
        data = top / "data"
        data.mkdir()
        os.chown(data, 65534, 65534)
        binary = top / "setup-stamp"
        shutil.copy2(BINARY, binary)
        os.chmod(binary, 0o755)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(top), "XDG_DATA_HOME": str(data), "LC_ALL": "C.UTF-8"}

        def drop():
            os.setgid(65534)
            os.setgroups([])
            os.setuid(65534)

        holder = subprocess.Popen(
            [str(binary), "lock", "--", "sh", "-c", "echo held; read line"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=drop,
        )
        try:
            assert holder.stdout.readline() == b"held\n", holder.stderr.read()
            got = reference_as_unprivileged(data)
        finally:
            rc = release(holder)
        bad = [] if (got, rc) == ("busy", 0) else [(got, rc)]
        assert (data / "terok" / "setup.lock").is_file()
        tally("cli", bad, 0, 1)
        assert not bad
    finally:
        shutil.rmtree(top)


def reference_as_unprivileged(data: Path) -> str:
    """``terok_util.setup.setup_lock()`` unpatched, in a forked child running
    as nobody with ``XDG_DATA_HOME=data``."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read)
            os.setgid(65534)
            os.setgroups([])
            os.setuid(65534)
            os.environ["XDG_DATA_HOME"] = str(data)
            import terok_util.paths as paths

            T._platform_state_base = paths._platform_state_base
            os.write(write, reference_lock_outcome().encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as stream:
        answer = stream.read().decode()
    os.waitpid(pid, 0)
    return answer


def test_write_inside_the_binarys_lock(tmp_path: Path) -> None:
    """Inside ``setup-stamp lock``, ``receipt write`` does not take the lock
    again, and Python's setup_lock() stays refused meanwhile."""
    need_binary()
    env = cli_env(tmp_path)
    lock_file = tmp_path / "locks" / "setup.lock"
    receipt = tmp_path / "r" / "setup.json"
    proc = run_cli(
        [
            "lock",
            f"--lock-file={lock_file}",
            "--",
            str(BINARY),
            "receipt",
            "write",
            f"--path={receipt}",
            f"--owner={RS.OWNER}",
            "--version=1.0",
            f"--lock-file={lock_file}",
        ],
        env,
    )
    bad = [] if proc.returncode == 0 and receipt.is_file() else [(proc.returncode, proc.stderr)]
    tally("cli", bad, 0, 1)
    assert not bad


# ── python_identity() ─────────────────────────────────────────────────


def test_python_identity(tmp_path: Path, monkeypatch) -> None:
    """The running interpreter's identity, for every shape ``sys.executable``
    can take: the real one, a symlink (stat follows it, the text does not),
    a missing file, a relative path, odd spellings, bytes that are not UTF-8,
    empty and ``None``."""
    need_binding()
    link = tmp_path / "python-link"
    link.symlink_to(sys.executable)
    (tmp_path / "rel").mkdir()
    odd = os.fsdecode(bytes(tmp_path) + b"/py\xff\xfe")
    open(os.fsencode(odd), "wb").close()
    monkeypatch.chdir(tmp_path)
    variants = [
        sys.executable,
        str(link),
        str(tmp_path / "missing" / "python"),
        "python-link",
        "rel/../python-link",
        f"{tmp_path}//rel/./../python-link",
        str(tmp_path / "rel") + "/",
        odd,
        "é/python",
        "",
        None,
    ]
    bad = []
    for executable in variants:
        monkeypatch.setattr(sys, "executable", executable)
        for version in (sys.version, "3.12.1 (main, é 😀)", ""):
            monkeypatch.setattr(sys, "version", version)
            ref, ours = outcome(T.python_identity), outcome(S.python_identity)
            if ref != ours:
                bad.append((executable, version, ref, ours))
    tally("binding", bad, 0, len(variants) * 3)
    assert not bad, report(bad)


# ── Interleaved use ───────────────────────────────────────────────────


def test_interleaved_sequences(tmp_path: Path) -> None:
    """Random sequences of check/write/clear on one receipt, each step done by
    the reference, the binding or the binary in turn, must leave the same
    files and answer the same as the reference doing every step alone: each
    reads what the others wrote."""
    need_binary()
    import random

    rng = random.Random(RS.SEED + 2)
    env = cli_env(tmp_path)
    actors = ["reference", "cli"] + (["binding"] if S is not None else [])
    bad = {"binding": [], "cli": []}
    steps = {"binding": 0, "cli": 0}
    for seq in range(60):
        alone = tmp_path / f"seq{seq}" / "alone"
        mixed = tmp_path / f"seq{seq}" / "mixed"
        alone_path, mixed_path = build(alone, None), build(mixed, None)
        last_writer = "reference"
        for step in range(10):
            actor = rng.choice(actors)
            op = rng.choice(["check", "check", "write", "write", "write", "clear"])
            sc = {
                "owner": RS.OWNER if rng.random() < 0.9 else "terok",
                "version": rng.choice(["0.9", "1.0", "1.0.0", "v1.0", "1.1rc1", "1.1", "2.0.dev0", "1!0.1"]),
                "inputs": rng.choice([{}, {"a": "1"}, {"a": "2"}, {"a": "1", "b": "é"}]),
            }
            if op == "check":
                want = python_check(T, sc, alone_path)
            else:
                want = python_mutate(T, op, sc, alone_path)
            if actor == "cli":
                if op == "check":
                    agrees = cli_agrees(want, cli_check(sc, mixed_path, env))
                else:
                    rc, stdout, stderr = cli_mutate(op, sc, mixed_path, env, ["--no-lock"])
                    agrees = cli_mutation_agrees(want, rc, stdout, stderr)
            else:
                module = T if actor == "reference" else S
                if op == "check":
                    got = python_check(module, sc, mixed_path)
                else:
                    got = python_mutate(module, op, sc, mixed_path)
                agrees = got == want
            agrees = agrees and snapshot(alone) == snapshot(mixed)
            if actor != "reference":
                steps[actor] += 1
                if not agrees:
                    bad[actor].append((seq, step, actor, op, sc, want, snapshot(alone), snapshot(mixed)))
                    break
            elif not agrees:
                # The reference disagrees with itself on what another wrote.
                blame = last_writer if last_writer != "reference" else "cli"
                bad[blame].append((seq, step, f"reference after {last_writer}", op, sc, want))
                break
            if op != "check":
                last_writer = actor
    tally("binding", bad["binding"], 0, steps["binding"])
    tally("cli", bad["cli"], 0, steps["cli"])
    assert bad == {"binding": [], "cli": []}


# ── Mutual exclusion under contention ─────────────────────────────────

_CONTENDER = """
import os, sys, time
from pathlib import Path
import {module} as M
M._platform_state_base = lambda: Path({base!r})
marker = {marker!r}
# Everyone starts together, and holds the lock for a moment: contention.
while not os.path.exists({go!r}):
    time.sleep(0.001)
held = busy = 0
for _ in range({rounds}):
    try:
        with M.setup_lock():
            # Exclusive creation fails if another holder is inside too.
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            time.sleep(0.001)
            os.close(fd)
            os.unlink(marker)
            held += 1
    except M.SetupRequiredError as exc:
        assert str(exc) == M._SETUP_BUSY, exc
        busy += 1
print(held, busy)
"""


def test_mutual_exclusion_under_contention(tmp_path: Path) -> None:
    """The reference, the binding and the binary hammering one lock at once:
    the lock is contended (it is held and refused), never two holders at
    once (an exclusively created marker file proves it), and every refusal
    is the busy message."""
    need_binary()
    base = tmp_path / "lock-base"
    marker = str(tmp_path / "inside")
    go = tmp_path / "go"
    modules = ["terok_util.setup"] + (["setup_stamp.setup"] if S is not None else [])
    procs = []
    for i in range(4):
        module = modules[i % len(modules)]
        code = _CONTENDER.format(module=module, base=str(base), marker=marker, go=str(go), rounds=300)
        procs.append((module, subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    env = cli_env(tmp_path)
    go.touch()
    cli_bad = cli_busy = 0
    for _ in range(40):
        proc = run_cli(
            ["lock", f"--lock-file={base / 'setup.lock'}", "--", "sh", "-c", f"set -C; : > {marker} && rm {marker}"],
            env,
        )
        stderr = proc.stderr.decode()
        if proc.returncode == 1 and BUSY in stderr:
            cli_busy += 1
        elif proc.returncode != 0:
            cli_bad += 1
    results = []
    for module, proc in procs:
        out, err = proc.communicate(timeout=300)
        results.append((module, proc.returncode, [int(n) for n in out.decode().split()], err.decode()[-500:]))
    bad = [r for r in results if r[1] != 0 or len(r[2]) != 2]
    tally("binding", [r for r in bad if r[0] == "setup_stamp.setup"], 0, 2 if S is not None else 0)
    tally("cli", [cli_bad] if cli_bad else [], 0, 1)
    assert not bad, bad
    assert cli_bad == 0
    assert not os.path.exists(marker)
    held, refused = (sum(r[2][i] for r in results) for i in (0, 1))
    assert held > 0 and refused > 0, f"the lock was not contended (held {held}, refused {refused}): {results}"
    print(f"contention: {refused} refusals among the Python contenders, {cli_busy} of 40 for the binary")


def test_repeated_cli_inputs_keep_the_last_value(tmp_path: Path) -> None:
    """``--input k=1 --input k=2`` is the mapping ``{"k": "2"}``, as a dict
    built from the same pairs: checked and written alike."""
    need_binary()
    env = cli_env(tmp_path)
    pairs = [("k", "1"), ("a", "x"), ("k", "2"), ("a", "x"), ("b", "")]
    inputs = dict(pairs)
    args = [f"--owner={RS.OWNER}", "--version=1.0", *(f"--input={k}={v}" for k, v in pairs)]
    ref = tmp_path / "ref" / "setup.json"
    T.SetupReceipt(ref, RS.OWNER, "1.0", inputs).write()
    ours = tmp_path / "cli" / "setup.json"
    written = run_cli(["receipt", "write", f"--path={ours}", *args, "--no-lock"], env)
    bad = []
    if written.returncode != 0 or ours.read_bytes() != ref.read_bytes():
        bad.append(("write", written.returncode, written.stderr))
    checked = run_cli(["receipt", "check", f"--path={ref}", *args, "--json"], env)
    if checked.returncode != 0 or json.loads(checked.stdout)["status"] != "ready":
        bad.append(("check", checked.returncode, checked.stdout))
    stale = {**inputs, "k": "1"}
    if T.SetupReceipt(ref, RS.OWNER, "1.0", stale).check().status != "stale":
        bad.append("the reference sees the first value as a change")
    tally("cli", bad, 0, 2)
    assert not bad


def test_figures(request) -> None:
    """The figures of the summary, after every other test of this module (it
    is the module's last test): nothing disagreed, and each implementation
    was compared at least on every check and write scenario of the tests
    that ran (so a test that silently compares nothing fails here)."""
    mine = [item for item in request.session.items if item.module is request.module]
    assert mine[-1] is request.node, "test_figures must be the last test of its module"
    others = mine[:-1]
    not_passed = [item.nodeid for item in others if OUTCOMES.get(item.nodeid) != "passed"]
    if not_passed:
        pytest.skip(f"the figures are incomplete: {len(not_passed)} tests of this module did not pass")
    want = {"binding": 0, "cli": 0}
    for item in others:
        params = item.callspec.params if hasattr(item, "callspec") else {}
        if item.originalname == "test_check":
            scenarios = [sc for sc in CHECKS if sc["kind"] == params["kind"]]
            want["cli"] += sum(1 for sc in scenarios if sc.get("known") or cli_receipt_args(sc) is not None)
        elif item.originalname == "test_mutation":
            scenarios = [sc for sc in WRITES if sc["kind"] == params["kind"]]
            want["cli"] += sum(1 for sc in scenarios if cli_receipt_args(sc) is not None)
        else:
            continue
        if S is not None:
            want["binding"] += len(scenarios)
    for name, t in TALLY.items():
        assert t["disagreements"] == 0, (name, t)
        assert t["scenarios"] >= want[name], (name, t, want)
