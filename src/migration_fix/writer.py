"""Write a file atomically, keeping its mode bits and any symlink in front of it."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class StaleFileError(OSError):
    """The file changed on disk after it was read."""


def write_atomically(path: str, data: bytes, expected_old: bytes) -> None:
    """Replace the file's content with ``data`` in one step.

    Writes a temporary file beside the real one, then ``os.replace``: a reader
    sees the old content or the new, never a mix. A symlink is resolved first,
    so the link stays a link. ``expected_old`` guards against a file that
    changed since it was read.
    """
    target = Path(os.path.realpath(path))
    if target.read_bytes() != expected_old:
        raise StaleFileError(f"{path} changed while it was being fixed")
    mode = stat.S_IMODE(target.stat().st_mode)
    import tempfile  # only when a file is written: a hook run that fixes nothing skips it

    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
