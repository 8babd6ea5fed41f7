"""The reference module's public API, behaviour by behaviour, on the extension.

Mirrors the reference's own tests (the five verdicts against a real on-disk
stamp, the write/check round trip, the atomic write, clear, corrupt stamps,
``TEROK_ROOT``) and adds the exception contract of ``read_stamp``.
"""

from __future__ import annotations

import enum
import inspect
import json
import os
import pathlib
import shutil
import tempfile
from datetime import datetime, timedelta, timezone

import pytest

import setup_stamp
from setup_stamp import (
    SetupVerdict,
    clear_stamp,
    needs_setup,
    stamp_path,
    write_stamp,
)

REFERENCE_ALL = ["SetupVerdict", "clear_stamp", "needs_setup", "stamp_path", "write_stamp"]


def put_stamp(content: str | bytes) -> pathlib.Path:
    """Write *content* at the stamp path (creating its directory)."""
    path = stamp_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def stamp_of(packages: dict, version=1) -> str:
    """A well-formed stamp document."""
    return json.dumps({"version": version, "completed_at": "x", "packages": packages})


# ── The module's surface ───────────────────────────────────────────────


def test_all_equals_the_reference() -> None:
    assert setup_stamp.__all__ == REFERENCE_ALL


@pytest.mark.parametrize(
    "name",
    [
        *REFERENCE_ALL,
        "installed_versions",
        "read_stamp",
        "_compare_versions",
        "_compare",
        "_installed_versions",
        "_read_stamp",
        "_STAMP_SCHEMA_VERSION",
        "_STAMP_FILENAME",
        "_TRACKED_PACKAGES",
    ],
)
def test_every_reference_name_is_importable(name: str) -> None:
    namespace: dict = {}
    exec(f"from setup_stamp import {name}", namespace)
    assert namespace[name] is getattr(setup_stamp, name)


def test_reference_constants() -> None:
    assert setup_stamp._STAMP_SCHEMA_VERSION == 1
    assert setup_stamp._STAMP_FILENAME == "setup.stamp"
    assert setup_stamp._TRACKED_PACKAGES == (
        "terok",
        "terok-executor",
        "terok-sandbox",
        "terok-shield",
        "terok-clearance",
    )


def test_setup_verdict_is_an_enum_with_the_reference_members() -> None:
    assert issubclass(SetupVerdict, enum.Enum)
    assert [(m.name, m.value) for m in SetupVerdict] == [
        ("OK", "ok"),
        ("FIRST_RUN", "first_run"),
        ("STALE_AFTER_UPDATE", "stale_after_update"),
        ("STALE_AFTER_DOWNGRADE", "stale_after_downgrade"),
        ("STAMP_CORRUPT", "stamp_corrupt"),
    ]
    assert SetupVerdict("stamp_corrupt") is SetupVerdict.STAMP_CORRUPT


@pytest.mark.parametrize(
    "func",
    [
        stamp_path,
        needs_setup,
        write_stamp,
        clear_stamp,
        setup_stamp.installed_versions,
        setup_stamp.read_stamp,
        setup_stamp._compare_versions,
        setup_stamp._compare,
        setup_stamp.check_report,
    ],
)
def test_every_function_has_a_docstring(func) -> None:
    assert inspect.getdoc(func)


def test_signatures_match_the_reference() -> None:
    for func in (stamp_path, needs_setup, write_stamp, clear_stamp, setup_stamp.installed_versions):
        assert not inspect.signature(func).parameters
    assert list(inspect.signature(setup_stamp.read_stamp).parameters) == ["path"]
    assert list(inspect.signature(setup_stamp._compare_versions).parameters) == ["a", "b"]


def test_typing_files_ship_with_the_package() -> None:
    package_dir = pathlib.Path(setup_stamp.__file__).parent
    assert (package_dir / "py.typed").is_file()
    assert (package_dir / "__init__.pyi").is_file()
    assert (package_dir / "_native.pyi").is_file()


# ── Verdicts ───────────────────────────────────────────────────────────


def test_first_run_when_stamp_absent() -> None:
    assert needs_setup() is SetupVerdict.FIRST_RUN


def test_ok_after_write_with_unchanged_packages(monkeypatch) -> None:
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"terok-sandbox": "0.0.95"})
    write_stamp()
    assert needs_setup() is SetupVerdict.OK


def test_stale_after_update_when_installed_is_newer(monkeypatch) -> None:
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"terok-sandbox": "0.0.95"})
    write_stamp()
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"terok-sandbox": "0.0.96"})
    assert needs_setup() is SetupVerdict.STALE_AFTER_UPDATE


def test_stale_after_downgrade_when_installed_is_older(monkeypatch) -> None:
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"terok-sandbox": "0.0.95"})
    write_stamp()
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"terok-sandbox": "0.0.90"})
    assert needs_setup() is SetupVerdict.STALE_AFTER_DOWNGRADE


def test_stale_after_downgrade_when_installed_lost_a_package(monkeypatch) -> None:
    monkeypatch.setattr(
        setup_stamp,
        "installed_versions",
        lambda: {"terok-sandbox": "0.0.95", "terok-shield": "0.6.30"},
    )
    write_stamp()
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"terok-sandbox": "0.0.95"})
    assert needs_setup() is SetupVerdict.STALE_AFTER_DOWNGRADE


@pytest.mark.parametrize("helper", ["installed_versions", "_installed_versions"])
def test_both_spellings_of_installed_versions_can_be_patched(monkeypatch, helper) -> None:
    """Older reference releases (and their tests) name the helper ``_installed_versions``."""
    monkeypatch.setattr(setup_stamp, helper, lambda: {"terok": "1.0"})
    write_stamp()
    assert setup_stamp.read_stamp(stamp_path()) == {"terok": "1.0"}
    monkeypatch.setattr(setup_stamp, helper, lambda: {"terok": "1.1"})
    assert needs_setup() is SetupVerdict.STALE_AFTER_UPDATE


def test_patched_installed_versions_is_consulted_only_after_a_good_read(monkeypatch) -> None:
    calls = []

    def installed():
        calls.append(1)
        return {}

    monkeypatch.setattr(setup_stamp, "installed_versions", installed)
    assert needs_setup() is SetupVerdict.FIRST_RUN
    put_stamp("not json")
    assert needs_setup() is SetupVerdict.STAMP_CORRUPT
    assert calls == []
    put_stamp(stamp_of({}))
    assert needs_setup() is SetupVerdict.OK
    assert calls == [1]


def test_patched_compare_versions_is_used(monkeypatch) -> None:
    put_stamp(stamp_of({"terok": "1.0"}))
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"terok": "1.0"})
    assert needs_setup() is SetupVerdict.OK
    monkeypatch.setattr(setup_stamp, "_compare_versions", lambda a, b: -1)
    assert needs_setup() is SetupVerdict.STALE_AFTER_DOWNGRADE


def test_patched_stamp_path_is_used(monkeypatch, tmp_path) -> None:
    elsewhere = tmp_path / "elsewhere" / "my.stamp"
    monkeypatch.setattr(setup_stamp, "stamp_path", lambda: elsewhere)
    assert needs_setup() is SetupVerdict.FIRST_RUN
    elsewhere.parent.mkdir()
    elsewhere.write_text("[]", encoding="utf-8")
    assert needs_setup() is SetupVerdict.STAMP_CORRUPT
    assert clear_stamp() is True
    assert clear_stamp() is False


def test_patched_module_constants_are_used(monkeypatch, site, isolated_root) -> None:
    site.install_all({"terok": "1.0", "extra-tool": "3.0"})
    monkeypatch.setattr(setup_stamp, "_TRACKED_PACKAGES", ("extra-tool",))
    monkeypatch.setattr(setup_stamp, "_STAMP_FILENAME", "other.stamp")
    assert setup_stamp.installed_versions() == {"extra-tool": "3.0"}
    assert stamp_path() == isolated_root / "other.stamp"
    assert write_stamp() == isolated_root / "other.stamp"
    assert needs_setup() is SetupVerdict.OK
    assert clear_stamp() is True


def test_installed_none_version_raises_type_error_when_reached(monkeypatch) -> None:
    """A distribution without ``Version``: the reference's comparison raises ``TypeError``."""
    put_stamp(stamp_of({"terok": "1.0"}))
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"terok": None})
    with pytest.raises(TypeError):
        needs_setup()
    # A downgrade found before that package answers first.
    put_stamp(stamp_of({"terok-shield": "1.0", "terok": "1.0"}))
    assert needs_setup() is SetupVerdict.STALE_AFTER_DOWNGRADE


def test_stamp_corrupt_when_unparseable() -> None:
    put_stamp("not json")
    assert needs_setup() is SetupVerdict.STAMP_CORRUPT


def test_stamp_corrupt_when_schema_version_mismatch() -> None:
    put_stamp(json.dumps({"version": 999, "completed_at": "x", "packages": {}}))
    assert needs_setup() is SetupVerdict.STAMP_CORRUPT


CORRUPT_STAMPS = {
    "root-is-array": json.dumps([1, 2, 3]),
    "root-is-string": '"stamp"',
    "root-is-null": "null",
    "root-is-number": "1",
    "packages-is-string": json.dumps({"version": 1, "completed_at": "x", "packages": "oops"}),
    "packages-is-list": json.dumps({"version": 1, "packages": []}),
    "packages-is-null": json.dumps({"version": 1, "packages": None}),
    "packages-missing": json.dumps({"version": 1}),
    "version-missing": json.dumps({"packages": {}}),
    "version-is-string": json.dumps({"version": "1", "packages": {}}),
    "version-is-2": json.dumps({"version": 2, "packages": {}}),
    "version-is-false": json.dumps({"version": False, "packages": {}}),
    "version-is-nan": '{"version": NaN, "packages": {}}',
    "empty": "",
    "whitespace": "  \n\t ",
    "truncated": '{"version": 1, "packages": {',
    "trailing-garbage": '{"version": 1, "packages": {}} x',
    "single-quotes": "{'version': 1}",
    "bom": b"\xef\xbb\xbf" + json.dumps({"version": 1, "packages": {}}).encode(),
    "invalid-utf8": b'{"version": 1, "packages": {"terok": "\xff"}}',
    "utf16": json.dumps({"version": 1, "packages": {}}).encode("utf-16"),
    "control-char-in-string": '{"version": 1, "packages": {"terok": "a\x01"}}',
}


@pytest.mark.parametrize("content", list(CORRUPT_STAMPS.values()), ids=list(CORRUPT_STAMPS))
def test_stamp_corrupt_when_shape_is_wrong(content) -> None:
    put_stamp(content)
    assert needs_setup() is SetupVerdict.STAMP_CORRUPT


@pytest.mark.parametrize(
    "version",
    ["1", "1.0", "true", "1e0", "10e-1", "0.1e1", "1.0000000000000001"],
)
def test_versions_equal_to_one_are_accepted(version: str) -> None:
    put_stamp('{"version": %s, "packages": {}}' % version)
    assert needs_setup() is SetupVerdict.OK


def test_stamp_corrupt_when_path_is_a_directory() -> None:
    stamp_path().mkdir(parents=True, exist_ok=True)
    assert needs_setup() is SetupVerdict.STAMP_CORRUPT


def test_stamp_corrupt_when_path_is_a_fifo_without_blocking() -> None:
    path = stamp_path()
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    assert needs_setup() is SetupVerdict.STAMP_CORRUPT


def test_first_run_when_stamp_is_a_dangling_symlink() -> None:
    path = stamp_path()
    path.parent.mkdir(parents=True)
    path.symlink_to(path.parent / "missing")
    assert needs_setup() is SetupVerdict.FIRST_RUN


def test_first_run_when_a_parent_is_a_file(monkeypatch, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("TEROK_ROOT", str(blocker))
    assert needs_setup() is SetupVerdict.FIRST_RUN


def test_empty_packages_is_ok_with_nothing_installed(monkeypatch) -> None:
    put_stamp(stamp_of({}))
    assert needs_setup() is SetupVerdict.OK


def test_stamp_order_decides_between_downgrade_and_type_error(monkeypatch) -> None:
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"a": "2", "b": "1"})
    put_stamp(stamp_of({"a": "1", "b": "2"}))
    assert needs_setup() is SetupVerdict.STALE_AFTER_DOWNGRADE
    put_stamp(stamp_of({"a": "1", "b": "1"}))
    assert needs_setup() is SetupVerdict.STALE_AFTER_UPDATE


# ── The native path, on real distribution metadata from sys.path ───────


def test_installed_versions_reads_sys_path_at_call_time(site) -> None:
    assert setup_stamp.installed_versions() == {}
    site.install("terok-sandbox", "0.0.95")
    site.install("terok", "0.9.1")
    site.install("unrelated", "1.0")
    assert setup_stamp.installed_versions() == {"terok": "0.9.1", "terok-sandbox": "0.0.95"}
    assert list(setup_stamp.installed_versions()) == ["terok", "terok-sandbox"]
    site.remove("terok")
    assert setup_stamp.installed_versions() == {"terok-sandbox": "0.0.95"}


def test_installed_versions_follows_sys_path_changes(site, monkeypatch, tmp_path) -> None:
    site.install("terok", "1.0")
    other = tmp_path / "other-site"
    other.mkdir()
    (other / "terok-5.dist-info").mkdir()
    (other / "terok-5.dist-info" / "METADATA").write_text("Name: terok\nVersion: 2.0\n", encoding="utf-8")
    assert setup_stamp.installed_versions() == {"terok": "1.0"}
    monkeypatch.syspath_prepend(str(other))
    assert setup_stamp.installed_versions() == {"terok": "2.0"}


def test_installed_version_without_version_header_is_none(site) -> None:
    site.install("terok-shield", None)
    assert setup_stamp.installed_versions() == {"terok-shield": None}


def test_round_trip_on_real_metadata(site) -> None:
    site.install_all({"terok": "0.9.1", "terok-sandbox": "0.6.0"})
    assert needs_setup() is SetupVerdict.FIRST_RUN
    path = write_stamp()
    assert setup_stamp.read_stamp(path) == {"terok": "0.9.1", "terok-sandbox": "0.6.0"}
    assert needs_setup() is SetupVerdict.OK
    site.install("terok-shield", "0.9.0")  # newly installed, not stamped: ignored
    assert needs_setup() is SetupVerdict.OK
    site.install("terok", "0.10.0")
    assert needs_setup() is SetupVerdict.STALE_AFTER_UPDATE
    site.install("terok-sandbox", "0.5.9")
    assert needs_setup() is SetupVerdict.STALE_AFTER_DOWNGRADE
    site.install("terok-sandbox", "0.6.0")
    site.remove("terok")
    assert needs_setup() is SetupVerdict.STALE_AFTER_DOWNGRADE


# ── write_stamp / clear_stamp ──────────────────────────────────────────


def test_write_stamp_atomic_via_tmp_then_rename(monkeypatch) -> None:
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"x": "1.0.0"})
    path = write_stamp()
    assert isinstance(path, pathlib.Path)
    assert path == stamp_path()
    assert path.is_file()
    assert not path.with_suffix(path.suffix + ".tmp").exists()
    assert sorted(p.name for p in path.parent.iterdir()) == ["setup.stamp"]
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert payload["version"] == 1
    assert payload["packages"] == {"x": "1.0.0"}
    assert datetime.fromisoformat(payload["completed_at"])


def test_write_stamp_bytes_are_the_references(site) -> None:
    site.install_all({"terok-shield": "0.9.0", "terok": "0.9.1", "terok-executor": "0.5.0"})
    before = datetime.now(timezone.utc).replace(microsecond=0)
    path = write_stamp()
    after = datetime.now(timezone.utc)
    raw = path.read_bytes()
    payload = json.loads(raw)
    expected = json.dumps(
        {
            "version": 1,
            "completed_at": payload["completed_at"],
            "packages": {"terok": "0.9.1", "terok-executor": "0.5.0", "terok-shield": "0.9.0"},
        },
        indent=2,
        sort_keys=True,
    ).encode("utf-8")
    assert raw == expected
    assert not raw.endswith(b"\n")
    stamped_at = datetime.fromisoformat(payload["completed_at"])
    assert stamped_at.utcoffset() == timedelta(0)
    assert payload["completed_at"].endswith("+00:00")
    assert before <= stamped_at <= after
    assert sorted(p.name for p in path.parent.iterdir()) == ["setup.stamp"]


def test_write_stamp_creates_parent_directories(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TEROK_ROOT", str(tmp_path / "a" / "b" / "c"))
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {})
    path = write_stamp()
    assert path == tmp_path / "a" / "b" / "c" / "setup.stamp"
    assert json.loads(path.read_text(encoding="utf-8"))["packages"] == {}


def test_write_stamp_file_mode_follows_umask(site) -> None:
    old = os.umask(0o027)
    try:
        path = write_stamp()
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o640


def test_write_stamp_over_a_directory_raises() -> None:
    stamp_path().mkdir(parents=True)
    with pytest.raises(OSError):
        write_stamp()


def test_write_stamp_replaces_an_existing_stamp(monkeypatch) -> None:
    put_stamp("garbage")
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"terok": "1"})
    write_stamp()
    assert needs_setup() is SetupVerdict.OK


def test_clear_stamp_removes_file_returns_true(monkeypatch) -> None:
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"x": "1.0.0"})
    write_stamp()
    assert clear_stamp() is True
    assert not stamp_path().exists()
    assert clear_stamp() is False


def test_clear_stamp_no_op_when_absent_returns_false() -> None:
    assert clear_stamp() is False


def test_clear_stamp_on_a_directory_raises() -> None:
    stamp_path().mkdir(parents=True)
    with pytest.raises(OSError):
        clear_stamp()


# ── Where the stamp lives ──────────────────────────────────────────────


def test_stamp_path_honours_terok_root(isolated_root) -> None:
    assert stamp_path() == isolated_root / "setup.stamp"
    assert isinstance(stamp_path(), pathlib.Path)


def test_terok_root_moves_the_stamp(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {})
    write_stamp()
    assert needs_setup() is SetupVerdict.OK
    monkeypatch.setenv("TEROK_ROOT", str(tmp_path / "moved"))
    assert stamp_path() == tmp_path / "moved" / "setup.stamp"
    assert needs_setup() is SetupVerdict.FIRST_RUN


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        ("/a//b/./c/", "/a/b/c/setup.stamp"),
        ("//a", "//a/setup.stamp"),
        ("/a/../b", "/a/../b/setup.stamp"),
        (".", "setup.stamp"),
        (" ", " /setup.stamp"),
    ],
)
def test_terok_root_is_normalised_like_pathlib(monkeypatch, root, expected) -> None:
    monkeypatch.setenv("TEROK_ROOT", root)
    assert stamp_path() == pathlib.Path(root) / "setup.stamp"
    assert str(stamp_path()) == expected


def test_terok_root_tilde_is_expanded(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TEROK_ROOT", "~/state")
    assert stamp_path() == tmp_path / "home" / "state" / "setup.stamp"


# ── read_stamp: values and the reference's exceptions ──────────────────


def test_read_stamp_returns_packages_in_file_order() -> None:
    path = put_stamp('{"version": 1, "packages": {"b": "2", "a": "1", "b": "3"}}')
    result = setup_stamp.read_stamp(path)
    assert result == {"b": "3", "a": "1"}
    assert list(result) == ["b", "a"]


def test_read_stamp_accepts_str_and_path_like() -> None:
    path = put_stamp(stamp_of({"terok": "1.0"}))
    assert setup_stamp.read_stamp(str(path)) == {"terok": "1.0"}
    assert setup_stamp.read_stamp(path) == {"terok": "1.0"}


def test_read_stamp_coerces_values_with_str() -> None:
    document = (
        '{"version": 1, "packages": {"i": 12345678901234567890123, "f": 1e16, "g": 0.0001,'
        ' "h": 1e-05, "t": true, "n": null, "z": -0, "inf": Infinity, "nan": NaN,'
        ' "l": [1, "a", true, null, 1.0, {"k": "v"}], "o": {"x": "it\'s"}}}'
    )
    path = put_stamp(document)
    expected = {str(k): str(v) for k, v in json.loads(document)["packages"].items()}
    assert setup_stamp.read_stamp(path) == expected


def test_read_stamp_keeps_lone_surrogates() -> None:
    path = put_stamp('{"version": 1, "packages": {"terok": "1.0\\ud800", "\\udfff": "x"}}')
    result = setup_stamp.read_stamp(path)
    assert result == {"terok": "1.0\ud800", "\udfff": "x"}


def test_read_stamp_surrogate_pair_escape_is_one_code_point() -> None:
    path = put_stamp('{"version": 1, "packages": {"terok": "\\ud83d\\ude00"}}')
    assert setup_stamp.read_stamp(path) == {"terok": "\U0001f600"}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[1, 2, 3]", "stamp root is not an object: list"),
        ('"x"', "stamp root is not an object: str"),
        ("null", "stamp root is not an object: NoneType"),
        ("1.5", "stamp root is not an object: float"),
        ("true", "stamp root is not an object: bool"),
        ("{}", "unsupported stamp schema version: None"),
        ('{"version": "1"}', "unsupported stamp schema version: '1'"),
        ('{"version": 2}', "unsupported stamp schema version: 2"),
        ('{"version": [1]}', "unsupported stamp schema version: [1]"),
        ('{"version": NaN}', "unsupported stamp schema version: nan"),
        ('{"version": 1e400}', "unsupported stamp schema version: inf"),
        ('{"version": false}', "unsupported stamp schema version: False"),
        ('{"version": 1}', "stamp packages is not an object: NoneType"),
        ('{"version": 1, "packages": "oops"}', "stamp packages is not an object: str"),
        ('{"version": 1, "packages": [1]}', "stamp packages is not an object: list"),
        ('{"version": 1, "packages": 3}', "stamp packages is not an object: int"),
    ],
)
def test_read_stamp_shape_errors_are_value_errors_with_the_reference_text(document, message) -> None:
    path = put_stamp(document)
    with pytest.raises(ValueError) as caught:
        setup_stamp.read_stamp(path)
    assert type(caught.value) is ValueError
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        "",
        "   ",
        '{"version": 1,',
        '{"version": 1}\n\n  x',
        '{"version": 1}\r\n\r\n  x',
        '{"version": 1}\r\r  x',
        "\r\n \r\n",
        '{\n  "a": 1\n  "b": 2\n}',
        '{"a": "\\x"}',
        '{"é": tru}',
        '[1, 2,, 3]',
        "nan",
        '{"a": "\x01"}',
        "\x0c{}",
        "\u00a0{}",
    ],
)
def test_read_stamp_bad_json_raises_json_decode_error_like_json_loads(document) -> None:
    path = put_stamp(document)
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(path.read_text(encoding="utf-8"))  # the reference's read
    with pytest.raises(json.JSONDecodeError) as caught:
        setup_stamp.read_stamp(path)
    got, want = caught.value, expected.value
    assert (got.msg, got.doc, got.pos, got.lineno, got.colno) == (
        want.msg,
        want.doc,
        want.pos,
        want.lineno,
        want.colno,
    )
    assert str(got) == str(want)


def test_read_stamp_bom_raises_json_decode_error() -> None:
    path = put_stamp(b"\xef\xbb\xbf{}")
    with pytest.raises(json.JSONDecodeError) as caught:
        setup_stamp.read_stamp(path)
    assert caught.value.msg == "Unexpected UTF-8 BOM (decode using utf-8-sig)"
    assert caught.value.pos == 0


@pytest.mark.parametrize("raw", [b'{"a": "\xff"}', b"\xed\xa0\x80", b"\xc0\xaf", b"{}\x80"])
def test_read_stamp_invalid_utf8_raises_unicode_decode_error(raw) -> None:
    path = put_stamp(raw)
    with pytest.raises(UnicodeDecodeError) as expected:
        raw.decode("utf-8")
    with pytest.raises(UnicodeDecodeError) as caught:
        setup_stamp.read_stamp(path)
    assert str(caught.value) == str(expected.value)
    assert isinstance(caught.value, ValueError)


def test_read_stamp_too_deep_raises_recursion_error() -> None:
    """Nesting beyond the parser's limit: ``RecursionError``, as Python's json raises.

    Python 3.12 gives up at about 1,500 levels; the core parses 10,000 (a
    listed difference), so only deeper documents raise here.
    """
    path = put_stamp("[" * 20_000 + "]" * 20_000)
    with pytest.raises(RecursionError):
        setup_stamp.read_stamp(path)
    assert needs_setup() is SetupVerdict.STAMP_CORRUPT


def test_read_stamp_digit_limit_raises_value_error() -> None:
    document = '{"version": 1, "packages": {"t": %s}}' % ("1" * 4301)
    path = put_stamp(document)
    with pytest.raises(ValueError) as expected:
        json.loads(document)
    with pytest.raises(ValueError) as caught:
        setup_stamp.read_stamp(path)
    assert type(caught.value) is ValueError
    assert str(caught.value) == str(expected.value)


def test_read_stamp_missing_file_raises_file_not_found(tmp_path) -> None:
    missing = tmp_path / "missing.stamp"
    with pytest.raises(FileNotFoundError) as caught:
        setup_stamp.read_stamp(missing)
    assert caught.value.errno == 2
    assert caught.value.filename == str(missing)
    assert str(caught.value) == f"[Errno 2] No such file or directory: '{missing}'"


def test_read_stamp_directory_raises_is_a_directory(tmp_path) -> None:
    with pytest.raises(IsADirectoryError) as caught:
        setup_stamp.read_stamp(tmp_path)
    assert caught.value.filename == str(tmp_path)


def _outcome_of_read_stamp_as(uid: int | None, path) -> str:
    """``read_stamp(path)``'s outcome (``"ok"`` or the exception's type name),
    in a forked child that first drops to ``uid`` when one is given (root
    reads mode-000 files, so the test must not run as root)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report through the pipe, never return into pytest
        try:
            os.close(read_end)
            if uid is not None:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
            try:
                setup_stamp.read_stamp(path)
                outcome = "ok"
            except Exception as exc:  # noqa: BLE001 - the type is the answer
                outcome = type(exc).__name__
            os.write(write_end, outcome.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        outcome = pipe.read().decode()
    os.waitpid(pid, 0)
    return outcome


@pytest.fixture
def shared_dir():
    """A directory anyone may enter (pytest's own temporary directories are
    private to their owner), removed afterwards."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="setup-stamp-shared-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def test_read_stamp_unreadable_raises_permission_error(shared_dir) -> None:
    readable = shared_dir / "readable.stamp"
    readable.write_text(stamp_of({"terok": "1.0"}))
    readable.chmod(0o644)
    unreadable = shared_dir / "unreadable.stamp"
    unreadable.write_text(readable.read_text())
    unreadable.chmod(0)
    if os.geteuid() != 0:
        with pytest.raises(PermissionError):
            setup_stamp.read_stamp(unreadable)
        return
    nobody = 65534
    assert _outcome_of_read_stamp_as(nobody, readable) == "ok"  # the directory is reachable
    assert _outcome_of_read_stamp_as(nobody, unreadable) == "PermissionError"
    assert _outcome_of_read_stamp_as(None, unreadable) == "ok"  # root reads mode 000


# ── _compare_versions ──────────────────────────────────────────────────


def test_compare_versions_falls_back_to_string_compare_for_invalid_version() -> None:
    cmp = setup_stamp._compare_versions
    assert cmp("not-a-version", "not-a-version") == 0
    assert cmp("zzz", "aaa") == 1
    assert cmp("0.0.10", "not-a-version") == -1


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1.0.0", 0),
        ("1", "v1.0", 0),
        ("0.6", "0.6.0", 0),
        ("0.6.0", "x", -1),
        ("1.0.dev0", "1.0a1", -1),
        ("1.0a1", "1.0", -1),
        ("1.0", "1.0.post1", -1),
        ("1!0.1", "2.0", 1),
        ("1.0+abc", "1.0", 1),
        ("1.0+abc", "1.0+1", -1),
        ("1.0+ABC", "1.0+abc", 0),
        ("1.0RC1", "1.0rc1", 0),
        (" 1.0\n", "1.0", 0),
        ("\u00a01.0", "1.0", 0),
        ("1.99999999999999999999", "1.99999999999999999998", 1),
        ("1.10", "1.9", 1),
        ("1.0_1", "1.0", 1),
        ("", "1.0", -1),
        ("\ud800", "1.0", 1),
    ],
)
def test_compare_versions_pep440_and_fallback(a, b, expected) -> None:
    assert setup_stamp._compare_versions(a, b) == expected
    assert setup_stamp._compare_versions(b, a) == -expected


def test_compare_versions_rejects_non_strings_like_packaging() -> None:
    with pytest.raises(TypeError):
        setup_stamp._compare_versions(None, "1.0")
    with pytest.raises(TypeError):
        setup_stamp._compare_versions("1.0", 1)


def test_compare_versions_too_many_digits_raises_value_error() -> None:
    with pytest.raises(ValueError):
        setup_stamp._compare_versions("1." + "9" * 4301, "1.0")


def test_compare_in_stamp_order() -> None:
    compare = setup_stamp._compare
    assert compare({}, {}) is SetupVerdict.OK
    assert compare({"a": "1"}, {}) is SetupVerdict.STALE_AFTER_DOWNGRADE
    assert compare({"a": "1"}, {"a": "1.0", "b": "9"}) is SetupVerdict.OK
    assert compare({"a": "1", "b": "1"}, {"a": "2", "b": "1"}) is SetupVerdict.STALE_AFTER_UPDATE
    assert compare({"a": "1", "b": "1"}, {"a": "2", "b": "0"}) is SetupVerdict.STALE_AFTER_DOWNGRADE
    assert compare({"Terok": "1"}, {"terok": "1"}) is SetupVerdict.STALE_AFTER_DOWNGRADE
