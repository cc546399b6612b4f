"""Opening an archive's HDF5 file for reading (a live or killed SWMR writer, a file
still growing, a truncated one) and reading its datasets, checksums and digests
checked; every failure is an ArchiveError with one line."""
from __future__ import annotations

import os
import struct
import time

import numpy as np

from ..errors import ArchiveError
from .schema import DIGEST_ATTR, _first_line, _sha256, _text
from .temps import _missing


def _stored_eof(path: str) -> int | None:
    """End-of-file address recorded in a version 2/3 superblock, if there is one."""
    import struct
    with open(path, "rb") as fh:
        head = fh.read(36)
    if len(head) == 36 and head[:8] == b"\x89HDF\r\n\x1a\n" and head[8] >= 2 and head[9] == 8:
        return struct.unpack("<Q", head[28:36])[0]
    return None


def _signature(path: str) -> tuple:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _changes(path: str, before: tuple, seconds: float) -> bool:
    """Whether the file's size or modification time moves away from `before` within
    `seconds` (checked every 10 ms)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if _signature(path) != before:
                return True
        except OSError:                 # gone or unreadable now: the next look says which
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


def _open_h5(path: str, tries: int = 6):
    import h5py
    if not os.path.exists(path):
        raise ArchiveError(_missing(path))
    if os.path.isdir(path):
        raise ArchiveError(f"{path}: is a folder, not an archive")
    for attempt in range(tries):
        # A live writer extends the file in steps (the superblock's end-of-file first,
        # then the data), so a read in between sees a short file; a file that changes
        # while it is read is being written: look again. A truncated one does not change.
        try:
            before = _signature(path)
            if not h5py.is_hdf5(path):
                raise ArchiveError(f"{path}: not an HDF5 file")
            eof = _stored_eof(path)
        except OSError as exc:
            raise ArchiveError(f"{path}: cannot read ({exc.strerror or exc})") from None
        # SWMR readers retry failed metadata reads for a long time, so a truncated
        # file must be caught here, before it is ever opened in SWMR mode.
        if eof is not None and os.path.getsize(path) < eof:
            problem = f"truncated HDF5 file ({os.path.getsize(path)} of {eof} bytes)"
        else:
            try:
                return h5py.File(path, "r")
            except OSError as exc:
                if "already open for write" in str(exc):
                    break
                problem = f"truncated or corrupt HDF5 file ({_first_line(exc)})"
        if attempt == tries - 1 or not _changes(path, before, 0.3):
            raise ArchiveError(f"{path}: {problem}")
    # A live run, or one whose writer was killed: the SWMR flags are set.
    try:
        return h5py.File(path, "r", swmr=True)
    except OSError as exc:
        raise ArchiveError(f"{path}: corrupt HDF5 file ({_first_line(exc)})") from None


def _read(ds, n: int | None = None, path: str = "", start: int = 0, torn: list | None = None):
    """A dataset (its rows start..n-1) as numpy; variable-length text as str objects.

    A chunk whose checksum fails (or any other failed read) is an ArchiveError, except
    the torn chunk a killed flush leaves (_rows_before_torn: its name is appended to
    `torn`). Text
    that HDF5 refuses because its heap lies past the file's end-of-allocation mark (a
    write cut short by a full disk: complete rows whose heap collection was being
    extended) is read from the file's bytes instead (_texts_past_eoa).
    """
    import h5py
    if not isinstance(ds, h5py.Dataset):
        raise KeyError("an unreadable object where a dataset should be")
    text = h5py.check_string_dtype(ds.dtype) is not None
    src = ds.asstr() if text else ds
    try:
        if n is None and not start:
            return src[()]
        return src[start:n]
    except (OSError, UnicodeDecodeError) as exc:
        if text and ("EOA" in str(exc) or "end of allocation" in str(exc)):
            try:
                if not ds.ndim:
                    return _texts_past_eoa(ds, 0, 1)[()]
                return _texts_past_eoa(ds, start, ds.shape[0] if n is None else n)
            except (OSError, ValueError, UnicodeDecodeError, struct.error):
                pass
        rows = _rows_before_torn(ds, start, n)
        if rows is not None:
            if torn is not None:
                torn.append(ds.name)
            return rows
        raise ArchiveError(f"{path}: corrupt {ds.name} ({_first_line(exc)})") from None


def _rows_before_torn(ds, start: int, n: int | None):
    """Rows start..n-1 of an append-only table whose chunk holding row n fails its
    checksum because a flush appending rows n.. was cut short, or None.

    A flush rewrites that chunk in place (a fletcher32 chunk keeps its size) with one
    write, front to back, which a kill can cut short at a page: the new rows' first
    pages on disk, the checksum still the one of the chunk as the last complete flush
    left it (rows before n, fill after). The chunk's rows before n, with fill after,
    are taken if they give that checksum exactly; every other chunk must pass HDF5's
    own check. None otherwise (damage), or where the chunk holds no row before n."""
    if (n is None or ds.chunks is None or not ds.ndim or not ds.fletcher32
            or tuple(ds.chunks[1:]) != tuple(ds.shape[1:]) or ds.compression
            or ds.dtype.hasobject):
        return None
    first = n - n % ds.chunks[0]
    if first == n or start >= n:
        return None
    try:
        head = ds[start:first] if start < first else ds[0:0]
        mask, raw = ds.id.read_direct_chunk((first,) + (0,) * (ds.ndim - 1))
        fill = np.asarray(ds.fillvalue if ds.fillvalue is not None else 0, dtype=ds.dtype)
    except (OSError, ValueError, TypeError):
        return None
    size = int(np.prod(ds.chunks, dtype=np.int64)) * ds.dtype.itemsize
    if mask != 0 or len(raw) != size + 4:             # 4: the fletcher32 checksum
        return None
    chunk = np.frombuffer(raw[:size], dtype=ds.dtype).reshape(ds.chunks)
    before = np.empty_like(chunk)
    before[...] = fill
    before[:n - first] = chunk[:n - first]
    stored = raw[size:]
    want = fletcher32(before.tobytes())
    if stored not in (struct.pack("<I", want), struct.pack(">I", want)):
        return None
    return np.concatenate([head, chunk[max(start, first) - first:n - first]])


def fletcher32(data: bytes) -> int:
    """HDF5's fletcher32 checksum of `data` (H5_checksum_fletcher32: big-endian 16-bit
    words, both sums folded every 360 words, as the C does)."""
    odd = len(data) % 2
    words = np.frombuffer(data[:len(data) - odd], dtype=">u2").astype(np.int64)
    s1 = s2 = 0
    for i in range(0, len(words), 360):
        block = words[i:i + 360]
        partial = np.cumsum(block)
        s2 += len(block) * s1 + int(partial.sum())
        s1 += int(partial[-1])
        s1 = (s1 & 0xFFFF) + (s1 >> 16)
        s2 = (s2 & 0xFFFF) + (s2 >> 16)
    if odd:
        s1 += data[-1] << 8
        s2 += s1
        s1 = (s1 & 0xFFFF) + (s1 >> 16)
        s2 = (s2 & 0xFFFF) + (s2 >> 16)
    s1 = (s1 & 0xFFFF) + (s1 >> 16)
    s2 = (s2 & 0xFFFF) + (s2 >> 16)
    return (s2 << 16) | s1


def _texts_past_eoa(ds, start: int, stop: int):
    """Rows start..stop-1 of a variable-length text dataset, read from the file's bytes.

    Each element is stored as (length u32, heap collection address u64, object index
    u32); a global heap collection is "GCOL", version 1, 3 bytes reserved, its size
    (u64), then objects: index u16, references u16, 4 bytes reserved, size u64, data
    padded to 8 bytes. Only objects that end before the file's end-of-allocation mark
    (what its last complete flush recorded) are accepted: complete rows never point
    past it. Assumes 8-byte offsets and lengths, as this package's files have
    (ValueError otherwise). Contiguous or row-chunked datasets only."""
    path = ds.file.filename
    eoa = _stored_eof(path)
    with open(path, "rb") as fh:
        lengths = fh.read(11)[10:]
    if eoa is None or lengths != b"\x08":
        raise ValueError("no version 2/3 superblock with 8-byte offsets and lengths")
    tail = ds.shape[1:]
    per_row = int(np.prod(tail, dtype=np.int64))
    stop = min(stop, ds.shape[0]) if ds.ndim else 1
    refs = bytearray()
    with open(path, "rb") as fh:
        def at(offset: int, size: int) -> bytes:
            if offset + size > eoa:
                raise ValueError("past the end of allocation")
            fh.seek(offset)
            data = fh.read(size)
            if len(data) != size:
                raise ValueError("past the end of the file")
            return data
        if ds.chunks is None:
            offset = ds.id.get_offset()
            if offset is None:
                raise ValueError("not allocated")
            refs = at(offset + 16 * per_row * start, 16 * per_row * max(0, stop - start))
        else:
            if tuple(ds.chunks[1:]) != tuple(tail) or ds.compression or ds.fletcher32:
                raise ValueError("not row-chunked")
            rows = ds.chunks[0]
            for first in range(start - start % rows, stop, rows):
                info = ds.id.get_chunk_info_by_coord((first,) + (0,) * len(tail))
                if info.byte_offset is None:
                    raise ValueError("chunk not allocated")
                chunk = at(info.byte_offset, 16 * rows * per_row)
                lo, hi = max(start, first) - first, min(stop, first + rows) - first
                refs += chunk[16 * per_row * lo:16 * per_row * hi]
        heaps: dict = {}
        out = []
        for k in range(len(refs) // 16):
            length, address, index = struct.unpack_from("<IQI", refs, 16 * k)
            if length == 0:
                out.append("")
                continue
            if address not in heaps:
                head = at(address, 16)
                if head[:5] != b"GCOL\x01":
                    raise ValueError("no global heap collection")
                size = struct.unpack_from("<Q", head, 8)[0]
                heaps[address] = (address + size, {})
            end, objects = heaps[address]
            if index not in objects:
                p = address + 16 + sum(16 + (len(b) + 7) // 8 * 8 for b in objects.values())
                while index not in objects:
                    if p + 16 > end:
                        raise ValueError("heap object not found")
                    i, _, _, size = struct.unpack("<HHIQ", at(p, 16))
                    if i == 0 or p + 16 + size > end:
                        raise ValueError("heap object not found")
                    objects[i] = at(p + 16, size)
                    p += 16 + (size + 7) // 8 * 8
            data = objects[index]
            if length > len(data):
                raise ValueError("heap object shorter than its reference")
            out.append(data[:length].decode("utf-8"))
    arr = np.empty(len(out), dtype=object)
    arr[:] = out
    return arr.reshape((max(0, stop - start),) + tail if ds.ndim else ())


def _read_fixed(ds, path: str = ""):
    """A dataset written once at creation, checked against its digest if it has one."""
    arr = _read(ds, path=path)
    want = ds.attrs.get(DIGEST_ATTR)
    if want is not None and _sha256(np.asarray(arr)) != _text(want):
        raise ArchiveError(f"{path}: corrupt {ds.name} (its data do not match the stored sha256)")
    return arr
