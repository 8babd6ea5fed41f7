#!/usr/bin/env python3.12
"""Write CPython 3.12's str.lower() for every code point it changes, as
"<hex code point> <hex code points of the result...>" lines, for the
setup_stamp::distributions name-normalisation test.

    python3.12 -I -S scripts/distributions_lower_fixture.py \
        > crates/setup-stamp/tests/fixtures/distributions_py312_lower.txt
"""

import sys

assert sys.version_info[:2] == (3, 12), "the reference is CPython 3.12"

for cp in range(0x110000):
    if 0xD800 <= cp < 0xE000:
        continue
    c = chr(cp)
    low = c.lower()
    if low != c:
        print("%x %s" % (cp, " ".join("%x" % ord(x) for x in low)))
