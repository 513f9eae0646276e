"""glibc's heap counters for this process (mallinfo2), for benches that look for native memory growth."""

from __future__ import annotations

import ctypes
import ctypes.util

FIELDS = (
    "arena",  # non-mmapped heap obtained from the system (all arenas)
    "ordblks",
    "smblks",
    "hblks",  # mmapped chunks
    "hblkhd",  # bytes in mmapped chunks
    "usmblks",
    "fsmblks",
    "uordblks",  # bytes in use in the heap
    "fordblks",  # bytes free in the heap (fragmentation, or not yet trimmed)
    "keepcost",
)


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in FIELDS]


def mallinfo() -> dict[str, int]:
    """mallinfo2() summed over all arenas; {} where the C library has none (not glibc >= 2.33)."""
    try:
        fn = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallinfo2
    except (OSError, AttributeError):
        return {}
    fn.restype = _Mallinfo2
    info = fn()
    return {name: int(getattr(info, name)) for name in FIELDS}


def malloc_trim() -> bool:
    """Hands free heap pages back to the system; True when some were."""
    try:
        return bool(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):
        return False
