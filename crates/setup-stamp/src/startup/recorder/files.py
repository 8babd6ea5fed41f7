"""Files read: an ``io.open`` for plain reads whose file object records the
bytes it delivers, and the whole-file record for what the audit hook saw
opened around it.

Part of setup-stamp's recorder (see ``boot.py``).
"""

import hashlib
import io
import os
import stat as stat_mode

from _setup_stamp_recorder_state import (  # noqa: F401
    _Quiet,
    _lock,
    _observe,
    _observed_fds,
    _open_files,
    _path_of,
    _real,
    _refuse,
    _stat_record,
    _text,
)


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
