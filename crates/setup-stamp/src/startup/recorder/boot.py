"""setup-stamp's recorder: run one terok owner's own setup check and record
everything it read.

setup-stamp runs this file in the interpreter terok's console scripts use,
``python -c <this text> OWNER SCRIPT_DIR``, when its kept answer for terok's
start-up verdict cannot be proved current, and writes the recorder's modules
to its standard input (``name NUL source NUL`` …, in dependency order:
``state``, ``fs``, ``files``, ``process``, ``main``; each module of this
directory). The recorder then

1. starts observing before anything of terok's is imported, so that what
   terok reads at import time is seen too (``process._install``);
2. imports the owner's check and calls it as terok's TUI does
   (``setup_status(check_setup())``; an ``Exception`` there is the answer
   ``invalid``, with the exception's type and message);
3. prints one JSON object on the standard output it was started with: the
   checks, the status, and the *observations*: every file read (the bytes
   actually delivered, by offset, as sha256), every path examined (with the
   fields of the result that were read), linked, tested for access or found
   absent, every directory listed, every environment variable consulted,
   the ids and passwd entries asked for, the working directory when a
   relative path was used, and the listings of the search path (the
   installed distributions).

setup-stamp keeps the answer under these observations and, on later calls,
replays them natively: while every observation still holds, terok's check
would read exactly what it read before and so give the same answer.

What the recorder sees is what goes through Python's ``os``, ``io``,
``builtins.open``, ``pwd`` and ``os.environ`` (wrapped), plus every
``open``, ``os.listdir`` and ``os.scandir`` audit event (PEP 578) that did
not come through a wrapper. Anything whose outcome cannot be replayed (a
subprocess, a socket, a database connection, a write, a file descriptor
passed instead of a path, the process id, a non-regular file read, a file
that changed while it was being read) is reported as a reason not to keep
the answer; the answer itself is still given.

The output's format is versioned by ``main.FORMAT``; the Rust side
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


def _load_recorder():
    """The recorder's modules, from standard input, as modules of their own
    (``_setup_stamp_recorder_<name>``); the last is the one that runs."""
    import types

    parts = sys.stdin.buffer.read().decode("utf-8").split("\0")
    module = None
    for name, source in zip(parts[0::2], parts[1::2]):
        module = types.ModuleType(name)
        module.__file__ = f"<setup-stamp recorder: {name}>"
        sys.modules[name] = module
        exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


_load_recorder().main()
