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


def stamp_path():
    """Return the canonical on-disk location of the setup stamp.

    ``$TEROK_ROOT/setup.stamp`` when ``TEROK_ROOT`` is set; else under
    ``paths.root`` of the layered ``config.yml``; else the platform default
    (``/var/lib/terok`` for real root, the user data directory otherwise).
    Returns a :class:`pathlib.Path`.
    """
    return _native.stamp_path()


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
        return _VERDICTS[_native.needs_setup(_sys.path)]
    return _needs_setup_composed()


def write_stamp():
    """Capture the currently-installed versions to disk and return the path.

    The stamp is ``{"completed_at": <UTC, seconds>, "packages": {...},
    "version": 1}`` as ``json.dumps(indent=2, sort_keys=True)`` writes it.
    Parent directories are created; the file is written under a temporary
    name and renamed over the stamp, so a crash never leaves a half-stamp.
    Returns a :class:`pathlib.Path`.
    """
    installed = _installed_override()
    if installed is None and stamp_path is _ORIGINAL_STAMP_PATH:
        return _native.write_stamp(_sys.path)
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
        return _native.clear_stamp()
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
    return _native.installed_versions(_sys.path)


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
        text = raw.decode("utf-8")
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


# ── Extras: the per-package report and configurable ecosystems ─────────


class PackageChange(_Enum):
    """How one package differs between the stamp and the install."""

    SAME = "same"
    """Installed at the stamped version."""
    UPGRADED = "upgraded"
    """Installed newer than stamped."""
    DOWNGRADED = "downgraded"
    """Installed older than stamped."""
    NOT_INSTALLED = "not_installed"
    """Stamped but not installed."""
    NOT_STAMPED = "not_stamped"
    """Installed but not in the stamp."""
    UNKNOWN = "unknown"
    """Could not be compared (no installed ``Version``, or the comparison was not reached)."""


_CHANGES = tuple(PackageChange)


class PackageStatus:
    """One package line of a :class:`Report`."""

    __slots__ = ("package", "stamped", "installed", "is_installed", "change")

    def __init__(self, package, stamped, is_installed, installed, change):
        """Build a line; ``change`` is a :class:`PackageChange`."""
        self.package = package
        """Package name (stamp key or tracked name)."""
        self.stamped = stamped
        """Version in the stamp, or ``None`` when not stamped."""
        self.is_installed = is_installed
        """Whether the package is installed."""
        self.installed = installed
        """Installed version (``None`` when not installed or without ``Version``)."""
        self.change = change
        """The kind of change."""

    def __repr__(self) -> str:
        """``PackageStatus(package=..., stamped=..., installed=..., change=...)``."""
        return (
            f"PackageStatus(package={self.package!r}, stamped={self.stamped!r}, "
            f"is_installed={self.is_installed!r}, installed={self.installed!r}, "
            f"change={self.change})"
        )

    def __eq__(self, other) -> bool:
        """Field-wise equality."""
        if not isinstance(other, PackageStatus):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.__slots__)

    __hash__ = None


class Report:
    """The verdict of :func:`needs_setup` and what changed, package by package."""

    __slots__ = ("verdict", "packages")

    def __init__(self, verdict: SetupVerdict, packages: list):
        """Build a report from a verdict and its :class:`PackageStatus` lines."""
        self.verdict = verdict
        """The verdict, exactly :func:`needs_setup`'s."""
        self.packages = packages
        """Stamped packages in file order, then installed-but-unstamped ones."""

    def __repr__(self) -> str:
        """``Report(verdict=..., packages=[...])``."""
        return f"Report(verdict={self.verdict}, packages={self.packages!r})"

    def __eq__(self, other) -> bool:
        """Equal when verdict and lines are equal."""
        if not isinstance(other, Report):
            return NotImplemented
        return self.verdict == other.verdict and self.packages == other.packages

    __hash__ = None


def _report(raw) -> Report:
    """A :class:`Report` from the native ``(verdict, rows)`` tuple."""
    verdict, rows = raw
    return Report(
        _VERDICTS[verdict],
        [PackageStatus(p, s, i, v, _CHANGES[c]) for p, s, i, v, c in rows],
    )


def check_report() -> Report:
    """Like :func:`needs_setup`, with the per-package details.

    Uses the reference ecosystem and the running interpreter's ``sys.path``
    (or a monkeypatched ``installed_versions``).
    """
    override = _installed_override()
    if override is None:
        return _report(_native.check(_sys.path))
    return _report(_native.check(_sys.path, None, list(override().items())))


class Ecosystem:
    """Which packages a stamp tracks, and where it lives.

    ``namespace`` names the state directory and the environment variables
    (``<NAMESPACE>_ROOT``, ``<NAMESPACE>_CONFIG_FILE``); ``tracked_packages``
    are distribution names, in order; ``file_name`` is the stamp's name.
    The defaults are the reference's (:meth:`terok`).
    """

    __slots__ = ("_args",)

    def __init__(
        self,
        namespace: str = _native.TEROK_NAMESPACE,
        tracked_packages=_native.TEROK_TRACKED,
        file_name: str = _native.TEROK_FILE_NAME,
    ):
        """Build an ecosystem; ``tracked_packages`` is any iterable of names."""
        tracked = tuple(tracked_packages)
        if isinstance(tracked_packages, str):
            raise TypeError("tracked_packages must be an iterable of names, not a str")
        for name in (namespace, file_name, *tracked):
            if not isinstance(name, str):
                raise TypeError(f"expected str, got {type(name).__name__}")
        object.__setattr__(self, "_args", (namespace, tracked, file_name))

    @classmethod
    def terok(cls) -> "Ecosystem":
        """The reference ecosystem: ``terok``, its five packages, ``setup.stamp``."""
        return cls()

    @property
    def namespace(self) -> str:
        """The namespace (``terok``)."""
        return self._args[0]

    @property
    def tracked_packages(self) -> tuple[str, ...]:
        """Tracked distribution names, in order."""
        return self._args[1]

    @property
    def file_name(self) -> str:
        """The stamp file name (``setup.stamp``)."""
        return self._args[2]

    def __setattr__(self, name, value):
        """Ecosystems are immutable."""
        raise AttributeError("Ecosystem is immutable")

    def __repr__(self) -> str:
        """``Ecosystem(namespace=..., tracked_packages=..., file_name=...)``."""
        n, t, f = self._args
        return f"Ecosystem(namespace={n!r}, tracked_packages={t!r}, file_name={f!r})"

    def __eq__(self, other) -> bool:
        """Equal when all three parts are equal."""
        if not isinstance(other, Ecosystem):
            return NotImplemented
        return self._args == other._args

    def __hash__(self) -> int:
        """Hash of the three parts."""
        return hash(self._args)


class SetupStamp:
    """The stamp operations for one :class:`Ecosystem` and search path.

    ``search_path`` ``None`` (the default) means the running interpreter's
    ``sys.path`` at each call; otherwise a fixed sequence of directories,
    zip files or eggs (``str`` or path-like), e.g. a virtual environment's
    ``site-packages``.
    """

    __slots__ = ("ecosystem", "search_path")

    def __init__(self, ecosystem: "Ecosystem | None" = None, search_path=None):
        """Bind an ecosystem (default: the reference one) and a search path."""
        self.ecosystem = ecosystem if ecosystem is not None else Ecosystem()
        """The ecosystem."""
        self.search_path = None if search_path is None else list(search_path)
        """The fixed search path, or ``None`` for the live ``sys.path``."""

    def _path(self):
        return _sys.path if self.search_path is None else self.search_path

    def stamp_path(self):
        """Where this ecosystem's stamp lives (a :class:`pathlib.Path`)."""
        return _native.stamp_path(self.ecosystem._args)

    def needs_setup(self) -> SetupVerdict:
        """The verdict for this ecosystem and search path."""
        return _VERDICTS[_native.needs_setup(self._path(), self.ecosystem._args)]

    def check_report(self) -> Report:
        """The verdict and the per-package report."""
        return _report(_native.check(self._path(), self.ecosystem._args))

    def write_stamp(self):
        """Write the stamp for the installed tracked packages; return its path."""
        return _native.write_stamp(self._path(), self.ecosystem._args)

    def clear_stamp(self) -> bool:
        """Remove the stamp; ``True`` if a file was removed."""
        return _native.clear_stamp(self.ecosystem._args)

    def installed_versions(self) -> dict[str, str]:
        """``{package: version}`` of the tracked packages found, in tracked order."""
        return _native.installed_versions(self._path(), self.ecosystem._args)

    def __repr__(self) -> str:
        """``SetupStamp(ecosystem=..., search_path=...)``."""
        return f"SetupStamp(ecosystem={self.ecosystem!r}, search_path={self.search_path!r})"


__all__ = [
    "SetupVerdict",
    "clear_stamp",
    "needs_setup",
    "stamp_path",
    "write_stamp",
]
