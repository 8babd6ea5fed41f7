"""Type stubs for ``setup_stamp``: the reference API of ``terok_sandbox.setup_stamp`` plus extras."""

import os
from collections.abc import Iterable, Sequence
from enum import Enum
from pathlib import Path
from typing import Final

from . import setup as setup
from .setup import SetupCheck as SetupCheck
from .setup import SetupDowngradeError as SetupDowngradeError
from .setup import SetupReceipt as SetupReceipt
from .setup import SetupRequiredError as SetupRequiredError
from .setup import SetupStatus as SetupStatus
from .setup import python_identity as python_identity
from .setup import require_no_downgrade as require_no_downgrade
from .setup import require_setup as require_setup
from .setup import setup_lock as setup_lock
from .setup import setup_status as setup_status

__all__ = ["SetupVerdict", "clear_stamp", "needs_setup", "stamp_path", "write_stamp"]

class SetupVerdict(Enum):
    """Result of :func:`needs_setup` — five possible states a launch can be in."""

    OK = "ok"
    FIRST_RUN = "first_run"
    STALE_AFTER_UPDATE = "stale_after_update"
    STALE_AFTER_DOWNGRADE = "stale_after_downgrade"
    STAMP_CORRUPT = "stamp_corrupt"

_STAMP_SCHEMA_VERSION: Final[int]
_STAMP_FILENAME: Final[str]
_TRACKED_PACKAGES: tuple[str, ...]

def stamp_path() -> Path:
    """Return the canonical on-disk location of the setup stamp."""

def needs_setup() -> SetupVerdict:
    """Compare the on-disk stamp against currently-installed package versions."""

def write_stamp() -> Path:
    """Capture the currently-installed versions to disk and return the path."""

def clear_stamp() -> bool:
    """Remove the stamp file if present.  Returns True if a file was removed."""

def installed_versions() -> dict[str, str]:
    """Return ``{package: version}`` for every tracked package present in the install."""

def read_stamp(path: str | os.PathLike[str]) -> dict[str, str]:
    """Parse the stamp file, returning the ``packages`` mapping."""

def _compare_versions(a: str, b: str) -> int:
    """Return -1 / 0 / 1 for ``a`` vs ``b`` using PEP 440 ordering."""

def _compare(stamped: dict[str, str], installed: dict[str, str]) -> SetupVerdict:
    """Compare stamped versions against installed; return the matching verdict."""

_installed_versions = installed_versions
_read_stamp = read_stamp

class PackageChange(Enum):
    """How one package differs between the stamp and the install."""

    SAME = "same"
    UPGRADED = "upgraded"
    DOWNGRADED = "downgraded"
    NOT_INSTALLED = "not_installed"
    NOT_STAMPED = "not_stamped"
    UNKNOWN = "unknown"

class PackageStatus:
    """One package line of a :class:`Report`."""

    package: str
    stamped: str | None
    is_installed: bool
    installed: str | None
    change: PackageChange
    def __init__(
        self,
        package: str,
        stamped: str | None,
        is_installed: bool,
        installed: str | None,
        change: PackageChange,
    ) -> None: ...

class Report:
    """The verdict of :func:`needs_setup` and what changed, package by package."""

    verdict: SetupVerdict
    packages: list[PackageStatus]
    def __init__(self, verdict: SetupVerdict, packages: list[PackageStatus]) -> None: ...

def check_report() -> Report:
    """Like :func:`needs_setup`, with the per-package details."""

class Ecosystem:
    """Which packages a stamp tracks, and where it lives."""

    def __init__(
        self,
        namespace: str = "terok",
        tracked_packages: Iterable[str] = ...,
        file_name: str = "setup.stamp",
    ) -> None: ...
    @classmethod
    def terok(cls) -> Ecosystem:
        """The reference ecosystem."""
    @property
    def namespace(self) -> str: ...
    @property
    def tracked_packages(self) -> tuple[str, ...]: ...
    @property
    def file_name(self) -> str: ...
    def __hash__(self) -> int: ...

class SetupStamp:
    """The stamp operations for one :class:`Ecosystem` and search path."""

    ecosystem: Ecosystem
    search_path: list[str | os.PathLike[str]] | None
    def __init__(
        self,
        ecosystem: Ecosystem | None = None,
        search_path: Sequence[str | os.PathLike[str]] | None = None,
    ) -> None: ...
    def stamp_path(self) -> Path: ...
    def needs_setup(self) -> SetupVerdict: ...
    def check_report(self) -> Report: ...
    def write_stamp(self) -> Path: ...
    def clear_stamp(self) -> bool: ...
    def installed_versions(self) -> dict[str, str]: ...
