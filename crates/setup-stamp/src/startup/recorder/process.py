"""The process: ``os.environ``, the ids, ``pwd``; the audit hook (what went
around the wrappers, and what makes an answer impossible to replay); and
installing every observer.

Part of setup-stamp's recorder (see ``boot.py``).
"""

import builtins
import io
import os
import sys

from _setup_stamp_recorder_state import (  # noqa: F401
    _Environ,
    _fallback_files,
    _inside,
    _lock,
    _observe,
    _observe_cwd,
    _real,
    _real_environ,
    _refuse,
    _text,
)
from _setup_stamp_recorder_fs import (  # noqa: F401
    _access,
    _fstat,
    _getcwd,
    _getcwdb,
    _listdir,
    _lstat,
    _observe_listing,
    _readlink,
    _scandir,
    _stat,
)
from _setup_stamp_recorder_files import (  # noqa: F401
    _open,
    _whole_file,
)


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
        if (
            not isinstance(namespace, dict)
            or name in _KEEP_ORIGINALS
            or name.startswith("_setup_stamp_recorder_")
        ):
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
