"""Setup-stamp primitive: cheap "did the user run setup?" check, backed by Rust.

A drop-in for ``terok_sandbox.setup_stamp``: the same names, the same
verdicts, the same stamp file, the same exceptions.  Replace
``from terok_sandbox.setup_stamp import needs_setup`` with
``from setup_stamp import needs_setup`` and nothing else changes.

A small JSON marker is written after a successful setup run and compared
with the installed package versions on each launch:

- match → ``OK``
- absent → ``FIRST_RUN``
- installed > stamped → ``STALE_AFTER_UPDATE``
- installed < stamped, or a stamped package gone → ``STALE_AFTER_DOWNGRADE``
- stamp can't be parsed → ``STAMP_CORRUPT``

The work (locating the stamp, parsing it, reading distribution metadata
from the running interpreter's ``sys.path``, comparing PEP 440 versions) is
done by the compiled module ``setup_stamp._native``.  This module keeps the
reference's structure so that tests written against the reference keep
working: ``needs_setup`` and ``write_stamp`` look ``installed_versions``
(and ``stamp_path``, ``read_stamp``, ``_compare``, ``_compare_versions``) up
on this module at call time, so monkeypatching any of them takes effect.

Beyond the reference: :func:`check_report` (the verdict plus what changed,
per package) and :class:`SetupStamp` bound to a configurable
:class:`Ecosystem` and search path.
"""

import sys as _sys
from enum import Enum as _Enum

from . import _native

# ── Public API (the reference's) ───────────────────────────────────────


class SetupVerdict(_Enum):
    """Result of :func:`needs_setup` — five possible states a launch can be in."""

    OK = "ok"
    """Stamp matches all installed package versions exactly."""

    FIRST_RUN = "first_run"
    """No stamp on disk — the user has never run setup (or wiped state)."""

    STALE_AFTER_UPDATE = "stale_after_update"
    """At least one installed package is newer than the stamped version."""

    STALE_AFTER_DOWNGRADE = "stale_after_downgrade"
    """At least one installed package is older than the stamped version.

    Downgrades aren't tested and can leave systemd units / state DB in
    forms the older code can't interpret.  Frontends should treat this
    as a hard stop until the user explicitly overrides.
    """

    STAMP_CORRUPT = "stamp_corrupt"
    """Stamp file exists but can't be parsed.  Frontends should treat as FIRST_RUN."""


# The native module reports verdicts as their position in this tuple.
_VERDICTS = tuple(SetupVerdict)

_STAMP_SCHEMA_VERSION = 1
_STAMP_FILENAME = _native.TEROK_FILE_NAME
_TRACKED_PACKAGES: tuple[str, ...] = _native.TEROK_TRACKED


def stamp_path() -> "pathlib.Path":
    """Return the canonical on-disk location of the setup stamp.

    ``$TEROK_ROOT/setup.stamp`` when ``TEROK_ROOT`` is set; else under
    ``paths.root`` of the layered ``config.yml``; else the platform default
    (``/var/lib/terok`` for real root, the user data directory otherwise).
    Returns a :class:`pathlib.Path`.
    """
    return _native.stamp_path(_ecosystem())


def needs_setup() -> SetupVerdict:
    """Compare the on-disk stamp against currently-installed package versions.

    See :class:`SetupVerdict` for the five possible outcomes.  Installed
    versions are read from the running interpreter's ``sys.path`` at call
    time.  Designed to be cheap enough to call on every start-up.
    """
    if (
        stamp_path is _ORIGINAL_STAMP_PATH
        and read_stamp is _ORIGINAL_READ_STAMP
        and _read_stamp is _ORIGINAL_READ_STAMP
        and installed_versions is _ORIGINAL_INSTALLED_VERSIONS
        and _installed_versions is _ORIGINAL_INSTALLED_VERSIONS
        and _compare is _ORIGINAL_COMPARE
        and _compare_versions is _ORIGINAL_COMPARE_VERSIONS
    ):
        return _VERDICTS[_native.needs_setup(_sys.path, _ecosystem())]
    return _needs_setup_composed()


def write_stamp() -> "pathlib.Path":
    """Capture the currently-installed versions to disk and return the path.

    The stamp is ``{"completed_at": <UTC, seconds>, "packages": {...},
    "version": 1}`` as ``json.dumps(indent=2, sort_keys=True)`` writes it.
    Parent directories are created; the file is written under a temporary
    name and renamed over the stamp, so a crash never leaves a half-stamp.
    Returns a :class:`pathlib.Path`.
    """
    installed = _installed_override()
    if installed is None and stamp_path is _ORIGINAL_STAMP_PATH:
        return _native.write_stamp(_sys.path, _ecosystem())
    path = stamp_path()
    if installed is None:
        installed = installed_versions
    _native.write_stamp_file(path, list(installed().items()))
    return path


def clear_stamp() -> bool:
    """Remove the stamp file if present.  Returns True if a file was removed.

    A missing stamp is not an error (``False``); any other failure to
    remove it (a directory at the path, no permission) raises ``OSError``.
    """
    if stamp_path is _ORIGINAL_STAMP_PATH:
        return _native.clear_stamp(_ecosystem())
    try:
        stamp_path().unlink()
    except FileNotFoundError:
        return False
    return True


# ── Helpers the reference offers (and its tests reach) ─────────────────


def installed_versions() -> dict[str, str]:
    """Return ``{package: version}`` for every tracked package present in the install.

    Distributions are looked up on the running interpreter's ``sys.path``
    as it is at call time, exactly as ``importlib.metadata.version`` finds
    them.  Missing packages are left out.  A distribution whose metadata has
    no ``Version`` maps to ``None``, as in the reference.
    """
    return _native.installed_versions(_sys.path, _ecosystem())


def read_stamp(path) -> dict[str, str]:
    """Parse the stamp file at *path*, returning the ``packages`` mapping.

    Values are coerced with ``str()`` as the reference does.  Raises
    ``OSError`` (a subclass) when the file can't be read,
    ``UnicodeDecodeError`` when it is not UTF-8, ``json.JSONDecodeError``
    when it is not JSON, and ``ValueError`` when the root or ``packages`` is
    not an object or the schema ``version`` is not 1.
    """
    result = _native.read_stamp(path)
    kind = result[0]
    if kind == 0:
        return dict(result[1])
    if kind == 1:
        result[1].decode("utf-8")  # raises the reference's UnicodeDecodeError
        raise ValueError("stamp is not valid UTF-8")  # unreachable: Python agrees
    if kind == 2:
        _, raw, message, line, column = result
        # The document json.loads saw: read_text decodes with universal
        # newlines (CRLF and CR become LF); positions count in that text.
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        raise _json_error(message, text, _char_position(text, line, column))
    if kind == 3:
        raise RecursionError("maximum recursion depth exceeded while decoding a JSON document")
    raise ValueError(result[1])


def _compare_versions(a: str, b: str) -> int:
    """Return -1 / 0 / 1 for ``a`` vs ``b`` using PEP 440 ordering.

    Falls back to comparing the strings by code point when either side is
    not a valid PEP 440 version.  Raises ``TypeError`` for a non-``str``
    argument and ``ValueError`` for a version number Python would refuse to
    convert (more than 4,300 digits), as ``packaging`` does.
    """
    return _native.compare_versions(a, b)


def _compare(stamped: dict[str, str], installed: dict[str, str]) -> SetupVerdict:
    """Compare stamped versions against installed; return the matching verdict.

    Stamped packages are visited in file order: one missing from the install
    or older there is ``STALE_AFTER_DOWNGRADE`` at once; any newer one makes
    the answer ``STALE_AFTER_UPDATE``; otherwise ``OK``.  Installed packages
    the stamp does not list are ignored.
    """
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


# The reference's earlier spelling of the two helpers; patching either name
# is honoured.
_installed_versions = installed_versions
_read_stamp = read_stamp

_ORIGINAL_STAMP_PATH = stamp_path
_ORIGINAL_READ_STAMP = read_stamp
_ORIGINAL_INSTALLED_VERSIONS = installed_versions
_ORIGINAL_COMPARE = _compare
_ORIGINAL_COMPARE_VERSIONS = _compare_versions


def _ecosystem():
    """``None`` for the reference ecosystem; the native tuple when a test
    patched ``_TRACKED_PACKAGES`` or ``_STAMP_FILENAME`` on this module."""
    if _TRACKED_PACKAGES is _native.TEROK_TRACKED and _STAMP_FILENAME is _native.TEROK_FILE_NAME:
        return None
    return (_native.TEROK_NAMESPACE, tuple(_TRACKED_PACKAGES), _STAMP_FILENAME)


def _installed_override():
    """The replacement ``installed_versions`` if one was patched in, else ``None``."""
    if installed_versions is not _ORIGINAL_INSTALLED_VERSIONS:
        return installed_versions
    if _installed_versions is not _ORIGINAL_INSTALLED_VERSIONS:
        return _installed_versions
    return None


def _needs_setup_composed() -> SetupVerdict:
    """``needs_setup`` step by step, through whatever helpers are patched in."""
    path = stamp_path()
    if not path.exists():
        return SetupVerdict.FIRST_RUN
    if not path.is_file():
        return SetupVerdict.STAMP_CORRUPT
    reader = read_stamp if read_stamp is not _ORIGINAL_READ_STAMP else _read_stamp
    try:
        stamped = reader(path)
    except (OSError, ValueError):  # json.JSONDecodeError is a ValueError
        return SetupVerdict.STAMP_CORRUPT
    except RecursionError:
        if reader is not _ORIGINAL_READ_STAMP:
            raise
        # Too deep for our parser: corrupt (the reference recurses further
        # and raises; see SPEC-DIFFERENCES.md).
        return SetupVerdict.STAMP_CORRUPT
    override = _installed_override()
    installed = (override or installed_versions)()
    return _compare(stamped, installed)


def _json_error(message: str, doc: str, pos: int):
    """``json.JSONDecodeError(message, doc, pos)``; ``json`` is imported on this path only."""
    import json

    return json.JSONDecodeError(message, doc, pos)


def _char_position(text: str, line: int, column: int) -> int:
    """The character offset of 1-based ``line``/``column`` in ``text``."""
    start = 0
    for _ in range(line - 1):
        newline = text.find("\n", start)
        if newline < 0:
            break
        start = newline + 1
    return start + column - 1


# ── Extras (defined in setup_stamp._extras, loaded on first use) ──────

_EXTRAS = frozenset(
    {"PackageChange", "PackageStatus", "Report", "check_report", "Ecosystem", "SetupStamp"}
)


# ── Setup receipts (setup_stamp.setup, the drop-in for terok_util.setup;
#    loaded on first use) ────────────────────────────────────────────────

_RECEIPTS = frozenset(
    {
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
    }
)


def __getattr__(name: str):
    """Load the extras (:func:`check_report`, :class:`SetupStamp`, ...) and
    the receipt API (``setup_stamp.setup``: :class:`SetupReceipt`,
    ``setup_lock``, ...) on first access.

    Keeps ``import setup_stamp`` as cheap as the reference API needs.
    """
    if name in _EXTRAS:
        from . import _extras

        value = getattr(_extras, name)
        globals()[name] = value
        return value
    if name in _RECEIPTS or name == "setup":
        # Not `from . import setup`: its fromlist handling would ask this
        # very hook for `setup` again before the submodule exists.
        __import__(f"{__name__}.setup")
        setup = _sys.modules[f"{__name__}.setup"]
        value = setup if name == "setup" else getattr(setup, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    """The module's names, the lazily loaded extras and receipt API included."""
    return sorted(set(globals()) | _EXTRAS | _RECEIPTS | {"setup"})


__all__ = [
    "SetupVerdict",
    "clear_stamp",
    "needs_setup",
    "stamp_path",
    "write_stamp",
]
