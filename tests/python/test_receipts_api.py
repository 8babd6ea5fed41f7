"""Unit tests of ``setup_stamp.setup``, the drop-in for ``terok_util.setup``.

Every test moves the setup lock into its own temporary directory by patching
``_platform_state_base`` (as terok's own tests patch it on
``terok_util.setup``), so nothing here touches ``/var/lib/terok`` even when
run as root.  The differential suite (tests/differential/
test_receipts_differential.py) compares against the real terok-util.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import setup_stamp
from setup_stamp import setup as S
from setup_stamp.setup import (
    SetupCheck,
    SetupDowngradeError,
    SetupReceipt,
    SetupRequiredError,
    SetupStatus,
    python_identity,
    require_no_downgrade,
    require_setup,
    setup_lock,
    setup_status,
)

BUSY = "Another setup operation is already running. Retry after it finishes."


@pytest.fixture(autouse=True)
def lock_base(tmp_path, monkeypatch) -> Path:
    """The setup lock's directory for this test."""
    base = tmp_path / "lock-base"
    monkeypatch.setattr(S, "_platform_state_base", lambda: base)
    return base


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "state" / "owner" / "setup.json"


def receipt(path: Path, version: str = "1.0", owner: str = "acme", **inputs: str) -> SetupReceipt:
    return SetupReceipt(path, owner, version, inputs)


def write_raw(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def raw_receipt(owner: object = "acme", version: object = "1.0", inputs: object = None) -> str:
    return json.dumps({"owner": owner, "version": version, "inputs": inputs or {}})


# ── The API's shape ───────────────────────────────────────────────────


def test_names_and_types_match_the_reference() -> None:
    assert S.__all__ == [
        "SetupStatus",
        "SetupCheck",
        "SetupReceipt",
        "SetupRequiredError",
        "SetupDowngradeError",
        "setup_status",
        "setup_lock",
        "require_no_downgrade",
        "require_setup",
        "python_identity",
    ]
    assert issubclass(SetupStatus, enum.StrEnum)
    assert [(s.name, s.value) for s in SetupStatus] == [
        ("READY", "ready"),
        ("MISSING", "missing"),
        ("STALE", "stale"),
        ("DOWNGRADE", "downgrade"),
        ("INVALID", "invalid"),
    ]
    assert SetupStatus.STALE == "stale"
    assert issubclass(SetupDowngradeError, SetupRequiredError)
    assert issubclass(SetupRequiredError, RuntimeError)
    assert [f.name for f in dataclasses.fields(SetupCheck)] == [
        "owner",
        "component",
        "status",
        "diagnostic",
    ]
    assert SetupCheck("a", "b", SetupStatus.READY).diagnostic == ""
    assert [f.name for f in dataclasses.fields(SetupReceipt)] == [
        "path",
        "owner",
        "version",
        "inputs",
    ]
    r = SetupReceipt(Path("x"), "o", "1", {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.owner = "p"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        SetupCheck("a", "b", SetupStatus.READY).status = SetupStatus.STALE  # type: ignore[misc]


def test_lazy_reexport_from_the_package() -> None:
    assert setup_stamp.SetupReceipt is SetupReceipt
    assert setup_stamp.setup_lock is setup_lock
    assert setup_stamp.setup is S
    assert "SetupReceipt" in dir(setup_stamp)
    with pytest.raises(AttributeError):
        setup_stamp.no_such_name  # noqa: B018


def test_importing_the_package_does_not_load_the_receipt_module() -> None:
    code = (
        "import sys, json, setup_stamp\n"
        "first = 'setup_stamp.setup' in sys.modules\n"
        "setup_stamp.SetupReceipt\n"
        "second = 'setup_stamp.setup' in sys.modules\n"
        "print(json.dumps([first, second, 'packaging' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # packaging is imported only to raise InvalidVersion, never on import.
    assert json.loads(out.stdout) == [False, True, False]


# ── check(): every status and diagnostic ──────────────────────────────


def test_missing(path) -> None:
    assert receipt(path).check() == SetupCheck(
        "acme", "receipt", SetupStatus.MISSING, "Setup receipt is missing"
    )


def test_ready_after_write(path) -> None:
    r = receipt(path, a="1", b="2")
    r.write()
    check = r.check()
    assert check == SetupCheck("acme", "receipt", SetupStatus.READY, "")
    assert type(check.status) is SetupStatus


@pytest.mark.parametrize(
    ("version", "inputs"),
    [
        ("1.1", {"a": "1"}),  # newer running version
        ("1.0", {"a": "2"}),  # changed value
        ("1.0", {"a": "1", "b": "2"}),  # extra key
        ("1.0", {}),  # missing key
    ],
)
def test_stale(path, version, inputs) -> None:
    receipt(path, a="1").write()
    assert SetupReceipt(path, "acme", version, inputs).check() == SetupCheck(
        "acme", "receipt", SetupStatus.STALE, "Setup version or inputs changed"
    )


def test_equal_versions_and_input_order(path) -> None:
    write_raw(path, raw_receipt(version="1.0", inputs={"b": "2", "a": "1"}))
    assert SetupReceipt(path, "acme", "1.0.0", {"a": "1", "b": "2"}).check().status == "ready"


def test_downgrade_with_normalized_versions(path) -> None:
    write_raw(path, raw_receipt(version="v1.0RC1"))
    check = receipt(path, "1.0-1.dev0").check()
    # Running 1.0.post1.dev0 is newer than the stored 1.0rc1: stale, not a downgrade.
    assert check.status == SetupStatus.STALE
    check = receipt(path, "0.9").check()
    assert check == SetupCheck(
        "acme",
        "receipt",
        SetupStatus.DOWNGRADE,
        "Setup belongs to newer acme 1.0rc1; running 0.9",
    )
    write_raw(path, raw_receipt(version="1!0.1+Local.7"))
    assert receipt(path, "2.0").check().diagnostic == (
        "Setup belongs to newer acme 1!0.1+local.7; running 2.0"
    )


@pytest.mark.parametrize(
    ("data", "diagnostic"),
    [
        ("{", "Setup receipt cannot be read"),
        (b"\xff{}", "Setup receipt cannot be read"),
        (b"\xef\xbb\xbf" + raw_receipt().encode(), "Setup receipt cannot be read"),
        ("[]", "Setup receipt has an invalid owner or format"),
        (raw_receipt(owner="other"), "Setup receipt has an invalid owner or format"),
        (raw_receipt(owner=""), "Setup receipt has an invalid owner or format"),
        (raw_receipt(version=1), "Setup receipt has an invalid owner or format"),
        (raw_receipt(inputs={"a": 1}), "Setup receipt has an invalid owner or format"),
        ('{"owner": "acme", "version": "1.0"}', "Setup receipt has an invalid owner or format"),
        (raw_receipt(version="1.0_1"), "Setup receipt version is invalid"),
    ],
)
def test_invalid(path, data, diagnostic) -> None:
    write_raw(path, data)
    assert receipt(path).check() == SetupCheck("acme", "receipt", SetupStatus.INVALID, diagnostic)


def test_invalid_running_version(path) -> None:
    write_raw(path, raw_receipt())
    assert receipt(path, "not a version").check().diagnostic == "Setup receipt version is invalid"
    # A version that is not a str is never valid (packaging raises InvalidVersion).
    assert SetupReceipt(path, "acme", None, {}).check().diagnostic == (  # type: ignore[arg-type]
        "Setup receipt version is invalid"
    )


def test_a_directory_at_the_path_cannot_be_read(path) -> None:
    path.mkdir(parents=True)
    assert receipt(path).check().diagnostic == "Setup receipt cannot be read"


def test_odd_owners_and_inputs(path) -> None:
    receipt(path, a="1").write()
    # An owner that is not a str is another owner.
    assert SetupReceipt(path, 7, "1.0", {"a": "1"}).check().status == "invalid"  # type: ignore[arg-type]
    # Inputs with a non-str value never equal the stored ones.
    assert SetupReceipt(path, "acme", "1.0", {"a": 1}).check().status == "stale"  # type: ignore[dict-item]
    # Any mapping compares as a dict.
    from types import MappingProxyType

    assert SetupReceipt(path, "acme", "1.0", MappingProxyType({"a": "1"})).check().status == "ready"
    # A str path is accepted too.
    assert SetupReceipt(str(path), "acme", "1.0", {"a": "1"}).check().status == "ready"  # type: ignore[arg-type]


def test_a_huge_version_number_raises_like_python(path) -> None:
    write_raw(path, raw_receipt(version="9" * 4301))
    with pytest.raises(ValueError, match="Exceeds the limit"):
        receipt(path).check()


# ── write() and clear() ───────────────────────────────────────────────


def test_write_bytes_and_mode(path) -> None:
    old = os.umask(0o077)
    try:
        SetupReceipt(path, "acme", "1.0", {"z": "é", "a": "1"}).write()
    finally:
        os.umask(old)
    assert path.read_bytes() == (
        b'{"inputs": {"a": "1", "z": "\\u00e9"}, "owner": "acme", "version": "1.0"}\n'
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["setup.json"]


def test_write_replaces_and_accepts_pairs(path) -> None:
    receipt(path, a="1").write()
    SetupReceipt(path, "acme", "1.1", [("a", "2")]).write()  # type: ignore[arg-type]
    assert json.loads(path.read_text()) == {"owner": "acme", "version": "1.1", "inputs": {"a": "2"}}


@pytest.mark.parametrize(
    ("owner", "version", "inputs"),
    [
        ("", "1.0", {}),
        (None, "1.0", {}),
        (b"acme", "1.0", {}),
        ("acme", None, {}),
        ("acme", 1.0, {}),
        ("acme", "1.0", {"a": 1}),
        ("acme", "1.0", {1: "a"}),
    ],
)
def test_write_rejects_what_the_reference_rejects(path, owner, version, inputs) -> None:
    with pytest.raises(ValueError) as info:
        SetupReceipt(path, owner, version, inputs).write()
    assert type(info.value) is ValueError
    assert str(info.value) == "Setup receipt requires a string owner, version, and inputs"
    assert not path.exists()


def test_write_rejects_an_invalid_version(path) -> None:
    from packaging.version import InvalidVersion

    with pytest.raises(InvalidVersion) as info:
        receipt(path, "1.0_1").write()
    assert str(info.value) == "Invalid version: '1.0_1'"
    assert not path.exists()


def test_write_and_clear_refuse_a_downgrade(path) -> None:
    receipt(path, "2.0").write()
    before = path.read_bytes()
    message = "acme/receipt: Setup belongs to newer acme 2.0; running 1.0. Downgrades are not supported."
    for op in ("write", "clear"):
        with pytest.raises(SetupDowngradeError) as info:
            getattr(receipt(path, "1.0"), op)()
        assert str(info.value) == message
    # Refused even when the running owner's other fields are odd.
    with pytest.raises(SetupDowngradeError):
        SetupReceipt(path, "acme", "1.0", {"a": 1}).write()  # type: ignore[dict-item]
    assert path.read_bytes() == before


def test_clear(path) -> None:
    assert receipt(path).clear() is None  # missing is fine
    receipt(path).write()
    assert receipt(path, "1.5", x="y").clear() is None
    assert not path.exists()
    # An invalid receipt of another owner is cleared too.
    write_raw(path, raw_receipt(owner="other", version="99"))
    receipt(path).clear()
    assert not path.exists()


def test_a_directory_at_the_path_raises(path) -> None:
    path.mkdir(parents=True)
    with pytest.raises(IsADirectoryError):
        receipt(path).write()
    with pytest.raises(IsADirectoryError):
        receipt(path).clear()


def test_a_file_in_the_way(tmp_path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(NotADirectoryError):
        receipt(tmp_path / "f" / "setup.json").clear()
    with pytest.raises(FileExistsError):
        receipt(tmp_path / "f" / "setup.json").write()


# ── Combining checks ──────────────────────────────────────────────────


def check(owner: str, status: SetupStatus, diagnostic: str = "") -> SetupCheck:
    return SetupCheck(owner, "receipt", status, diagnostic)


def test_setup_status_priority() -> None:
    assert setup_status([]) is SetupStatus.READY
    order = [SetupStatus.DOWNGRADE, SetupStatus.INVALID, SetupStatus.MISSING, SetupStatus.STALE]
    for i, status in enumerate(order):
        checks = [check("a", s) for s in order[i:]] + [check("b", SetupStatus.READY)]
        assert setup_status(reversed(checks)) is status


def test_require_setup_and_no_downgrade() -> None:
    ready = check("a", SetupStatus.READY)
    require_setup([ready])
    require_no_downgrade([ready, check("b", SetupStatus.STALE)])
    with pytest.raises(SetupRequiredError) as info:
        require_setup([ready, check("b", SetupStatus.STALE, "changed"), check("c", SetupStatus.MISSING)])
    assert type(info.value) is SetupRequiredError
    assert str(info.value) == "b/receipt: changed; c/receipt: missing. Run setup again."
    with pytest.raises(SetupDowngradeError) as info:
        require_setup([check("b", SetupStatus.STALE), check("d", SetupStatus.DOWNGRADE, "newer")])
    assert str(info.value) == "d/receipt: newer. Downgrades are not supported."


# ── python_identity() ─────────────────────────────────────────────────


def test_python_identity(monkeypatch) -> None:
    st = Path(sys.executable).stat()
    assert json.loads(python_identity()) == [
        str(Path(sys.executable)),
        sys.version,
        [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns],
    ]
    assert python_identity() == json.dumps(
        [str(Path(sys.executable)), sys.version, [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]]
    )
    monkeypatch.setattr(sys, "executable", "/no/such//python")
    assert python_identity() == json.dumps(["/no/such/python", sys.version, None])
    monkeypatch.setattr(sys, "executable", "")
    assert python_identity() == json.dumps(["", sys.version, None])
    monkeypatch.setattr(sys, "executable", None)
    assert python_identity() == json.dumps([None, sys.version, None])


# ── setup_lock() ──────────────────────────────────────────────────────


def test_lock_file_and_reentrancy(lock_base) -> None:
    with setup_lock():
        assert (lock_base / "setup.lock").is_file()
        assert stat.S_IMODE(lock_base.stat().st_mode) & ~0o700 == 0
        with setup_lock():
            with setup_lock():
                pass
        # Still held after the nested exits: another process is refused.
        assert other_process_takes_lock(lock_base) == "busy"
    assert other_process_takes_lock(lock_base) == "acquired"
    assert (lock_base / "setup.lock").exists()  # the file stays


def test_lock_as_a_decorator(lock_base) -> None:
    calls = []

    @setup_lock()
    def setup_step(value):
        calls.append((value, other_process_takes_lock(lock_base)))
        return value * 2

    assert setup_step(1) == 2
    assert setup_step(2) == 4  # reusable: a fresh lock per call
    assert calls == [(1, "busy"), (2, "busy")]
    assert other_process_takes_lock(lock_base) == "acquired"


def test_lock_released_on_error(lock_base) -> None:
    with pytest.raises(KeyError):
        with setup_lock():
            raise KeyError("x")
    assert other_process_takes_lock(lock_base) == "acquired"


def test_another_thread_is_refused_at_once() -> None:
    entered, done = threading.Event(), threading.Event()
    outcome: list[str] = []

    def holder():
        with setup_lock():
            entered.set()
            done.wait()

    def competitor():
        try:
            with setup_lock():
                outcome.append("acquired")
        except SetupRequiredError as exc:
            outcome.append(str(exc))

    t = threading.Thread(target=holder)
    t.start()
    entered.wait()
    try:
        c = threading.Thread(target=competitor)
        c.start()
        c.join()
    finally:
        done.set()
        t.join()
    assert outcome == [BUSY]
    # Free again once the holder left.
    competitor()
    assert outcome == [BUSY, "acquired"]


def test_another_process_holding_it(lock_base) -> None:
    lock_base.mkdir(parents=True)
    # A holder that keeps the lock until its stdin closes.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys\n"
            f"fd = os.open({str(lock_base / 'setup.lock')!r}, os.O_CREAT | os.O_RDWR, 0o600)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(SetupRequiredError) as info:
            with setup_lock():
                pass
        assert str(info.value) == BUSY
        assert type(info.value) is SetupRequiredError
    finally:
        holder.stdin.close()
        holder.wait()
    with setup_lock():
        pass


def test_forked_child_neither_owns_nor_keeps_the_lock(lock_base) -> None:
    lock_file = lock_base / "setup.lock"
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    with setup_lock():
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                os.close(to_child_w)
                os.close(from_child_r)
                report = []
                # No descriptor of the lock file is left open in the child.
                fds = []
                for name in os.listdir("/proc/self/fd"):
                    try:
                        if os.path.realpath(f"/proc/self/fd/{name}") == str(lock_file):
                            fds.append(name)
                    except OSError:
                        pass
                report.append(f"fds={len(fds)}")
                try:
                    with setup_lock():
                        report.append("acquired")
                except SetupRequiredError as exc:
                    report.append(str(exc))
                os.write(from_child_w, ("|".join(report) + "\n").encode())
                os.read(to_child_r, 1)  # wait for the parent to release
                with setup_lock():
                    os.write(from_child_w, b"after-release\n")
                code = 0
            finally:
                os._exit(code)
        os.close(to_child_r)
        os.close(from_child_w)
        reader = os.fdopen(from_child_r)
        first = reader.readline()
        # The parent still holds the lock after the child's attempts...
        assert other_process_takes_lock(lock_base) == "busy"
        with setup_lock():  # ...and still owns it (re-entrant).
            pass
    # Released: the child, which must not keep a copy, can take it now.
    os.write(to_child_w, b"x")
    os.close(to_child_w)
    second = reader.readline()
    reader.close()
    _, status = os.waitpid(pid, 0)
    assert first == f"fds=0|{BUSY}\n"
    assert second == "after-release\n"
    assert os.waitstatus_to_exitcode(status) == 0


def test_default_lock_path_follows_the_platform_base(tmp_path) -> None:
    # Unpatched: the native platform base, which is /var/lib/terok for real
    # root and the user data directory otherwise.  Checked without taking it.
    base = S._ORIGINAL_PLATFORM_STATE_BASE()
    if os.geteuid() == 0:
        assert base in (Path("/var/lib/terok"), Path(os.environ["XDG_DATA_HOME"]) / "terok")
    else:
        assert base == Path(os.environ["XDG_DATA_HOME"]) / "terok"


@pytest.mark.skipif(os.geteuid() != 0, reason="drops to another user; needs root")
def test_unprivileged_default_lock_path() -> None:
    import shutil
    import tempfile

    # Not under pytest's tmp_path: its parents are private to root.
    top = Path(tempfile.mkdtemp(prefix="setup-stamp-receipt-"))
    try:
        os.chmod(top, 0o755)
        data = top / "data"
        data.mkdir()
        os.chown(data, 65534, 65534)
        run_unprivileged_lock(data)
    finally:
        shutil.rmtree(top)


def run_unprivileged_lock(data: Path) -> None:
    code = (
        # Everything is imported before dropping privileges (the interpreter
        # under /root is not readable by others).
        "import os, sys\n"
        "from setup_stamp.setup import setup_lock\n"
        "os.setgid(65534); os.setuid(65534)\n"
        f"os.environ['XDG_DATA_HOME'] = {str(data)!r}\n"
        "with setup_lock():\n"
        f"    print(os.path.exists({str(data / 'terok' / 'setup.lock')!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "True\n"


def other_process_takes_lock(lock_base: Path) -> str:
    """Whether a fresh interpreter gets the lock at ``lock_base`` right now."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "import setup_stamp.setup as S\n"
        f"S._platform_state_base = lambda: Path({str(lock_base)!r})\n"
        "try:\n"
        "    with S.setup_lock():\n"
        "        print('acquired')\n"
        "except S.SetupRequiredError as exc:\n"
        "    print('busy' if str(exc) == S._SETUP_BUSY else exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_a_path_naming_no_file(tmp_path, monkeypatch) -> None:
    import errno

    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    for spelled in (tmp_path / "sub" / "..", Path("."), Path("")):
        with pytest.raises(OSError) as info:
            receipt(spelled).write()
        # os.replace onto such a path fails with EBUSY in the reference.
        assert info.value.errno == errno.EBUSY
        assert type(info.value) is OSError
        assert receipt(spelled).check().diagnostic == "Setup receipt cannot be read"
