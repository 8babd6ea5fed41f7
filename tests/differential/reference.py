#!/usr/bin/env python3
"""Reference harness: ``terok_sandbox.setup_stamp`` on the real Python libraries.

Two implementations of the reference module can run behind the same command
line (``--oracle``):

* ``released`` (the default, and the oracle of the stamp differential suites
  ``test_differential.py`` and ``test_ecosystem.py``): the module as released,
  terok-sandbox 0.5.0 from PyPI with the terok-util 0.3.1 it requires (its
  ``terok_util.paths`` resolves the stamp's location, its ``config_stack``
  merges the config layers), in the venv ``.venv-stamp``
  (``stamp-reference.txt``, made by ``scripts/setup-venv``).  The harness
  drives it only through its module globals: ``_meta_version`` (the
  ``importlib.metadata.version`` it imported) is replaced by
  :func:`_meta_version` below, which calls the real one over exactly the
  search path; another ecosystem's namespace, packages and file name replace
  the constants the functions read at call time (:func:`configure_ecosystem`).
* ``copy``: the same module re-implemented in this file (CPython 3.12,
  packaging 26.x, platformdirs 4.14.x, ruamel.yaml 0.19.1 — the pins in
  ``requirements.txt``).  The public functions of ``setup_stamp`` are copied
  verbatim from the released module; the helpers it imports (the state root
  resolver, the layered config reader, the merge engine) are rewritten here
  from the rules in SPEC.md section 4 on top of the same standard-library and
  third-party calls, so every quirk comes from the real libraries.  The copy
  is kept only where the released module cannot be driven: the Python binding
  tests (``tests/python``) compare the extension with the reference *in one
  interpreter*, ``.venv-ref``, which holds terok-util 0.4.0 for the receipt
  suites, and terok-sandbox 0.5.0 requires terok-util < 0.4, so it cannot be
  installed beside it.  ``test_reference_copy.py`` checks that the copy and
  the release agree on the whole scenario corpus.

The command line mirrors the ``setup-stamp`` binary so both can be compared::

    reference.py [--oracle released|copy] [--sys-path DIR]... [--as-user UID:GID] [--userns] \
        [--namespace NAME] [--package NAME]... [--stamp-file NAME] \
        <path | check [--json] | versions [--json] | write | clear | info>

* ``--sys-path`` (repeatable, ordered) is the distribution search path.  When
  given, ``importlib.metadata`` sees exactly that list (``sys.path`` is swapped
  around each lookup) and every lookup is cross-checked against
  ``importlib.metadata.Distribution.discover(name=..., path=[...])``; a
  disagreement is reported as the error ``HarnessMismatch``.  When absent, the
  interpreter's own ``sys.path`` is used.
* ``--as-user UID:GID`` drops privileges *after* everything is imported
  (``os.setgroups([])``, ``os.setresgid``, ``os.setresuid``): the interpreter
  may live under ``/root`` and be unreadable once privileges are gone.
* ``--userns`` enters a new user namespace mapping uid/gid 0 to the current
  ones (``unshare -U -r``): uid 0 that is not real root.
* ``--namespace``, ``--package`` (repeatable, ordered) and ``--stamp-file``
  run the reference for another ecosystem, the way terok_util parameterises
  it: they replace the module constants the functions read at call time
  (``_NAMESPACE`` and the ``<NS>_ROOT`` / ``<NS>_CONFIG_FILE`` names derived
  from it, ``_TRACKED_PACKAGES``, ``_STAMP_FILENAME``); see
  :func:`configure_ecosystem`.

When Python raises, the harness prints ``{"error": "<ExceptionType>"}`` and
exits 1.  ``check`` exits 0 (ok), 3 (first_run, stale_after_update,
stamp_corrupt) or 4 (stale_after_downgrade), like terok's CLI.

Version-sensitive rules (Python 3.12 vs others) that this harness inherits
from the running interpreter: the JSON nesting limit (RecursionError depth),
which characters ``repr`` prints raw inside containers, ``Path.resolve`` on a
symlink loop (raises on 3.12), and ``Path.exists`` raising on EACCES (3.14
returns False).  ``interpreter_info()`` reports what actually ran.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import sys
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

# Everything the reference can reach is imported eagerly, before any
# privilege drop or search-path swap (see _warm_up below).
import email.feedparser  # noqa: F401
import email.parser  # noqa: F401
import email.message  # noqa: F401
import importlib.metadata
import importlib.metadata._adapters  # noqa: F401
import pwd  # noqa: F401
import zipfile  # noqa: F401
from importlib.metadata import Distribution, PackageNotFoundError

import packaging
import platformdirs
import ruamel.yaml
from packaging.version import InvalidVersion, Version
from platformdirs import user_config_dir, user_data_dir
from ruamel.yaml import YAML

# ── The search path (the equivalent of sys.path) ─────────────────────


class HarnessMismatch(Exception):
    """``importlib.metadata.version`` and ``Distribution.discover`` disagreed."""


#: ``None``: use ``sys.path`` as it is; otherwise the exact search path.
SEARCH_PATH: list[str] | None = None


def _outcome(func):
    """Run *func*, returning ``("ok", value)`` or ``("raise", ExceptionType)``."""
    try:
        return ("ok", func())
    except Exception as exc:  # noqa: BLE001 — recorded, compared, re-raised
        return ("raise", type(exc).__name__, exc)


def _meta_version(name: str) -> str | None:
    """``importlib.metadata.version(name)`` over exactly ``SEARCH_PATH``.

    Two independent routes must agree: ``version()`` with ``sys.path`` set to
    exactly the search path (what the reference really calls), and
    ``Distribution.discover(name=..., path=...)``.
    """
    if SEARCH_PATH is None:
        return importlib.metadata.version(name)
    search = list(SEARCH_PATH)
    saved = sys.path[:]
    sys.path[:] = search
    try:
        via_version = _outcome(lambda: importlib.metadata.version(name))
    finally:
        sys.path[:] = saved

    def discovered() -> str | None:
        dist = next(iter(Distribution.discover(name=name, path=search)), None)
        if dist is None:
            raise PackageNotFoundError(name)
        return dist.version

    via_discover = _outcome(discovered)
    if via_version[:2] != via_discover[:2]:
        raise HarnessMismatch(f"{name}: version() {via_version[:2]!r} != discover() {via_discover[:2]!r}")
    if via_version[0] == "raise":
        raise via_version[2]
    return via_version[1]


# ── terok_util.paths / config_stack equivalents (SPEC.md section 4) ──

_NAMESPACE = "terok"
_TEROK_ROOT_ENV = "TEROK_ROOT"
_TEROK_CONFIG_FILE_ENV = "TEROK_CONFIG_FILE"
_UID_T_MAX = 4294967295
_INHERIT = "_inherit"


def env_prefix(namespace: str) -> str:
    """``terok`` → ``TEROK``, ``acme-tools`` → ``ACME_TOOLS``: upper case,
    every character other than an ASCII letter or digit becomes ``_``."""
    return "".join(c.upper() if c.isascii() and c.isalnum() else "_" for c in namespace)


def configure_ecosystem(namespace: str | None, packages: list[str] | None, file_name: str | None) -> None:
    """Point the module constants at another ecosystem (``None``: keep terok's)."""
    global _NAMESPACE, _TEROK_ROOT_ENV, _TEROK_CONFIG_FILE_ENV, _TRACKED_PACKAGES, _STAMP_FILENAME
    if namespace is not None:
        _NAMESPACE = namespace
        _TEROK_ROOT_ENV = f"{env_prefix(namespace)}_ROOT"
        _TEROK_CONFIG_FILE_ENV = f"{env_prefix(namespace)}_CONFIG_FILE"
    if packages is not None:
        _TRACKED_PACKAGES = tuple(packages)
    if file_name is not None:
        _STAMP_FILENAME = file_name


def _in_initial_userns() -> bool:
    """True when ``/proc/self/uid_map`` is exactly the identity row.

    An unreadable map counts as the initial namespace.
    """
    try:
        with open("/proc/self/uid_map", encoding="ascii") as fh:
            rows = [line.split() for line in fh if line.split()]
    except OSError:
        return True
    return rows == [["0", "0", str(_UID_T_MAX)]]


def _is_root() -> bool:
    """Real root: effective uid 0 in the initial user namespace."""
    return os.geteuid() == 0 and _in_initial_userns()


def config_file_paths() -> list[Path]:
    """Config layers, lowest priority first."""
    env = os.getenv(_TEROK_CONFIG_FILE_ENV)
    if env:
        return [Path(env).expanduser()]
    result = [Path("/etc") / _NAMESPACE / "config.yml"]
    if not _is_root():
        result.append(Path(user_config_dir(_NAMESPACE)) / "config.yml")
    return result


def load_yaml_layer(path: Path) -> dict:
    """One layer: missing or non-file → empty; blank → empty; else a mapping."""
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        if not text.strip():
            data: object = {}
        else:
            data = YAML(typ="safe").load(text)
            if data is None:
                data = {}
    else:
        data = {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: top-level value must be a mapping, got {type(data).__name__}")
    return data


def deep_merge(base: dict, override: dict) -> dict:
    """Merge *override* over *base* (SPEC.md section 4), returning a new dict."""
    merged: dict = {}
    for key in set(base) | set(override):
        if key not in override:
            merged[key] = base[key]
            continue
        ov = override[key]
        if ov is None:
            continue
        if ov == _INHERIT:
            if key in base:
                merged[key] = base[key]
            continue
        bv = base.get(key)
        if isinstance(ov, dict) and isinstance(bv, dict):
            if ov.get(_INHERIT) is True:
                ov = {k: v for k, v in ov.items() if k != _INHERIT}
            merged[key] = deep_merge(bv, ov)
        elif isinstance(ov, list) and isinstance(bv, list):
            if _INHERIT in ov:
                spliced: list = []
                for item in ov:
                    if item == _INHERIT:
                        spliced.extend(bv)
                    else:
                        spliced.append(item)
                merged[key] = spliced
            else:
                merged[key] = list(ov)
        elif isinstance(ov, dict) and ov.get(_INHERIT) is True:
            merged[key] = {k: v for k, v in ov.items() if k != _INHERIT}
        else:
            merged[key] = ov
    return merged


def read_config_section(section: str) -> dict[str, str]:
    """Merged ``section`` of the layered config; any failure → ``{}``."""
    result: dict[str, str] = {}
    try:
        layers = [load_yaml_layer(path) for path in config_file_paths()]
        wrapper: dict = {}
        for data in layers:
            if section in data:
                wrapper = deep_merge(wrapper, {section: data[section]})
        merged = wrapper.get(section, {})
        if not isinstance(merged, dict):
            merged = {}
        result = {k: str(v) for k, v in merged.items() if v is not None}
    except Exception:  # noqa: BLE001 — all-or-nothing, as the reference
        pass
    return result


def _namespace_root() -> Path | None:
    env = os.getenv(_TEROK_ROOT_ENV)
    if env:
        return Path(env).expanduser()
    val = read_config_section("paths").get("root")
    return Path(val).expanduser().resolve() if val else None


def _platform_state_base() -> Path:
    if _is_root():
        return Path("/var/lib") / _NAMESPACE
    return Path(user_data_dir(_NAMESPACE))


def namespace_state_dir() -> Path:
    """The state root: TEROK_ROOT, then ``paths.root``, then the platform default."""
    root = _namespace_root()
    return root if root else _platform_state_base()


# ── terok_sandbox.setup_stamp (public functions verbatim) ────────────


class SetupVerdict(Enum):
    """Result of needs_setup — five possible states a launch can be in."""

    OK = "ok"
    FIRST_RUN = "first_run"
    STALE_AFTER_UPDATE = "stale_after_update"
    STALE_AFTER_DOWNGRADE = "stale_after_downgrade"
    STAMP_CORRUPT = "stamp_corrupt"


_STAMP_SCHEMA_VERSION = 1
_STAMP_FILENAME = "setup.stamp"
_TRACKED_PACKAGES: tuple[str, ...] = (
    "terok",
    "terok-executor",
    "terok-sandbox",
    "terok-shield",
    "terok-clearance",
)


def stamp_path() -> Path:
    """Return the canonical on-disk location of the setup stamp."""
    return namespace_state_dir() / _STAMP_FILENAME


def needs_setup() -> SetupVerdict:
    """Compare the on-disk stamp against currently-installed package versions."""
    path = stamp_path()
    if not path.exists():
        return SetupVerdict.FIRST_RUN
    if not path.is_file():
        # Something at the stamp location, but not a regular file — a
        # directory or device left there by a misbehaving sync tool.
        # That's not "user hasn't run setup" (FIRST_RUN); it's a corrupt
        # state the next ``write_stamp`` would also fail on.
        return SetupVerdict.STAMP_CORRUPT

    try:
        stamped = read_stamp(path)
    except (OSError, json.JSONDecodeError, ValueError):
        return SetupVerdict.STAMP_CORRUPT

    installed = installed_versions()
    return _compare(stamped, installed)


def write_stamp() -> Path:
    """Capture the currently-installed versions to disk and return the path."""
    path = stamp_path()
    path.parent.mkdir(parents=True, exist_ok=True)

    payload = {
        "version": _STAMP_SCHEMA_VERSION,
        "completed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "packages": installed_versions(),
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    return path


def clear_stamp() -> bool:
    """Remove the stamp file if present.  Returns True if a file was removed."""
    try:
        stamp_path().unlink()
    except FileNotFoundError:
        return False
    return True


def installed_versions() -> dict[str, str]:
    """Return ``{package: version}`` for every tracked package present in the install."""
    out: dict[str, str] = {}
    for pkg in _TRACKED_PACKAGES:
        with contextlib.suppress(PackageNotFoundError):
            out[pkg] = _meta_version(pkg)
    return out


def read_stamp(path: Path) -> dict[str, str]:
    """Parse the stamp file, returning the ``packages`` mapping."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"stamp root is not an object: {type(raw).__name__}")
    if raw.get("version") != _STAMP_SCHEMA_VERSION:
        raise ValueError(f"unsupported stamp schema version: {raw.get('version')!r}")
    pkgs = raw.get("packages")
    if not isinstance(pkgs, dict):
        raise ValueError(f"stamp packages is not an object: {type(pkgs).__name__}")
    # Coerce values to str so a malformed stamp with an int can't sneak past.
    return {str(k): str(v) for k, v in pkgs.items()}


def _compare(stamped: dict[str, str], installed: dict[str, str]) -> SetupVerdict:
    """Stamp order; a missing or older package is a downgrade at once."""
    saw_update = False
    for pkg, stamp_ver in stamped.items():
        if pkg not in installed:
            return SetupVerdict.STALE_AFTER_DOWNGRADE
        cmp = _compare_versions(installed[pkg], stamp_ver)
        if cmp < 0:
            return SetupVerdict.STALE_AFTER_DOWNGRADE
        if cmp > 0:
            saw_update = True
    return SetupVerdict.STALE_AFTER_UPDATE if saw_update else SetupVerdict.OK


def _compare_versions(a: str, b: str) -> int:
    """PEP 440 order when both parse, else raw string order."""
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        return (a > b) - (a < b)
    return (va > vb) - (va < vb)


# ── The oracle: the released module or the copy above ────────────────


class Oracle:
    """The stamp functions the harness runs, and how to point them elsewhere.

    ``stamp`` has the functions of ``terok_sandbox.setup_stamp``
    (``stamp_path``, ``needs_setup``, ``read_stamp``, ``installed_versions``,
    ``write_stamp``, ``clear_stamp``); ``paths`` has ``_is_root`` and the
    namespace constants.  For the copy both are this module.
    """

    def __init__(self, name: str):
        self.name = name
        if name == "copy":
            self.stamp = self.paths = sys.modules[__name__]
        elif name == "released":
            # Imported now, before any privilege drop or search-path swap:
            # read_config_section imports config_stack lazily.
            try:
                import terok_sandbox.setup_stamp as stamp
                import terok_util.config_stack  # noqa: F401
                import terok_util.paths as paths
            except ImportError as exc:
                raise SystemExit(
                    f"the released terok_sandbox.setup_stamp cannot be imported by {sys.executable} ({exc}): "
                    "run it with .venv-stamp/bin/python (scripts/setup-venv)"
                ) from None

            # The one seam: the module calls the importlib.metadata.version it
            # imported as ``_meta_version``; the harness's calls the real one
            # over exactly the search path.
            stamp._meta_version = _meta_version
            self.stamp, self.paths = stamp, paths
            self.versions = {d: importlib.metadata.version(d) for d in ("terok-sandbox", "terok-util")}
        else:
            raise SystemExit(f"unknown oracle: {name!r} (released or copy)")

    def configure(self, namespace: str | None, packages: list[str] | None, file_name: str | None) -> None:
        """Point the module constants at another ecosystem (``None``: keep terok's)."""
        if self.name == "copy":
            configure_ecosystem(namespace, packages, file_name)
            return
        if namespace is not None:
            self.paths._NAMESPACE = namespace
            self.paths._TEROK_ROOT_ENV = f"{env_prefix(namespace)}_ROOT"
            self.paths._TEROK_CONFIG_FILE_ENV = f"{env_prefix(namespace)}_CONFIG_FILE"
        if packages is not None:
            self.stamp._TRACKED_PACKAGES = tuple(packages)
        if file_name is not None:
            self.stamp._STAMP_FILENAME = file_name
        # Each command is a process of its own: nothing cached from before.
        self.paths._reset_config_caches_for_tests()

    def info(self) -> dict:
        """Which module ran, from which distribution."""
        info = {"oracle": self.name, "module": self.stamp.__file__}
        if self.name == "released":
            info.update(self.versions, paths_module=self.paths.__file__)
        return info


#: Set by :func:`select_oracle` (the server and the command line).
ORACLE: Oracle | None = None


def select_oracle(name: str) -> Oracle:
    global ORACLE
    if ORACLE is None or ORACLE.name != name:
        ORACLE = Oracle(name)
    return ORACLE


# ── The command line ─────────────────────────────────────────────────

EXIT_CODES = {
    "ok": 0,
    "first_run": 3,
    "stale_after_update": 3,
    "stamp_corrupt": 3,
    "stale_after_downgrade": 4,
}


def interpreter_info() -> dict[str, str]:
    """What actually runs: interpreter, library versions, the oracle."""
    return {
        "executable": sys.executable,
        "python": ".".join(map(str, sys.version_info[:3])),
        "implementation": sys.implementation.name,
        "packaging": packaging.__version__,
        "platformdirs": platformdirs.__version__,
        "ruamel.yaml": ruamel.yaml.__version__,
        "euid": os.geteuid(),
        "real_root": ORACLE.paths._is_root(),
        **ORACLE.info(),
    }


def _json_line(obj: object) -> bytes:
    return (json.dumps(obj) + "\n").encode("utf-8", "surrogatepass")


def _check_report() -> dict:
    """``check --json``: the verdict plus what the reference saw on the way."""
    stamp = ORACLE.stamp
    verdict = stamp.needs_setup()
    path = stamp.stamp_path()
    stamped = None
    with contextlib.suppress(Exception):
        if path.is_file():
            stamped = stamp.read_stamp(path)
    installed: dict | None
    try:
        installed = stamp.installed_versions()
    except Exception:  # noqa: BLE001 — the verdict did not need it
        installed = None
    return {
        "verdict": verdict.value,
        "stamp_path": os.fsdecode(bytes(path)),
        "stamped": stamped,
        "installed": installed,
    }


def run_command(command: str, args: list[str]) -> tuple[int, bytes]:
    """Run one command; returns (exit code, stdout bytes).  Raises what Python raises."""
    stamp = ORACLE.stamp
    if command == "path":
        return 0, bytes(stamp.stamp_path()) + b"\n"
    if command == "check":
        report = _check_report()
        code = EXIT_CODES[report["verdict"]]
        if "--json" in args:
            return code, _json_line(report)
        return code, report["verdict"].encode() + b"\n"
    if command == "versions":
        return 0, _json_line(stamp.installed_versions())
    if command == "write":
        return 0, bytes(stamp.write_stamp()) + b"\n"
    if command == "clear":
        return 0, _json_line({"removed": stamp.clear_stamp()})
    if command == "info":
        return 0, _json_line(interpreter_info())
    raise SystemExit(f"unknown command: {command}")


def drop_privileges(uid: int, gid: int) -> None:
    """Become *uid*:*gid* for good, with no supplementary groups."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def enter_userns() -> None:
    """A new user namespace where the current uid/gid appear as 0 (``unshare -U -r``)."""
    uid, gid = os.geteuid(), os.getegid()
    os.unshare(os.CLONE_NEWUSER)
    with open("/proc/self/setgroups", "w") as fh:
        fh.write("deny")
    with open("/proc/self/uid_map", "w") as fh:
        fh.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as fh:
        fh.write(f"0 {gid} 1")


def parse_argv(argv: list[str]) -> dict:
    """Split the global options from the command."""
    opts: dict = {
        "sys_path": None,
        "user": None,
        "userns": False,
        "command": None,
        "args": [],
        "namespace": None,
        "packages": None,
        "stamp_file": None,
    }
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--sys-path":
            opts["sys_path"] = (opts["sys_path"] or []) + [argv[i + 1]]
            i += 2
        elif arg.startswith("--sys-path="):
            opts["sys_path"] = (opts["sys_path"] or []) + [arg.split("=", 1)[1]]
            i += 1
        elif arg == "--as-user":
            uid, _, gid = argv[i + 1].partition(":")
            opts["user"] = (int(uid), int(gid or uid))
            i += 2
        elif arg == "--userns":
            opts["userns"] = True
            i += 1
        elif arg == "--namespace" and opts["command"] is None:
            opts["namespace"] = argv[i + 1]
            i += 2
        elif arg == "--package" and opts["command"] is None:
            opts["packages"] = (opts["packages"] or []) + [argv[i + 1]]
            i += 2
        elif arg == "--stamp-file" and opts["command"] is None:
            opts["stamp_file"] = argv[i + 1]
            i += 2
        elif opts["command"] is None:
            opts["command"] = arg
            i += 1
        else:
            opts["args"].append(arg)
            i += 1
    if opts["command"] is None:
        raise SystemExit("usage: reference.py [--sys-path DIR]... <path|check|versions|write|clear>")
    return opts


def execute(opts: dict) -> tuple[int, bytes]:
    """Apply the options and run the command; errors become ``{"error": ...}``."""
    global SEARCH_PATH
    SEARCH_PATH = opts["sys_path"]
    ORACLE.configure(opts.get("namespace"), opts.get("packages"), opts.get("stamp_file"))
    try:
        if opts["userns"]:
            enter_userns()
        if opts["user"] is not None:
            drop_privileges(*opts["user"])
        return run_command(opts["command"], opts["args"])
    except Exception as exc:  # noqa: BLE001 — "Python raises"
        return 1, _json_line({"error": type(exc).__name__, "message": str(exc)[:500]})


_WARMED = False


def warm_up() -> None:
    """Exercise every lazy import the reference can reach, once.

    After a privilege drop the interpreter's own files may be unreadable and
    after a search-path swap the standard library may be out of reach, so
    nothing may be imported for the first time later.
    """
    global _WARMED
    if _WARMED:
        return
    import io
    import tempfile

    YAML(typ="safe").load("a: [1, 1.5, 1e3, 0x10, 0o10, .inf, 2024-01-01T10:00:00Z, !!str x, yes, ~]\nb: &x {c: *x}\n<<: {d: 1}\ne: |\n  text\n")
    for bad in ("a: 1\na: 2\n", "- a\n- b\n---\n- c\n", "a: [\n", "\ta: 1\n"):
        with contextlib.suppress(Exception):
            YAML(typ="safe").load(bad)
    json.dumps({"a": [1.5, None, "é\ud800"]}, indent=2, sort_keys=True)
    with contextlib.suppress(Exception):
        json.loads("[" * 5000)
    with contextlib.suppress(Exception):
        Version("1.0") < Version("1!2.0.post1.dev3+abc")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "w-1.0.dist-info").mkdir()
        (Path(tmp) / "w-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: w\nVersion: 1.0\n")
        (Path(tmp) / "v.egg-info").write_text("Version: 1\n")
        with zipfile.ZipFile(Path(tmp) / "z.zip", "w") as zf:
            zf.writestr("z-1.0.dist-info/METADATA", "Version: 1.0\n")
        egg = Path(tmp) / "e-1.0.egg"
        (egg / "EGG-INFO").mkdir(parents=True)
        (egg / "EGG-INFO" / "PKG-INFO").write_text("Version: 1.0\n")
        for name in ("w", "v", "z", "e", "missing"):
            for path in ([tmp], [str(Path(tmp) / "z.zip")], [str(egg)]):
                with contextlib.suppress(Exception):
                    next(iter(Distribution.discover(name=name, path=path))).version
        with contextlib.suppress(Exception):
            (Path(tmp) / "loop").symlink_to(Path(tmp) / "loop")
            (Path(tmp) / "loop").resolve()
        (Path(tmp) / "s.tmp").write_text("{}")
        (Path(tmp) / "s.tmp").replace(Path(tmp) / "s")
    with contextlib.suppress(Exception):
        Path("~nosuchuser-xyz").expanduser()
    with contextlib.suppress(Exception):
        pwd.getpwuid(os.getuid())
    with contextlib.suppress(Exception):
        user_data_dir(_NAMESPACE)
        user_config_dir(_NAMESPACE)
    datetime.now(UTC).isoformat(timespec="seconds")
    io.StringIO("x").read()
    if ORACLE is not None and ORACLE.name == "released":
        # The released config reader, once, on a real layer (then forgotten).
        with tempfile.TemporaryDirectory() as tmp:
            layer = Path(tmp) / "config.yml"
            layer.write_text("paths: {root: /x, n: 1}\n")
            saved = os.environ.get("TEROK_CONFIG_FILE")
            os.environ["TEROK_CONFIG_FILE"] = str(layer)
            try:
                ORACLE.paths.read_config_section("paths")
                with contextlib.suppress(Exception):
                    ORACLE.paths._platform_state_base()
            finally:
                if saved is None:
                    del os.environ["TEROK_CONFIG_FILE"]
                else:
                    os.environ["TEROK_CONFIG_FILE"] = saved
                ORACLE.paths._reset_config_caches_for_tests()
    _WARMED = True


def run_forked(
    argv: list[str], env: dict[str, str | bytes], cwd: str, timeout: float = 60.0, umask: int | None = None
) -> tuple[int, bytes]:
    """Run the harness command line in a forked child of this process.

    The child replaces its environment with *env*, changes to *cwd*, applies
    ``--userns`` / ``--as-user`` and runs the command; the parent gets the exit
    code and stdout.  Forking keeps the imports (and the cost of them) in the
    parent, so hundreds of scenarios run in one interpreter.
    """
    warm_up()
    opts = parse_argv(argv)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            signal.alarm(max(1, int(timeout)))
            os.close(read_fd)
            os.environ.clear()
            for key, value in env.items():
                if isinstance(value, bytes):
                    os.environb[key.encode()] = value
                else:
                    os.environ[key] = value
            os.chdir(cwd)
            if umask is not None:
                os.umask(umask)
            code, out = execute(opts)
            payload = pickle.dumps((code, out))
        except BaseException as exc:  # noqa: BLE001 — report anything
            payload = pickle.dumps((1, _json_line({"error": type(exc).__name__, "harness": True})))
        try:
            view = memoryview(payload)
            while view:
                written = os.write(write_fd, view)
                view = view[written:]
        finally:
            os._exit(0)
    os.close(write_fd)
    chunks = []
    with os.fdopen(read_fd, "rb") as fh:
        while True:
            chunk = fh.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    os.waitpid(pid, 0)
    data = b"".join(chunks)
    if not data:
        return 1, _json_line({"error": "HarnessTimeout", "harness": True})
    return pickle.loads(data)


def serve(inp, out) -> int:
    """Answer length-prefixed pickled requests ``(argv, env, cwd, timeout)``.

    Used by the test runner: one small long-lived process (cheap to fork)
    instead of forking the test runner itself.  Each answer is the pickled
    ``(exit code, stdout)`` of :func:`run_forked`.
    """
    warm_up()
    while True:
        header = inp.read(8)
        if len(header) < 8:
            return 0
        request = pickle.loads(inp.read(int.from_bytes(header, "big")))
        answer = pickle.dumps(run_forked(*request))
        out.write(len(answer).to_bytes(8, "big") + answer)
        out.flush()


class Server:
    """Client side of :func:`serve`: a reference process serving many commands.

    *python* runs it with the *oracle* (``released``: ``.venv-stamp``'s
    interpreter; ``copy``: any interpreter with the pinned libraries).
    """

    def __init__(self, python: str = sys.executable, oracle: str = "released"):
        import subprocess

        self.oracle = oracle
        self.proc = subprocess.Popen(
            [python, "-I", os.path.abspath(__file__), "--oracle", oracle, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def run(
        self, argv: list[str], env: dict[str, str | bytes], cwd: str, timeout: float = 60.0, umask: int | None = None
    ) -> tuple[int, bytes]:
        request = pickle.dumps((argv, env, cwd, timeout, umask))
        self.proc.stdin.write(len(request).to_bytes(8, "big") + request)
        self.proc.stdin.flush()
        header = self.proc.stdout.read(8)
        if len(header) < 8:
            raise RuntimeError("the reference server died")
        return pickle.loads(self.proc.stdout.read(int.from_bytes(header, "big")))

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def main(argv: list[str]) -> int:
    oracle = "released"
    if argv[:1] == ["--oracle"]:
        oracle, argv = argv[1], argv[2:]
    select_oracle(oracle)
    if argv == ["--serve"]:
        return serve(sys.stdin.buffer, sys.stdout.buffer)
    opts = parse_argv(argv)
    warm_up()
    code, out = execute(opts)
    sys.stdout.flush()
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
