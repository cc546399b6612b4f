#!/usr/bin/env python
"""Overwrite random 4 KiB blocks of an archive; check `evo-l2l verify` notices every change.

    python scripts/corrupt_test.py [--copies 20] [--generations 40] [--population 40]

Makes one archive (chalmers1990 by default) in a temp folder, then for each
copy overwrites one block of random bytes at a random offset (seeded; inside
the file, past the 48-byte superblock) and runs `evo-l2l verify`, `info` and
`best` on it. An overwrite can land in bytes no read uses (space HDF5 left
free, padding); nothing can detect that, and nothing is lost. So each copy is
also read in full, chunks as their raw stored bytes (no checksum checked),
and compared with the original: the overwrite "changed what a read depends
on" if that read fails or returns anything different. info and best must either fail with a
one-line error (exit 2) or print exactly what they print for the original.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS

SUPERBLOCK = 48        # a version 2/3 superblock, which libver="latest" writes


def stored_bytes(path) -> dict:
    """Every attribute, and every dataset's stored bytes as a read gets them.

    Chunked datasets: each chunk's raw bytes as stored (filtered, checksum
    included) with its address; others: their values. A full read depends on
    exactly these (and on the metadata that leads to them, whose damage makes
    this function fail).
    """
    out = {}

    def visit(name, obj):
        for key, value in obj.attrs.items():
            out[f"{name}@{key}"] = repr(np.asarray(value).tolist())
        if not isinstance(obj, h5py.Dataset):
            return
        if obj.chunks:
            chunks = []
            for i in range(obj.id.get_num_chunks()):
                info = obj.id.get_chunk_info(i)
                mask, raw = obj.id.read_direct_chunk(info.chunk_offset)
                chunks.append((info.chunk_offset, info.byte_offset, info.size, mask, bytes(raw)))
            out[name] = repr((obj.shape, obj.dtype.str, obj.chunks)) + repr(chunks)
        else:
            out[name] = repr((obj.shape, obj.dtype.str)) + repr(np.asarray(obj[()]).tolist())

    with h5py.File(path, "r") as f:
        visit("/", f)
        f.visititems(visit)
    return out


def storage_map(path) -> list:
    """(start, end, dataset) of every dataset's stored data, to name what a block hit."""
    spans = []

    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset):
            return
        if obj.chunks:
            for i in range(obj.id.get_num_chunks()):
                info = obj.id.get_chunk_info(i)
                spans.append((info.byte_offset, info.byte_offset + info.size, name))
        elif obj.id.get_offset() is not None:
            start = obj.id.get_offset()
            spans.append((start, start + obj.id.get_storage_size(), name))

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return sorted(spans)


def hits(spans, start, end) -> str:
    names = sorted({n.split("/")[-1] if n.startswith("generations/") else n
                    for a, b, n in spans if a < end and start < b})
    return ",".join(names) if names else "(no dataset: metadata or free space)"


def cli(*args):
    proc = subprocess.run([sys.executable, "-m", "evo_l2l", *args],
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def outcome(code, text, path, reference) -> str:
    """error (one line, exit 2), same (as the original), CHANGED (silently) or CRASH."""
    if code == 2 and len(text.strip().splitlines()) == 1:
        return "error"
    if code == 0:
        return "same" if text.replace(path, "ARCHIVE") == reference else "CHANGED"
    return "CRASH"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--preset", default="chalmers1990")
    ap.add_argument("--generations", type=int, default=40)
    ap.add_argument("--population", type=int, default=40)
    ap.add_argument("--block", type=int, default=4096, help="bytes overwritten per copy")
    ap.add_argument("--seed", type=int, default=0, help="seed of the offsets and bytes")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="evo_l2l_corrupt_")
    orig = os.path.join(tmp, "original.h5")
    start_run(PRESETS[args.preset].default_config(n_generations=args.generations,
                                                  population=args.population), orig)
    size = os.path.getsize(orig)
    reference = stored_bytes(orig)
    spans = storage_map(orig)
    ref_out = {}
    for cmd in ("info", "best"):
        code, text = cli(cmd, orig)
        assert code == 0, text
        ref_out[cmd] = text.replace(orig, "ARCHIVE")
    code, text = cli("verify", orig)
    assert code == 0, text
    print(f"{args.preset}, {args.generations} generations, population {args.population}: "
          f"{size} bytes; {text.strip()[len(orig) + 2:]}")
    print(f"{'copy':>4} {'offset':>8} {'read changed':>12} {'verify':>8} {'info':>7} {'best':>7}  block hits")
    detected = matters = detected_matters = 0
    counts = {"info": {}, "best": {}}
    for k in range(args.copies):
        path = os.path.join(tmp, f"copy{k}.h5")
        shutil.copy(orig, path)
        offset = rnd.randrange(SUPERBLOCK, size - args.block + 1)
        with open(path, "r+b") as fh:
            fh.seek(offset)
            fh.write(rnd.randbytes(args.block))
        try:
            changed = stored_bytes(path) != reference
        except Exception:           # noqa: BLE001 - any failure to read counts as a change
            changed = True
        code, text = cli("verify", path)
        found = code == 2 and ": corrupt: " in text and len(text.strip().splitlines()) == 1
        row = {}
        for cmd in ("info", "best"):
            c, t = cli(cmd, path)
            row[cmd] = outcome(c, t, path, ref_out[cmd])
            counts[cmd][row[cmd]] = counts[cmd].get(row[cmd], 0) + 1
        detected += found
        matters += changed
        detected_matters += found and changed
        print(f"{k:>4} {offset:>8} {str(changed):>12} {str(found):>8} {row['info']:>7} "
              f"{row['best']:>7}  {hits(spans, offset, offset + args.block)}")
        if not found and changed:
            print(f"     MISSED: verify said {text.strip()}")
    print()
    print(f"verify detected {detected}/{args.copies}")
    print(f"overwrites that changed what a full read returns: {matters}/{args.copies}; "
          f"verify detected {detected_matters}/{matters} of them "
          f"(and {detected - detected_matters} overwrites of bytes no read uses but a checksum covers)")
    for cmd in ("info", "best"):
        print(f"{cmd}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts[cmd].items()))
              + " (error: one-line error, exit 2; same: output as for the original)")
    bad = detected_matters < matters or any(counts[c].get(o) for c in counts for o in ("CHANGED", "CRASH"))
    if args.keep or bad:
        print(f"archives kept in {tmp}")
    else:
        shutil.rmtree(tmp)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
