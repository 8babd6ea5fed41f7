"""Extras beyond the reference API: the per-package report and configurable ecosystems.

Imported on first use through ``setup_stamp.__getattr__``; import the names
from ``setup_stamp``.
"""

import sys as _sys
from enum import Enum as _Enum

from . import _native
from . import _VERDICTS, SetupVerdict, _ecosystem, _installed_override


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
        return _report(_native.check(_sys.path, _ecosystem()))
    return _report(_native.check(_sys.path, _ecosystem(), list(override().items())))


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
