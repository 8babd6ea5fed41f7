"""Run one terok owner's own setup check and record everything it read.

setup-stamp runs this file, unchanged, in the interpreter terok's console
scripts use (``python -c <this text> OWNER SCRIPT_DIR``), when its cache of
terok's start-up verdict cannot be proved current.  It

1. starts observing before anything of terok's is imported, so that what
   terok reads at import time is seen too;
2. imports the owner's check and calls it as terok's TUI does
   (``setup_status(check_setup())``; an ``Exception`` there is the answer
   ``invalid``, with the exception's type and message);
3. prints one JSON object on the standard output it was started with: the
   checks, the status, and the *observations*: every file read (the bytes
   actually delivered, by offset, as sha256), every path stat'ed, linked,
   tested for access or found absent, every directory listed, every
   environment variable consulted, the ids and passwd entries asked for,
   the working directory when a relative path was used, and the directory
   listings of the search path (the installed distributions).

setup-stamp keeps the answer under these observations and, on later calls,
replays them natively: while every observation still holds, terok's check
would read exactly what it read before and so give the same answer.

What the observer sees is what goes through Python's ``os``, ``io``,
``builtins.open``, ``pwd`` and ``os.environ`` (wrapped here), plus every
``open``, ``os.listdir`` and ``os.scandir`` audit event (PEP 578) that did
not come through a wrapper.  Anything whose outcome cannot be replayed
(a subprocess, a socket, a database connection, a write, a file descriptor
passed instead of a path, the process id, a non-regular file read, a file
that changed while it was being read) is reported as a reason not to keep
the answer; the answer itself is still given.

The output's format is versioned by ``FORMAT``; the Rust side
(``crates/setup-stamp/src/startup``) rejects any other.
"""

import sys

# First of all, before any import can look there: the search path's first
# entry is the console script's directory (as for ``terok`` itself, given as
# the second argument), never the working directory that ``-c`` puts there.
if sys.path and sys.path[0] == "" and not getattr(sys.flags, "safe_path", False):
    if len(sys.argv) > 2 and sys.argv[2]:
        sys.path[0] = sys.argv[2]
    else:
        del sys.path[0]

import builtins
import hashlib
import io
import json
import os
import stat as stat_mode
import threading

FORMAT = "setup-stamp startup observations 1"

# Each owner's check, as that owner's own frontend composes it.  terok's is
# what its TUI calls: ``setup_status(check_setup())`` from
# ``terok.lib.api.setup``.
OWNER_CHECKS = {
    "terok": ("terok.lib.api.setup", "check_setup", ()),
    "terok-executor": ("terok_executor.sandbox", "check_setup", ()),
    "terok-sandbox": ("terok_sandbox.setup", "check_setup", ()),
    "terok-shield": ("terok_shield.hooks.install", "HooksInstaller", ("check_setup",)),
}

_real = {
    "stat": os.stat,
    "lstat": os.lstat,
    "fstat": os.fstat,
    "access": os.access,
    "readlink": os.readlink,
    "listdir": os.listdir,
    "scandir": os.scandir,
    "getcwd": os.getcwd,
    "getcwdb": os.getcwdb,
    "open": os.open,
    "io_open": io.open,
    "getuid": os.getuid,
    "geteuid": os.geteuid,
    "getgid": os.getgid,
    "getegid": os.getegid,
    "getgroups": os.getgroups,
    "getpid": os.getpid,
}
_Environ = type(os.environ)
_real_environ = {
    name: getattr(_Environ, name)
    for name in ("__getitem__", "__iter__", "__len__", "__contains__", "copy")
}

_lock = threading.RLock()
_local = threading.local()
_observations = []
_seen = {}
_uncacheable = []
_fallback_files = {}
_receipts = []
_open_files = []


def _inside():
    return getattr(_local, "depth", 0) > 0


class _Quiet:
    """While inside, the audit hook ignores what the wrappers themselves do."""

    def __enter__(self):
        _local.depth = getattr(_local, "depth", 0) + 1

    def __exit__(self, *exc):
        _local.depth -= 1


def _text(value):
    """A path or name for JSON: text when it is UTF-8, else {"hex": ...}."""
    if isinstance(value, str):
        value = os.fsencode(value)
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return {"hex": value.hex()}


def _observe(record):
    """Records one observation, once: ``{"<kind>": {...fields}}``."""
    kind = record.pop("kind")
    record = {kind: record}
    key = json.dumps(record, sort_keys=True)
    with _lock:
        if key in _seen:
            return
        _seen[key] = True
        _observations.append(record)


def _refuse(reason):
    with _lock:
        if reason not in _uncacheable:
            _uncacheable.append(reason)


def _path_of(path, what):
    """The path argument as bytes, or None (after refusing) for a descriptor."""
    if isinstance(path, int):
        _refuse(f"{what} of a file descriptor")
        return None
    try:
        raw = os.fspath(path)
    except TypeError:
        return None
    if isinstance(raw, str):
        raw = os.fsencode(raw)
    if not raw.startswith(b"/"):
        _observe_cwd()
    return raw


def _observe_cwd():
    with _Quiet():
        try:
            cwd = _real["getcwdb"]()
        except OSError as exc:
            _observe({"kind": "cwd", "result": {"errno": exc.errno}})
            return
    _observe({"kind": "cwd", "result": {"ok": _text(cwd)}})


def _stat_record(result):
    """``[mode, ino, dev, nlink, uid, gid, size, atime_ns, mtime_ns,
    ctime_ns, rdev, blksize, blocks]``."""
    return [
        result.st_mode,
        result.st_ino,
        result.st_dev,
        result.st_nlink,
        result.st_uid,
        result.st_gid,
        result.st_size,
        result.st_atime_ns,
        result.st_mtime_ns,
        result.st_ctime_ns,
        result.st_rdev,
        result.st_blksize,
        result.st_blocks,
    ]


# Which field of the record each way of reading a stat result reads.
_FIELD_OF = {
    "st_mode": "mode", "st_ino": "ino", "st_dev": "dev", "st_nlink": "nlink",
    "st_uid": "uid", "st_gid": "gid", "st_size": "size",
    "st_atime": "atime", "st_atime_ns": "atime", "st_mtime": "mtime",
    "st_mtime_ns": "mtime", "st_ctime": "ctime", "st_ctime_ns": "ctime",
    "st_rdev": "rdev", "st_blksize": "blksize", "st_blocks": "blocks",
}
_FIELDS_BY_INDEX = ("mode", "ino", "dev", "nlink", "uid", "gid", "size", "atime", "mtime", "ctime")
_ALL_FIELDS = frozenset(_FIELD_OF.values())
# Where each field is in _stat_record's list.
_RECORD_INDEX = {
    "mode": 0, "ino": 1, "dev": 2, "nlink": 3, "uid": 4, "gid": 5, "size": 6,
    "atime": 7, "mtime": 8, "ctime": 9, "rdev": 10, "blksize": 11, "blocks": 12,
}


class _StatView:
    """A stat result that notes which of its fields the program reads, so
    that only those are part of the key (``os.path.exists`` reads none,
    ``is_file()`` only the mode, ``python_identity()`` four)."""

    __slots__ = ("_result", "_used")

    def __init__(self, result, used):
        self._result, self._used = result, used

    def __getattr__(self, name):
        value = getattr(self._result, name)
        self._used.add(_FIELD_OF.get(name, "*"))
        return value

    def __getitem__(self, index):
        picked = _FIELDS_BY_INDEX[index]
        self._used.update((picked,) if isinstance(picked, str) else picked)
        return self._result[index]

    def __len__(self):
        return len(self._result)

    def __iter__(self):
        self._used.update(_FIELDS_BY_INDEX)
        return iter(self._result)

    def _whole(self):
        self._used.add("*")
        return self._result

    def __eq__(self, other):
        return self._whole() == (other._whole() if isinstance(other, _StatView) else other)

    def __hash__(self):
        return hash(self._whole())

    def __repr__(self):
        return repr(self._whole())

    def __reduce__(self):
        return self._whole().__reduce__()


_stats = {}
_stat_order = []
_observed_fds = {}


def _record_stat(raw, follow, result):
    """Notes one stat call (a result, or an errno as an int) and returns
    the set its view fills with the fields read. Calls of the same (path,
    follow) are merged at the end."""
    outcome = {"errno": result} if isinstance(result, int) else {"ok": _stat_record(result)}
    used = set()
    with _lock:
        calls = _stats.get((raw, follow))
        if calls is None:
            calls = _stats[(raw, follow)] = []
            _stat_order.append((raw, follow))
        calls.append((outcome, used))
    return used


def _report_stats():
    """One observation per (path, follow): the fields read by any call, and
    a refusal if two calls saw different values of a field one of them read
    (the path changed while the check looked at it)."""
    for raw, follow in _stat_order:
        calls = _stats[(raw, follow)]
        used = set().union(*(u for _, u in calls))
        fields = sorted(_ALL_FIELDS) if "*" in used else sorted(used)
        indices = [_RECORD_INDEX[f] for f in fields]
        first = calls[0][0]

        def seen(outcome):
            if "errno" in outcome:
                return ("errno", outcome["errno"])
            return ("ok", tuple(outcome["ok"][i] for i in indices))

        if any(seen(outcome) != seen(first) for outcome, _ in calls[1:]):
            _refuse(f"a path changed while it was examined: {_text(raw)}")
        _observe({"kind": "stat", "path": _text(raw), "follow": follow, "result": first,
                  "used": fields})


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


# ── files read ───────────────────────────────────────────────────────────


class _ObservedFile(io.FileIO):
    """A read-only FileIO that records the bytes it delivers, by offset."""

    def __init__(self, raw_path, name):
        self._observed_path = raw_path
        self._segments = []
        self._reported = False
        with _Quiet():
            super().__init__(name, "r")
            opened = _real["fstat"](self.fileno())
        self._identity = _stat_record(opened)
        _observed_fds[self.fileno()] = raw_path
        mode = opened.st_mode
        if not stat_mode.S_ISREG(mode):
            _refuse(f"reads a file that is not a regular file: {_text(raw_path)}")
        with _lock:
            _open_files.append(self)

    def _note(self, offset, data, requested):
        short = requested is None or len(data) < requested
        self._segments.append((offset, bytes(data), short))

    def readinto(self, buffer):
        offset = super().tell()
        count = super().readinto(buffer)
        if count is not None:
            self._note(offset, memoryview(buffer)[:count], len(buffer))
        return count

    def read(self, size=-1):
        offset = super().tell()
        data = super().read(size)
        if data is not None:
            self._note(offset, data, None if size is None or size < 0 else size)
        return data

    def readall(self):
        offset = super().tell()
        data = super().readall()
        if data is not None:
            self._note(offset, data, None)
        return data

    def report(self):
        """Records what was delivered (once: at close, or at the end)."""
        if not self._reported:
            self._reported = True
            _observe_read(self._observed_path, self._identity, self._segments)

    def close(self):
        self.report()
        if not self.closed:
            _observed_fds.pop(self.fileno(), None)
        super().close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def _observe_read(raw, identity, segments):
    """Merges what was delivered into ranges from offset 0 and records it."""
    ranges = []
    eof = None
    for offset, data, short in sorted(segments, key=lambda s: s[0]):
        end = offset + len(data)
        if short:
            eof = end if eof is None else min(eof, end)
        if ranges and offset <= ranges[-1][0] + len(ranges[-1][1]):
            start, have = ranges[-1]
            overlap = start + len(have) - offset
            if have[len(have) - overlap :] != data[:overlap]:
                _refuse(f"a file changed while it was read: {_text(raw)}")
            ranges[-1] = (start, have + data[overlap:])
        elif data:
            ranges.append((offset, data))
    _observe(
        {
            "kind": "read",
            "path": _text(raw),
            "identity": identity,
            "ranges": [
                {"offset": start, "length": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                for start, data in ranges
            ],
            "eof": eof,
        }
    )


_READ_MODES = {"r", "rt", "tr", "rb", "br"}


def _open(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None, closefd=True, opener=None):
    if isinstance(file, int) or opener is not None or mode not in _READ_MODES or not closefd:
        # Not a plain read of a path: the real open, seen by the audit hook.
        return _real["io_open"](file, mode, buffering, encoding, errors, newline, closefd, opener)
    raw = _path_of(file, "open")
    if raw is None:
        return _real["io_open"](file, mode, buffering, encoding, errors, newline, closefd, opener)
    binary = "b" in mode
    if binary and (encoding is not None or errors is not None or newline is not None):
        return _real["io_open"](file, mode, buffering, encoding, errors, newline, closefd, opener)
    if not binary and buffering == 0:
        return _real["io_open"](file, mode, buffering, encoding, errors, newline, closefd, opener)
    # As io.open: the path-like becomes its str or bytes first (it is what
    # .name and an exception's filename show).
    file = os.fspath(file)
    try:
        handle = _ObservedFile(raw, file)
    except OSError as exc:
        _observe({"kind": "open", "path": _text(raw), "errno": exc.errno})
        raise
    if buffering == 0:
        return handle
    size = buffering if buffering > 1 else io.DEFAULT_BUFFER_SIZE
    if buffering < 0:
        with _Quiet():
            blksize = _real["fstat"](handle.fileno()).st_blksize
        if blksize > 1:
            size = blksize
    buffered = io.BufferedReader(handle, size)
    if binary:
        return buffered
    text = io.TextIOWrapper(buffered, encoding, errors, newline, line_buffering=buffering == 1)
    text.mode = mode
    return text


def _whole_file(raw):
    """sha256 and size of a whole regular file, or an errno; never blocks."""
    with _Quiet():
        try:
            fd = _real["open"](raw, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            return {"errno": exc.errno}
        try:
            opened = _real["fstat"](fd)
            if not stat_mode.S_ISREG(opened.st_mode):
                return {"special": True}
            digest, size = hashlib.sha256(), 0
            while chunk := os.read(fd, 1 << 16):
                digest.update(chunk)
                size += len(chunk)
            return {"identity": _stat_record(opened), "sha256": digest.hexdigest(), "size": size}
        finally:
            os.close(fd)


# ── environment, ids, passwd ─────────────────────────────────────────────


def _env_name(key):
    return _text(key)


def _environ_getitem(self, key):
    try:
        value = _real_environ["__getitem__"](self, key)
    except KeyError:
        _observe({"kind": "env", "name": _env_name(key), "value": None})
        raise
    _observe({"kind": "env", "name": _env_name(key), "value": _text(value)})
    return value


def _environ_contains(self, key):
    try:
        _environ_getitem(self, key)
    except KeyError:
        return False
    return True


def _observe_whole_environment():
    _observe({"kind": "environment"})


def _environ_iter(self):
    _observe_whole_environment()
    return _real_environ["__iter__"](self)


def _environ_len(self):
    _observe_whole_environment()
    return _real_environ["__len__"](self)


def _environ_copy(self):
    _observe_whole_environment()
    return _real_environ["copy"](self)


def _id(name):
    real = _real[name]

    def observed():
        value = real()
        _observe({"kind": "id", "name": name, "value": value})
        return value

    observed.__name__ = name
    return observed


def _getgroups():
    groups = _real["getgroups"]()
    _observe({"kind": "groups", "value": sorted(groups)})
    return groups


def _getpid():
    _refuse("uses the process id")
    return _real["getpid"]()


def _passwd_record(entry):
    return {
        "name": _text(entry.pw_name),
        "uid": entry.pw_uid,
        "gid": entry.pw_gid,
        "dir": _text(entry.pw_dir),
        "shell": _text(entry.pw_shell),
    }


def _wrap_pwd():
    try:
        import pwd
    except ImportError:
        return
    real_uid, real_name = pwd.getpwuid, pwd.getpwnam

    def getpwuid(uid):
        try:
            entry = real_uid(uid)
        except KeyError:
            _observe({"kind": "passwd", "key": {"uid": uid}, "entry": None})
            raise
        _observe({"kind": "passwd", "key": {"uid": uid}, "entry": _passwd_record(entry)})
        return entry

    def getpwnam(name):
        try:
            entry = real_name(name)
        except KeyError:
            _observe({"kind": "passwd", "key": {"name": _text(name)}, "entry": None})
            raise
        _observe({"kind": "passwd", "key": {"name": _text(name)}, "entry": _passwd_record(entry)})
        return entry

    pwd.getpwuid, pwd.getpwnam = getpwuid, getpwnam
    _replace_everywhere({real_uid: getpwuid, real_name: getpwnam})


# ── the audit hook: what did not come through a wrapper ──────────────────

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_REFUSED_EVENTS = {
    "subprocess.Popen": "starts a program",
    "os.system": "starts a program",
    "os.exec": "starts a program",
    "os.posix_spawn": "starts a program",
    "os.spawn": "starts a program",
    "os.fork": "forks",
    "os.forkpty": "forks",
    "socket.connect": "opens a network connection",
    "socket.bind": "opens a socket",
    "socket.getaddrinfo": "resolves a host name",
    "socket.gethostbyname": "resolves a host name",
    "sqlite3.connect": "opens a database",
    "mmap.__new__": "maps a file",
    "os.putenv": "changes the environment",
    "os.unsetenv": "changes the environment",
    "os.chdir": "changes the working directory",
    "os.mkdir": "changes the file system",
    "os.remove": "changes the file system",
    "os.rename": "changes the file system",
    "os.rmdir": "changes the file system",
    "os.symlink": "changes the file system",
    "os.link": "changes the file system",
    "os.truncate": "changes the file system",
    "os.utime": "changes the file system",
    "os.chmod": "changes the file system",
    "os.chown": "changes the file system",
    "shutil.copyfile": "changes the file system",
    "shutil.rmtree": "changes the file system",
}
_CODE_SUFFIXES = (".py", ".pyc", ".so", ".pth", ".zip")


def _is_code(raw):
    """A module file under the interpreter or the search path: covered by
    the interpreter's identity and the search path's listings."""
    if not raw.endswith(tuple(s.encode() for s in _CODE_SUFFIXES)):
        return False
    roots = [os.fsencode(p) for p in (sys.base_prefix, sys.base_exec_prefix, *sys.path) if p]
    return any(raw == r or raw.startswith(r.rstrip(b"/") + b"/") for r in roots)


def _bytecode_cache(path):
    """Whether `path` is the import system's own bytecode cache (a
    ``__pycache__`` directory or a ``.pyc`` written into one)."""
    if isinstance(path, int) or path is None:
        return False
    raw = os.fsencode(path)
    parent, _, name = raw.rpartition(b"/")
    return name == b"__pycache__" or (
        parent.endswith(b"/__pycache__") and b".pyc" in name
    )


# Functions whose writes cannot change the answer: they return nothing and
# swallow every exception (terok-util's ``BestEffortLogger.log``, "never
# raises", appends to terok.log, e.g. when config.yml is invalid). Their
# writes are side effects a kept answer does not repeat; what they might
# read is still observed.
_BEST_EFFORT = {("terok_util.logging", "BestEffortLogger.log")}


def _in_best_effort():
    frame = sys._getframe(2)
    while frame is not None:
        name = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
        if (frame.f_globals.get("__name__"), name) in _BEST_EFFORT:
            return True
        frame = frame.f_back
    return False


_WRITE_EVENTS = {
    "os.mkdir", "os.remove", "os.rename", "os.rmdir", "os.symlink", "os.link",
    "os.truncate", "os.utime", "os.chmod", "os.chown",
}


def _audit(event, args):
    if _inside():
        return
    if (event in _WRITE_EVENTS or event == "open") and _in_best_effort():
        return
    if event in ("os.mkdir", "os.rename", "os.remove") and args and all(
        _bytecode_cache(a) for a in args[: 2 if event == "os.rename" else 1]
    ):
        return
    if event == "open":
        path, mode, flags = (tuple(args) + (None, None, None))[:3]
        if path is None or isinstance(path, int):
            return
        writing = (isinstance(flags, int) and flags & _WRITE_FLAGS) or (
            isinstance(mode, str) and any(c in mode for c in "wax+")
        )
        raw = os.fsencode(path) if isinstance(path, str) else bytes(path)
        if writing and _bytecode_cache(raw):
            return
        if writing:
            _refuse(f"opens a file for writing: {_text(raw)}")
            return
        if _is_code(raw):
            return
        if not raw.startswith(b"/"):
            _observe_cwd()
        with _lock:
            if raw in _fallback_files:
                return
            _fallback_files[raw] = _whole_file(raw)
    elif event in ("os.listdir", "os.scandir"):
        path = args[0] if args else "."
        if path is None:
            path = "."
        if isinstance(path, int):
            _refuse("lists a directory by descriptor")
            return
        raw = os.fsencode(path) if isinstance(path, str) else bytes(path)
        base = os.fsencode(sys.base_prefix).rstrip(b"/") + b"/"
        if raw.startswith(base):
            return
        if not raw.startswith(b"/"):
            _observe_cwd()
        _observe_listing(raw, with_types=event == "os.scandir")
    elif event in _REFUSED_EVENTS:
        _refuse(f"{_REFUSED_EVENTS[event]} ({event})")


# ── installing the observers ─────────────────────────────────────────────


# The originals stay where the interpreter itself needs them (the import
# system reads code through ``posix`` and ``_io``; code is covered by the
# search path's listings and the interpreter's identity).
_KEEP_ORIGINALS = {"posix", "_io", "__main__", "builtins"}


def _replace_everywhere(replacements):
    """Rebinds module globals that hold the originals (``from os import stat``)."""
    by_id = {id(old): new for old, new in replacements.items()}
    for name, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict) or name in _KEEP_ORIGINALS:
            continue
        for name, value in list(namespace.items()):
            new = by_id.get(id(value))
            if new is not None and value is not new:
                namespace[name] = new


def _install():
    wrappers = {
        "stat": _stat,
        "lstat": _lstat,
        "fstat": _fstat,
        "access": _access,
        "readlink": _readlink,
        "listdir": _listdir,
        "scandir": _scandir,
        "getcwd": _getcwd,
        "getcwdb": _getcwdb,
        "getuid": _id("getuid"),
        "geteuid": _id("geteuid"),
        "getgid": _id("getgid"),
        "getegid": _id("getegid"),
        "getgroups": _getgroups,
        "getpid": _getpid,
    }
    for name, wrapper in wrappers.items():
        setattr(os, name, wrapper)
        for capability in (os.supports_fd, os.supports_dir_fd, os.supports_follow_symlinks,
                           os.supports_effective_ids):
            if _real[name] in capability:
                capability.add(wrapper)
    io.open = _open
    builtins.open = _open
    _replace_everywhere({_real[name]: w for name, w in wrappers.items()} | {_real["io_open"]: _open})
    _Environ.__getitem__ = _environ_getitem
    _Environ.__contains__ = _environ_contains
    _Environ.__iter__ = _environ_iter
    _Environ.__len__ = _environ_len
    _Environ.copy = _environ_copy
    _wrap_pwd()
    sys.addaudithook(_audit)


# ── the run ──────────────────────────────────────────────────────────────


def _identity():
    """What the answer is for: the interpreter and the user."""
    with _Quiet():
        executable = sys.executable
        try:
            real = os.path.realpath(executable)
            record = _stat_record(_real["stat"](real))
        except OSError:
            real, record = executable, None
        return {
            "executable": _text(executable),
            "realpath": _text(real),
            "stat": record,
            "version": sys.version,
            "path": [_text(p) for p in sys.path],
            "prefix": _text(sys.prefix),
            "base_prefix": _text(sys.base_prefix),
            "euid": _real["geteuid"](),
        }


def _observe_search_path():
    """The installed distributions: every search-path directory's listing."""
    for entry in sys.path:
        raw = os.fsencode(entry or ".")
        if not raw.startswith(b"/"):
            _observe_cwd()
        _observe_listing(raw, with_types=True)


def _watch_receipts():
    """Which receipt each owner checked (for per-owner reports)."""
    try:
        from terok_util import setup as util_setup
    except Exception:
        return
    cls = getattr(util_setup, "SetupReceipt", None)
    check = getattr(cls, "check", None)
    if check is None:
        return

    def observed_check(self, *args, **kwargs):
        result = check(self, *args, **kwargs)
        with _lock:
            _receipts.append(
                {
                    "owner": str(getattr(self, "owner", "")),
                    "path": _text(os.fspath(getattr(self, "path", ""))),
                }
            )
        return result

    cls.check = observed_check


def _load_check(owner):
    """The owner's check, imported as its frontend imports it (a failure
    here is no answer: the frontend itself could not start)."""
    module_name, attribute, calls = OWNER_CHECKS[owner]
    module = __import__(module_name, fromlist=[attribute])
    target = getattr(module, attribute)
    from terok_util import setup_status

    _watch_receipts()
    return target, calls, setup_status


def _run_check(target, calls, setup_status):
    """``setup_status(check_setup())`` as terok's TUI calls it: an
    ``Exception`` is the answer ``invalid``; anything else that escapes
    (``SystemExit``, ``KeyboardInterrupt``) would end the TUI: no answer."""
    try:
        if calls:
            target = getattr(target(), calls[0])
        checks = tuple(target())
        status = setup_status(checks)
    except Exception as exc:
        return {"error": {"type": type(exc).__name__, "message": str(exc)}}
    except BaseException as exc:
        return {"aborted": f"{type(exc).__name__}: {exc}"}
    return {
        "status": str(status),
        "checks": [
            {
                "owner": str(c.owner),
                "component": str(c.component),
                "status": str(c.status),
                "diagnostic": str(c.diagnostic),
            }
            for c in checks
        ],
    }


def _recheck_fallback_files():
    for raw, before in list(_fallback_files.items()):
        after = _whole_file(raw)
        if after != before:
            _refuse(f"a file changed while it was read: {_text(raw)}")
        elif "special" in before:
            _refuse(f"reads a file that is not a regular file: {_text(raw)}")
        elif "errno" in before:
            _observe({"kind": "open", "path": _text(raw), "errno": before["errno"]})
        else:
            _observe({"kind": "file", "path": _text(raw), **before})


def main():
    owner = sys.argv[1]
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    if owner not in OWNER_CHECKS:
        print(json.dumps({"format": FORMAT, "fatal": f"unknown owner {owner!r}"}), file=out)
        return
    _install()
    try:
        loaded = _load_check(owner)
    except BaseException as exc:
        fatal = {"format": FORMAT, "fatal": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(fatal, ensure_ascii=True), file=out)
        out.flush()
        return
    answer = _run_check(*loaded)
    if "aborted" in answer:
        print(json.dumps({"format": FORMAT, "aborted": answer["aborted"]}), file=out)
        out.flush()
        return
    with _Quiet():
        for handle in list(_open_files):
            handle.report()
        _report_stats()
        _observe_search_path()
        _recheck_fallback_files()
        report = {
            "format": FORMAT,
            "owner": owner,
            "identity": _identity(),
            "answer": answer,
            "receipts": _receipts,
            "uncacheable": _uncacheable,
            "observations": _observations,
        }
        print(json.dumps(report, ensure_ascii=True), file=out)
        out.flush()


main()
