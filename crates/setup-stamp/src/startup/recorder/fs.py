"""Observers of the file system's metadata: ``os.stat``, ``lstat``,
``fstat``, ``access``, ``readlink``, ``listdir``, ``scandir`` (and its
entries), ``getcwd``.

Part of setup-stamp's recorder (see ``boot.py``).
"""

import stat as stat_mode
import sys

from _setup_stamp_recorder_state import (  # noqa: F401
    _Quiet,
    _StatView,
    _observe,
    _observe_cwd,
    _observed_fds,
    _path_of,
    _real,
    _record_stat,
    _refuse,
    _stat_record,
    _text,
)


# ── stat, lstat, access, readlink ────────────────────────────────────────


def _stat(path, *, dir_fd=None, follow_symlinks=True):
    raw = _path_of(path, "stat") if dir_fd is None else None
    if dir_fd is not None:
        _refuse("stat relative to a directory descriptor")
    try:
        with _Quiet():
            result = _real["stat"](path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)
    except OSError as exc:
        if raw is not None:
            _record_stat(raw, follow_symlinks, exc.errno)
        raise
    if raw is None:
        return result
    return _StatView(result, _record_stat(raw, follow_symlinks, result))


def _fstat(fd):
    """``os.fstat``: of a file opened through the observed ``open``, a
    stat of its path; of any other descriptor, not part of the key."""
    with _Quiet():
        result = _real["fstat"](fd)
    raw = _observed_fds.get(fd) if isinstance(fd, int) else None
    if raw is None:
        return result
    return _StatView(result, _record_stat(raw, True, result))


def _lstat(path, *, dir_fd=None):
    return _stat(path, dir_fd=dir_fd, follow_symlinks=False)


def _access(path, mode, *, dir_fd=None, effective_ids=False, follow_symlinks=True):
    raw = _path_of(path, "access") if dir_fd is None else None
    if dir_fd is not None:
        _refuse("access relative to a directory descriptor")
    with _Quiet():
        result = _real["access"](
            path, mode, dir_fd=dir_fd, effective_ids=effective_ids, follow_symlinks=follow_symlinks
        )
    if raw is not None:
        _observe(
            {
                "kind": "access",
                "path": _text(raw),
                "mode": mode,
                "effective_ids": effective_ids,
                "follow": follow_symlinks,
                "result": result,
            }
        )
    return result


def _readlink(path, *, dir_fd=None):
    raw = _path_of(path, "readlink") if dir_fd is None else None
    if dir_fd is not None:
        _refuse("readlink relative to a directory descriptor")
    try:
        with _Quiet():
            target = _real["readlink"](path, dir_fd=dir_fd)
    except OSError as exc:
        if raw is not None:
            _observe({"kind": "readlink", "path": _text(raw), "result": {"errno": exc.errno}})
        raise
    if raw is not None:
        _observe({"kind": "readlink", "path": _text(raw), "result": {"ok": _text(target)}})
    return target


# ── directory listings ───────────────────────────────────────────────────


def _entry_type(entry):
    if entry.is_symlink():
        return "symlink"
    if entry.is_dir(follow_symlinks=False):
        return "dir"
    if entry.is_file(follow_symlinks=False):
        return "file"
    return "other"


def _identity_before(raw):
    """The directory's stat, taken before it is listed: a change after this
    makes the recorded identity older than the listing, never newer."""
    with _Quiet():
        try:
            return _stat_record(_real["stat"](raw))
        except OSError:
            return None


def _observe_listing(raw, with_types):
    """Lists `raw` (bytes) itself and records it (for what no wrapper saw)."""
    identity = _identity_before(raw)
    try:
        with _Quiet():
            with _real["scandir"](raw) as it:
                entries = [(e.name, _entry_type(e)) for e in it]
    except OSError as exc:
        _observe({"kind": "scandir" if with_types else "listdir", "path": _text(raw),
                  "identity": None, "result": {"errno": exc.errno}})
        return
    if with_types:
        _observe({"kind": "scandir", "path": _text(raw), "identity": identity,
                  "result": {"ok": [[_text(n), t] for n, t in entries]}})
    else:
        _observe({"kind": "listdir", "path": _text(raw), "identity": identity,
                  "result": {"ok": [_text(n) for n, _ in entries]}})


def _listdir(path="."):
    if path is None:
        path = "."
    raw = _path_of(path, "listdir")
    identity = _identity_before(raw) if raw is not None else None
    try:
        with _Quiet():
            names = _real["listdir"](path)
    except OSError as exc:
        if raw is not None:
            _observe({"kind": "listdir", "path": _text(raw), "identity": None,
                      "result": {"errno": exc.errno}})
        raise
    if raw is not None:
        _observe({"kind": "listdir", "path": _text(raw), "identity": identity,
                  "result": {"ok": [_text(n) for n in names]}})
    return names


class _Entry:
    """An os.DirEntry whose stat goes through the observed os.stat."""

    __slots__ = ("_entry", "_kind", "name", "path")

    def __init__(self, entry, kind):
        self._entry, self._kind = entry, kind
        self.name, self.path = entry.name, entry.path

    def __fspath__(self):
        return self.path

    def __repr__(self):
        return f"<DirEntry {self.name!r}>"

    def is_symlink(self):
        return self._kind == "symlink"

    def is_junction(self):
        return False

    def is_dir(self, *, follow_symlinks=True):
        if self._kind == "symlink" and follow_symlinks:
            try:
                return stat_mode.S_ISDIR(_stat_fn(self.path).st_mode)
            except OSError:
                return False
        return self._kind == "dir"

    def is_file(self, *, follow_symlinks=True):
        if self._kind == "symlink" and follow_symlinks:
            try:
                return stat_mode.S_ISREG(_stat_fn(self.path).st_mode)
            except OSError:
                return False
        return self._kind == "file"

    def stat(self, *, follow_symlinks=True):
        return _stat(self.path, follow_symlinks=follow_symlinks)

    def inode(self):
        return _stat(self.path, follow_symlinks=False).st_ino


def _stat_fn(path):
    return _stat(path)


class _Scandir:
    def __init__(self, entries):
        self._iter = iter(entries)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._iter)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._iter = iter(())


def _scandir(path="."):
    if path is None:
        path = "."
    raw = _path_of(path, "scandir")
    identity = _identity_before(raw) if raw is not None else None
    try:
        with _Quiet():
            with _real["scandir"](path) as it:
                real_entries = list(it)
            kinds = [_entry_type(e) for e in real_entries]
    except OSError as exc:
        if raw is not None:
            _observe({"kind": "scandir", "path": _text(raw), "identity": None,
                      "result": {"errno": exc.errno}})
        raise
    if raw is not None:
        _observe({"kind": "scandir", "path": _text(raw), "identity": identity,
                  "result": {"ok": [[_text(e.name), k] for e, k in zip(real_entries, kinds)]}})
    return _Scandir([_Entry(e, k) for e, k in zip(real_entries, kinds)])


def _at_import(frame):
    """Whether `frame` is a module's top-level code run by an import."""
    if frame is None or frame.f_code.co_name != "<module>":
        return False
    outer = frame.f_back
    while outer is not None:
        if outer.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        outer = outer.f_back
    return False


def _observe_getcwd():
    """``os.getcwd()`` itself: keyed, except when a module's top-level code
    asks while it is imported (rich keeps it to shorten traceback paths):
    that is recorded as ``import_cwd``, which the replay does not ask again
    (docs/startup-verdict.md, "What is not in the key")."""
    if _at_import(sys._getframe(2)):
        with _Quiet():
            try:
                cwd = {"ok": _text(_real["getcwdb"]())}
            except OSError as exc:
                cwd = {"errno": exc.errno}
        _observe({"kind": "import_cwd", "result": cwd})
    else:
        _observe_cwd()


def _getcwd():
    _observe_getcwd()
    with _Quiet():
        return _real["getcwd"]()


def _getcwdb():
    _observe_getcwd()
    with _Quiet():
        return _real["getcwdb"]()
