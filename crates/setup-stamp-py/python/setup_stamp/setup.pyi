"""Type stubs for ``setup_stamp.setup``: the API of ``terok_util.setup`` (terok-util 0.4)."""

from collections.abc import Iterable, Mapping
from contextlib import _GeneratorContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

__all__ = [
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

_SETUP_LOCK_NAME: Final[str]
_SETUP_BUSY: Final[str]

def _platform_state_base() -> Path:
    """Return the platform-default state base (no config override)."""

def setup_lock() -> _GeneratorContextManager[None]:
    """Serialize setup mutations across packages, processes, and threads."""

class SetupStatus(StrEnum):
    """Whether installed setup can be used by the running package."""

    READY = "ready"
    MISSING = "missing"
    STALE = "stale"
    DOWNGRADE = "downgrade"
    INVALID = "invalid"

@dataclass(frozen=True)
class SetupCheck:
    """One owner's setup result, composable with checks from its dependencies."""

    owner: str
    component: str
    status: SetupStatus
    diagnostic: str = ""

@dataclass(frozen=True)
class SetupReceipt:
    """Certify one owner's version and setup inputs in an atomic JSON receipt."""

    path: Path
    owner: str
    version: str
    inputs: Mapping[str, str]
    def check(self) -> SetupCheck:
        """Compare the receipt with the current owner, version, and setup inputs."""
    def clear(self) -> None:
        """Invalidate this owner's receipt, refusing an unsupported downgrade."""
    def write(self) -> None:
        """Atomically certify successful setup, refusing an unsupported downgrade."""

def setup_status(checks: Iterable[SetupCheck]) -> SetupStatus:
    """Summarize checks, prioritizing unsupported downgrades over repairable setup."""

def require_no_downgrade(checks: Iterable[SetupCheck]) -> None:
    """Reject newer setup anywhere in the supplied dependency closure."""

def require_setup(checks: Iterable[SetupCheck]) -> None:
    """Require all checks to be ready, using typed errors instead of process exits."""

def python_identity() -> str:
    """Identify the running bootstrap Python and detect replacement or disappearance."""

class SetupRequiredError(RuntimeError):
    """Setup must complete before an operation may change running tasks."""

class SetupDowngradeError(SetupRequiredError):
    """Newer installed setup cannot be replaced by an older package."""

class InvalidVersion(ValueError):
    """A version that is not PEP 440 (when ``packaging`` is not installed)."""
