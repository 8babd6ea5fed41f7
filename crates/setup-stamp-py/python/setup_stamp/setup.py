"""Check and certify package-owned setup without knowing the dependency graph.

A drop-in for ``terok_util.setup`` (terok-util 0.4): the same names, the same
statuses and diagnostics, the same receipt bytes, the same exceptions.
Replace ``from terok_util.setup import SetupReceipt, setup_lock`` with
``from setup_stamp.setup import SetupReceipt, setup_lock`` and nothing else
changes.

Each package that owns setup work keeps a small JSON *receipt*
(``{"owner": str, "version": str, "inputs": {str: str}}``) written after its
setup succeeded.  :meth:`SetupReceipt.check` compares it with the running
owner, version and inputs; :func:`setup_status`, :func:`require_setup` and
:func:`require_no_downgrade` combine the checks of a dependency closure;
:func:`setup_lock` serializes setup mutations across packages, processes and
threads.

The work (reading, parsing and comparing receipts, PEP 440 versions, the
atomic write, the ``flock``, the interpreter's ``stat`` and its JSON) is done
by the compiled module ``setup_stamp._native``; this module shapes the API.
How checks combine (:func:`setup_status` and the ``require_*`` functions)
stays in Python because it works on the caller's :class:`SetupCheck` objects
as they are.

Differences from the reference (all on inputs it does not expect):

* ``path`` may also be a ``str`` (the reference needs a ``pathlib.Path``).
* ``write()`` to a path that names no file (``.``, ``dir/..``) fails with
  ``EBUSY`` as in the reference, but without first creating a missing
  parent directory.
* A receipt path holding a FIFO, a device or a file over 1 MiB is
  ``invalid`` at once (the reference blocks on the FIFO or reads it all);
  JSON nested deeper than Python's recursion limit is ``invalid`` (the
  reference raises ``RecursionError``).
* Owner, version or input strings with lone surrogates: ``check()`` treats
  such inputs as different from any stored ones and such an owner as another
  owner; ``write()`` raises ``UnicodeEncodeError`` (the reference escapes
  them in the JSON).
* ``inputs`` that are not a mapping never equal the stored inputs (the
  reference compares them with ``!=``, which for a non-mapping is the same
  unless the object defines its own equality).
* A version that is not PEP 440 makes ``write()`` raise
  ``packaging.version.InvalidVersion`` when ``packaging`` is installed
  (imported on that path only), else this module's :class:`InvalidVersion`
  (a ``ValueError``, same message).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from . import _native

_setup_mutex = threading.RLock()
_setup_fd = None  # the held lock (a native handle) while this process owns it
_SETUP_LOCK_NAME = "setup.lock"
_SETUP_BUSY = _native.SETUP_BUSY


def _platform_state_base() -> Path:
    """Return the platform-default state base (no config override).

    ``/var/lib/terok`` for real root, the user data directory otherwise, as
    ``terok_util.paths._platform_state_base``.  Patching this name on this
    module moves the setup lock, as patching it on ``terok_util.setup`` does.
    """
    return _native.platform_state_base()


_ORIGINAL_PLATFORM_STATE_BASE = _platform_state_base


@contextmanager
def setup_lock() -> Iterator[None]:
    """Serialize setup mutations across packages, processes, and threads.

    Hold this around preflight, artifact changes, and receipt writes. Nested
    calls in the owning thread share the lock; competing callers fail with
    :class:`SetupRequiredError`.  Usable as a decorator (``@setup_lock()``).
    """
    global _setup_fd
    mutex, process = _setup_mutex, os.getpid()
    if not mutex.acquire(blocking=False):
        raise SetupRequiredError(_SETUP_BUSY)
    try:
        if _setup_fd is not None:
            yield
            return
        # Global hooks share one lock even across runtime sessions and state-root overrides.
        if _platform_state_base is _ORIGINAL_PLATFORM_STATE_BASE:
            handle = _native.setup_lock_acquire()
        else:
            handle = _native.setup_lock_acquire(_platform_state_base() / _SETUP_LOCK_NAME)
        if handle is None:
            raise SetupRequiredError(_SETUP_BUSY)
        try:
            _setup_fd = handle
            yield
        finally:
            if os.getpid() == process:
                _setup_fd = None
                handle.release()
    finally:
        if os.getpid() == process:
            mutex.release()


def _reset_setup_lock_after_fork() -> None:
    """A forked child must neither inherit ownership nor retain the parent's lock."""
    global _setup_mutex, _setup_fd
    if _setup_fd is not None:
        _setup_fd.forget_after_fork()
    _setup_fd = None
    _setup_mutex = threading.RLock()


os.register_at_fork(after_in_child=_reset_setup_lock_after_fork)


class SetupStatus(StrEnum):
    """Whether installed setup can be used by the running package."""

    READY = "ready"
    MISSING = "missing"
    STALE = "stale"
    DOWNGRADE = "downgrade"
    INVALID = "invalid"


# The native module reports statuses as their position in this tuple.
_STATUSES = tuple(SetupStatus)


@dataclass(frozen=True)
class SetupCheck:
    """One owner's setup result, composable with checks from its dependencies."""

    owner: str
    component: str
    status: SetupStatus
    diagnostic: str = ""


@dataclass(frozen=True)
class SetupReceipt:
    """Certify one owner's version and setup inputs in an atomic JSON receipt.

    Owners preflight their full dependency closure before changing artifacts,
    clear their receipt immediately before their own writes, and write it only
    after verification succeeds, holding :func:`setup_lock` across the whole
    transition. A receipt never certifies child packages.
    """

    path: Path
    owner: str
    version: str
    inputs: Mapping[str, str]

    def check(self) -> SetupCheck:
        """Compare the receipt with the current owner, version, and setup inputs."""
        owner, version, inputs = self.owner, self.version, self.inputs
        pairs = _input_pairs(inputs)
        if type(owner) is str and type(version) is str and pairs is not None:
            try:
                index, diagnostic = _native.receipt_check(self.path, owner, version, pairs)
                return SetupCheck(owner, "receipt", _STATUSES[index], diagnostic)
            except UnicodeEncodeError:
                pass
        return self._check_shaped(pairs)

    def clear(self) -> None:
        """Invalidate this owner's receipt, refusing an unsupported downgrade."""
        owner, version, pairs = self.owner, self.version, _input_pairs(self.inputs)
        if not (_plain(owner) and _plain(version) and pairs is not None):
            # Only the check and the refusal depend on them; removing does not.
            require_no_downgrade([self.check()])
            owner, version, pairs = "", "0", []
        _refused(_native.receipt_clear(self.path, owner, version, pairs))

    def write(self) -> None:
        """Atomically certify successful setup, refusing an unsupported downgrade."""
        owner, version, inputs = self.owner, self.version, self.inputs
        pairs = _input_pairs(inputs)
        if not (_plain(owner) and _plain(version) and pairs is not None):
            require_no_downgrade([self.check()])
            receipt = {"owner": owner, "version": version, "inputs": dict(inputs)}
            if not _valid_receipt(receipt):
                raise ValueError("Setup receipt requires a string owner, version, and inputs")
            pairs = list(receipt["inputs"].items())
        _refused(_native.receipt_write(self.path, owner, version, pairs))

    def _check_shaped(self, pairs: list[tuple[str, str]] | None) -> SetupCheck:
        """``check()`` for an owner, version or inputs the native layer cannot
        take as they are (not ``str``, lone surrogates): each is replaced by a
        stand-in that compares as the reference's value would."""
        owner, version = self.owner, self.version
        # An owner that is not a plain string never equals a stored (non-empty) one.
        native_owner = owner if _plain(owner) else ""
        # A version that is not a plain string is never a valid PEP 440 version.
        native_version = version if _plain(version) else "!"
        comparable = pairs is not None and all(_plain(k) and _plain(v) for k, v in pairs)
        index, diagnostic = _native.receipt_check(
            self.path, native_owner, native_version, pairs if comparable else []
        )
        status = _STATUSES[index]
        if status is SetupStatus.READY and not comparable:
            # The inputs given cannot equal the stored (plain string) ones.
            status, diagnostic = SetupStatus.STALE, "Setup version or inputs changed"
        return SetupCheck(owner, "receipt", status, diagnostic)

    def _result(self, status: SetupStatus, diagnostic: str = "") -> SetupCheck:
        """Label a receipt check with its owner."""
        return SetupCheck(self.owner, "receipt", status, diagnostic)


def setup_status(checks: Iterable[SetupCheck]) -> SetupStatus:
    """Summarize checks, prioritizing unsupported downgrades over repairable setup."""
    statuses = {check.status for check in checks}
    return next(
        (
            status
            for status in (
                SetupStatus.DOWNGRADE,
                SetupStatus.INVALID,
                SetupStatus.MISSING,
                SetupStatus.STALE,
            )
            if status in statuses
        ),
        SetupStatus.READY,
    )


def require_no_downgrade(checks: Iterable[SetupCheck]) -> None:
    """Reject newer setup anywhere in the supplied dependency closure."""
    downgrades = [check for check in checks if check.status == SetupStatus.DOWNGRADE]
    if downgrades:
        raise SetupDowngradeError(_diagnostics(downgrades) + ". Downgrades are not supported.")


def require_setup(checks: Iterable[SetupCheck]) -> None:
    """Require all checks to be ready, using typed errors instead of process exits."""
    pending = [check for check in checks if check.status != SetupStatus.READY]
    require_no_downgrade(pending)
    if pending:
        raise SetupRequiredError(_diagnostics(pending) + ". Run setup again.")


def python_identity() -> str:
    """Identify the running bootstrap Python and detect replacement or disappearance."""
    executable, version = sys.executable, sys.version
    if not executable:
        text = _native.python_identity(b"", version)
        # json.dumps spells a None executable as null, an empty one as "".
        return text if executable is not None else "[null" + text[3:]
    return _native.python_identity(os.fsencode(executable), version)


class SetupRequiredError(RuntimeError):
    """Setup must complete before an operation may change running tasks."""


class SetupDowngradeError(SetupRequiredError):
    """Newer installed setup cannot be replaced by an older package."""


class InvalidVersion(ValueError):
    """A version that is not PEP 440 (raised when ``packaging`` is not installed;
    otherwise ``packaging.version.InvalidVersion`` itself is raised)."""


def _valid_receipt(receipt: object) -> bool:
    """Accept only the owner-local receipt shape, not legacy aggregate stamps."""
    return (
        isinstance(receipt, dict)
        and set(receipt) == {"owner", "version", "inputs"}
        and isinstance(receipt["owner"], str)
        and bool(receipt["owner"])
        and isinstance(receipt["version"], str)
        and isinstance(receipt["inputs"], dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in receipt["inputs"].items())
    )


def _diagnostics(checks: Iterable[SetupCheck]) -> str:
    """Join owner-labelled checks without knowing how owners expose their setup CLI."""
    return "; ".join(
        f"{check.owner}/{check.component}: {check.diagnostic or check.status}" for check in checks
    )


def _plain(value: object) -> bool:
    """A ``str`` the native layer takes as it is (no lone surrogates)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _input_pairs(inputs: object) -> list[tuple[str, str]] | None:
    """The inputs as ``(key, value)`` pairs when they are a mapping of ``str``
    to ``str``; ``None`` otherwise (they then never equal stored inputs)."""
    if isinstance(inputs, dict):
        items = inputs.items()
    elif isinstance(inputs, Mapping):
        items = dict(inputs.items()).items()
    else:
        return None
    pairs = list(items)
    for key, value in pairs:
        if not (isinstance(key, str) and isinstance(value, str)):
            return None
    return pairs


def _refused(outcome: tuple[int, str] | None) -> None:
    """Raise the exception for a native refusal ``(kind, message)``."""
    if outcome is None:
        return
    kind, message = outcome
    if kind == 1:
        raise SetupDowngradeError(message)
    if kind == 2:
        raise ValueError(message)
    raise _invalid_version(message)


def _invalid_version(message: str) -> ValueError:
    """``packaging.version.InvalidVersion(message)`` when ``packaging`` is
    installed (imported on this path only), else :class:`InvalidVersion`."""
    try:
        from packaging.version import InvalidVersion as packaging_invalid_version
    except ImportError:
        return InvalidVersion(message)
    return packaging_invalid_version(message)


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
