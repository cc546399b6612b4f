"""Faults of the disk under a run archive, and what verify and resume make of them.

1. Full disk: GP runs (chalmers1990-gp, population 20, 60 generations, a flush per
   generation) write to tmpfs mounts too small for them (sizes spread over the run),
   so the disk fills at a different moment in each. After each: open_run, `verify`,
   `verify --repair` (then every dataset read by plain h5py), and `resume` of a copy
   on a disk with space, compared with the uninterrupted run.
2. Flipped bytes in /state: a GP run of 6 generations (population 10, a flush per
   generation) has one byte flipped, in a random dataset of /state (for genome texts,
   a random byte of a random genome's text), then `verify` and `resume --generations
   8`, compared with the run taken to 8 in one go.

Prints one JSON line. Must be 0: unreadable (open_run fails after a fault, or plain
h5py after --repair), lost_runs (resume fails although verify called the archive
intact, or a failed resume changed the archive), silent_divergences (resume ended
but differs from the uninterrupted run), tracebacks, hangs (a command past its
timeout). Also counted: verify's findings, refusals (one line, exit 2, archive
unchanged: a state with no intact slot to continue from), and the kinds of outcome.

Needs root on Linux (it mounts tmpfs); run: sudo python scripts/fault_disk.py
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

TIMEOUT = 600


def cli(*args, timeout=TIMEOUT):
    """(exit code, stdout, stderr) of `evo-l2l ARGS`; exit None on a timeout."""
    try:
        res = subprocess.run([sys.executable, "-m", "evo_l2l", *args], capture_output=True,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", ""
    return res.returncode, res.stdout, res.stderr


def arrays_of(path):
    from evo_l2l import open_run
    run = open_run(path)
    out = {f"generations/{k}": v for k, v in run.generations.items() if k != "wall_time"}
    out.update({f"state/{k}": np.asarray(v) for k, v in run.state.items()
                if k not in ("elapsed", "heartbeat", "writer", "optimizer", "slot",
                             "n_generations_target")})
    out.update({f"state/optimizer/{k}": v for k, v in run.state["optimizer"].items()})
    return out


def same(a, b) -> bool:
    if a.keys() != b.keys():
        return False
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        if x.dtype == object or y.dtype == object:
            if x.shape != y.shape or not all(str(p) == str(q) for p, q in zip(x.ravel(), y.ravel())):
                return False
        elif not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
            return False
    return True


def digest(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def traceback_in(*texts):
    return any("Traceback" in t for t in texts)


def full_disk(counts, folder, n_runs):
    from evo_l2l import open_run
    from evo_l2l.archive import ArchiveError
    import h5py
    args = ["chalmers1990-gp", "-q", "--seed", "1", "--population", "20", "--generations", "60",
            "--flush-interval", "0.001"]
    ref = os.path.join(folder, "disk-ref.h5")
    code, _, err = cli("run", *args, "-o", ref)
    assert code == 0, err
    reference = arrays_of(ref)
    size = os.path.getsize(ref)
    mnt = os.path.join(folder, "tiny")
    os.makedirs(mnt, exist_ok=True)
    for i in range(n_runs):
        kib = int((0.45 + 0.5 * i / max(1, n_runs - 1)) * size / 1024)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", mnt], check=True)
        try:
            path = os.path.join(mnt, "x.h5")
            code, _, err = cli("run", *args, "-o", path)
            if code is None:
                counts["hangs"] += 1
            counts["tracebacks"] += traceback_in(err)
            if code == 0:
                counts["disk_runs_that_fit"] += 1
            copy = os.path.join(folder, f"disk-{i}.h5")
            shutil.copy(path, copy)
        finally:
            subprocess.run(["umount", mnt], check=True)
        try:
            with h5py.File(copy, "r", swmr=True) as f:
                def visit(name, obj):
                    if isinstance(obj, h5py.Dataset) and name.startswith("generations/"):
                        n = int(f["state/current"][0]) + 1
                        (obj.asstr() if h5py.check_string_dtype(obj.dtype) else obj)[:n]
                f.visititems(visit)
        except (OSError, UnicodeDecodeError):
            counts["h5py_refused_complete_rows_before"] += 1
        try:
            done = open_run(copy).n_generations_done
        except ArchiveError as exc:
            counts["unreadable"] += 1
            print(f"disk run {i}: {exc}", file=sys.stderr)
            continue
        code, out, err = cli("verify", copy)
        counts["hangs"] += code is None
        counts["tracebacks"] += traceback_in(out, err)
        counts["disk_verify_intact"] += code == 0
        counts["disk_verify_corrupt"] += code == 2
        repaired = copy + ".repaired.h5"
        shutil.copy(copy, repaired)
        code, out, err = cli("verify", "--repair", repaired)
        counts["hangs"] += code is None
        counts["tracebacks"] += traceback_in(out, err)
        try:
            with h5py.File(repaired, "r") as f:
                f.visititems(lambda name, obj: (obj.asstr() if h5py.check_string_dtype(obj.dtype)
                                                else obj)[()] if isinstance(obj, h5py.Dataset)
                             else None)
            assert open_run(repaired).n_generations_done == done
        except (OSError, UnicodeDecodeError, ArchiveError, AssertionError) as exc:
            counts["unreadable"] += 1
            print(f"disk run {i}: repaired copy unreadable: {exc!r}; verify --repair said "
                  f"{(out + err).strip()}", file=sys.stderr)
        code, out, err = cli("resume", copy, "-q")
        counts["hangs"] += code is None
        counts["tracebacks"] += traceback_in(out, err)
        if code != 0:
            counts["lost_runs"] += 1
        elif not same(arrays_of(copy), reference):
            counts["silent_divergences"] += 1
        else:
            counts["disk_resumed_exactly"] += 1


def flip_places(path, rng):
    """(dataset name, file offset) of one random byte of a random /state dataset."""
    import h5py
    with h5py.File(path, "r") as f:
        names = []
        f["state"].visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        name = names[rng.integers(len(names))]
        ds = f["state"][name]
        if h5py.check_vlen_dtype(ds.dtype) is not None:
            # A byte of one genome's text in the global heap.
            refs = ds.id.get_offset()
            k = int(rng.integers(max(1, ds.size)))
            with open(path, "rb") as fh:
                fh.seek(refs + 16 * k)
                length, collection, index = struct.unpack("<IQI", fh.read(16))
                fh.seek(collection + 8)
                end = collection + struct.unpack("<Q", fh.read(8))[0]
                p = collection + 16
                while p < end:
                    fh.seek(p)
                    i, _, _, size = struct.unpack("<HHIQ", fh.read(16))
                    if i == index:
                        return f"state/{name} (text)", p + 16 + int(rng.integers(length))
                    p += 16 + (size + 7) // 8 * 8
            raise RuntimeError("heap object not found")
        if ds.chunks:
            nchunks = ds.id.get_num_chunks()
            info = ds.id.get_chunk_info(int(rng.integers(nchunks)))
            return f"state/{name}", info.byte_offset + int(rng.integers(info.size))
        return f"state/{name}", ds.id.get_offset() + int(rng.integers(ds.id.get_storage_size()))


def flips(counts, folder, n_flips, seed):
    from evo_l2l import open_run
    from evo_l2l.archive import ArchiveError
    args = ["chalmers1990-gp", "-q", "--seed", "2", "--population", "10",
            "--flush-interval", "0.001"]
    base, ref = os.path.join(folder, "flip-base.h5"), os.path.join(folder, "flip-ref.h5")
    for path, n in ((base, 6), (ref, 8)):
        code, _, err = cli("run", *args, "--generations", str(n), "-o", path)
        assert code == 0, err
    reference = arrays_of(ref)
    rng = np.random.default_rng(seed)
    where = {}
    for i in range(n_flips):
        path = os.path.join(folder, f"flip-{i}.h5")
        shutil.copy(base, path)
        name, offset = flip_places(path, rng)
        with open(path, "r+b") as fh:
            fh.seek(offset)
            byte = fh.read(1)[0]
            fh.seek(offset)
            fh.write(bytes([byte ^ (1 << int(rng.integers(8)))]))
        try:
            open_run(path)
        except ArchiveError as exc:
            counts["unreadable"] += 1
            print(f"flip {i}: {exc}", file=sys.stderr)
        code, out, err = cli("verify", path)
        counts["hangs"] += code is None
        counts["tracebacks"] += traceback_in(out, err)
        intact = code == 0
        counts["flip_verify_corrupt"] += code == 2
        before = digest(path)
        code, out, err = cli("resume", path, "--generations", "8", "-q")
        counts["hangs"] += code is None
        counts["tracebacks"] += traceback_in(out, err)
        if code == 0:
            outcome = "exact" if same(arrays_of(path), reference) else "diverged"
            counts["silent_divergences"] += outcome == "diverged"
        elif code == 2 and len(err.strip().splitlines()) == 1 and digest(path) == before:
            outcome = "refused"
            counts["lost_runs"] += intact          # refused what verify called intact
            try:
                open_run(path)
            except ArchiveError as exc:
                counts["unreadable"] += 1
                print(f"flip {i} (refused): {exc}", file=sys.stderr)
        else:
            outcome = "failed"
            counts["lost_runs"] += 1
        counts[f"flips_{outcome}"] += 1
        where[f"{i}: {name}"] = outcome
    return where


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--disk-runs", type=int, default=10)
    ap.add_argument("--flips", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--detail", action="store_true", help="Also print each flip's outcome.")
    a = ap.parse_args()
    if a.disk_runs and (sys.platform != "linux" or os.geteuid() != 0):
        sys.exit("fault_disk.py: mounting tmpfs needs root on Linux (or pass --disk-runs 0)")
    counts = {k: 0 for k in ("unreadable", "lost_runs", "silent_divergences", "tracebacks",
                             "hangs", "h5py_refused_complete_rows_before", "disk_runs_that_fit",
                             "disk_verify_intact", "disk_verify_corrupt", "disk_resumed_exactly",
                             "flip_verify_corrupt", "flips_exact", "flips_refused",
                             "flips_diverged", "flips_failed")}
    with tempfile.TemporaryDirectory() as folder:
        if a.disk_runs:
            full_disk(counts, folder, a.disk_runs)
        where = flips(counts, folder, a.flips, a.seed) if a.flips else {}
    counts.update(disk_runs=a.disk_runs, flips=a.flips)
    print(json.dumps(counts))
    if a.detail:
        print(json.dumps(where, indent=1))


if __name__ == "__main__":
    main()
