"""What the recorder has observed, and the pieces every observer shares:
the originals of the wrapped functions, the observation list (each
observation once), the reasons not to keep the answer, and stat results
that note which of their fields the program reads.

Part of setup-stamp's recorder (see ``boot.py``).
"""

import io
import json
import os
import threading


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
