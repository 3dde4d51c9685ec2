"""Fingerprints of files, so that cache keys change when the files change.

``joblib.Memory`` (late fusion's ``memory=``, ``Pipeline(memory=)``) keys a
cached call on a hash of the pickle of its arguments. Data that pickles as a
reference to files (a read-only memory map, a lazily loaded modality) would
hash the same before and after its files are rewritten; their pickles carry
these fingerprints instead, so that the key follows the content.
"""

import hashlib
import os
import threading
from collections import OrderedDict

__all__ = ["buffer_digest", "file_digest", "file_stamp", "stamp_changes"]

# bytes digested from each end of a file by ``file_digest``
EDGE_BYTES = 1 << 16
# memory-map digests remembered (keyed by file, region and stamp)
_MEMO_SIZE = 256
_memo = OrderedDict()
_memo_lock = threading.Lock()


def file_stamp(path):
    """``(size, mtime_ns, inode)`` of ``path``, or None when it is not a file.

    Rewriting a file changes its size or modification time; replacing it
    (a rename onto it) changes its inode.
    """
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def stamp_changes(before, after):
    """What differs between two stamps of one file, in words (empty if nothing)."""
    if after is None:
        return "it no longer exists"
    names = ("size", "modification time", "inode")
    changed = [f"{name} {a} -> {b}" for name, a, b in zip(names, before, after) if a != b]
    return ", ".join(changed)


def file_digest(path, size):
    """A blake2b digest of the first and last 64 KiB of a file (all of a smaller file).

    Taken when a lazy modality is loaded: with the stamp, it is the file's
    fingerprint in cache keys, and costs two reads per file however large.
    """
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        digest.update(handle.read(EDGE_BYTES))
        if size > EDGE_BYTES:
            handle.seek(max(EDGE_BYTES, size - EDGE_BYTES))
            digest.update(handle.read(EDGE_BYTES))
    return digest.hexdigest()


def buffer_digest(key, stamp, buffer):
    """A blake2b digest of all of ``buffer`` (a memory map's bytes), remembered.

    ``key`` names the region (file, offset, length); the digest is computed
    again only when the file's ``stamp`` changes, so pickling the same memory
    map many times (to workers, into cache keys) reads it once.
    """
    memo_key = (key, stamp)
    with _memo_lock:
        if memo_key in _memo:
            _memo.move_to_end(memo_key)
            return _memo[memo_key]
    value = hashlib.blake2b(memoryview(buffer).cast("B"), digest_size=16).hexdigest()
    with _memo_lock:
        _memo[memo_key] = value
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return value
