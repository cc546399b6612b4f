"""Bad archives end in one-line ArchiveErrors; good ones read back what was written."""
import json
import os

import h5py
import numpy as np
import pytest

from evo_l2l import open_run
from evo_l2l.archive import FORMAT, ArchiveError
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("a") / "run.h5")
    start_run(PRESETS["chalmers1990"].default_config(n_generations=5, population=6), path)
    return path


def one_line_error(path, match):
    with pytest.raises(ArchiveError, match=match) as info:
        open_run(path)
    assert "\n" not in str(info.value)


def test_reads_back(good):
    run = open_run(good)
    assert run.attrs["format"] == FORMAT and run.status == "complete"
    assert run.config.run.population == 6 and len(run.tasks) == 30
    assert json.loads(run.attrs["versions"])["numpy"] == np.__version__
    assert run.generations["generation"].tolist() == list(range(5))


def test_missing(tmp_path):
    one_line_error(str(tmp_path / "nope.h5"), "no such file")


def test_folder(tmp_path):
    one_line_error(str(tmp_path), "folder")


def test_not_hdf5(tmp_path):
    p = tmp_path / "x.h5"
    p.write_text("hello")
    one_line_error(str(p), "not an HDF5 file")


def test_foreign_hdf5(tmp_path):
    p = str(tmp_path / "x.h5")
    with h5py.File(p, "w") as f:
        f["data"] = np.arange(3)
    one_line_error(p, "not an evo_l2l run archive")


def test_newer_version(tmp_path, good):
    p = str(tmp_path / "new.h5")
    with open(good, "rb") as a, open(p, "wb") as b:
        b.write(a.read())
    with h5py.File(p, "r+") as f:
        f.attrs["format_version"] = "3.0"
    one_line_error(p, "newer")


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated(tmp_path, good, fraction):
    data = open(good, "rb").read()
    p = tmp_path / "cut.h5"
    p.write_bytes(data[: int(len(data) * fraction)])
    one_line_error(str(p), "truncated")


def test_a_file_caught_while_its_writer_extends_it_is_read_once_complete(tmp_path, good):
    """A live writer extends the file in steps (the superblock's end-of-file first, then the
    data): a reader in between saw a truncated file (a resume of a live run said "truncated"
    instead of "live run", in a loaded CI). Here the missing end arrives 50 ms later."""
    import threading
    data = open(good, "rb").read()
    p = tmp_path / "growing.h5"
    p.write_bytes(data[: len(data) * 9 // 10])

    def finish():
        with open(p, "ab") as fh:
            fh.write(data[len(data) * 9 // 10:])
    timer = threading.Timer(0.05, finish)
    timer.start()
    try:
        assert open_run(str(p)).n_generations_done == 5
    finally:
        timer.join()


def test_corrupt_bytes(tmp_path, good):
    data = bytearray(open(good, "rb").read())
    rng = np.random.default_rng(0)
    for seed in range(5):
        bad = bytearray(data)
        for i in np.random.default_rng(seed).integers(0, len(bad), 200):
            bad[i] ^= 0xFF
        p = tmp_path / f"bad{seed}.h5"
        p.write_bytes(bytes(bad))
        try:
            open_run(str(p))   # may survive if only padding was hit
        except ArchiveError as exc:
            assert "\n" not in str(exc)


def test_damaged_config(tmp_path, good):
    p = str(tmp_path / "cfg.h5")
    with open(good, "rb") as a, open(p, "wb") as b:
        b.write(a.read())
    with h5py.File(p, "r+") as f:
        f.attrs["config"] = "{not json"
    one_line_error(p, "corrupt config")         # its digest no longer matches
    with h5py.File(p, "r+") as f:
        del f.attrs["config_sha256"]             # as in an archive without digests
    one_line_error(p, "damaged config")


def test_never_overwrites_without_force(tmp_path, good):
    p = str(tmp_path / "keep.h5")
    with open(good, "rb") as a, open(p, "wb") as b:
        b.write(a.read())
    before = open(p, "rb").read()
    with pytest.raises(ArchiveError, match="--force"):
        start_run(PRESETS["chalmers1990"].default_config(n_generations=2, population=4), p)
    assert open(p, "rb").read() == before
    assert not [f for f in os.listdir(tmp_path) if ".tmp" in f]


def flip_byte(src, dst, offset):
    data = bytearray(open(src, "rb").read())
    data[offset] ^= 0xFF
    with open(dst, "wb") as fh:
        fh.write(bytes(data))
    return dst


def test_checksums_and_digests_written(good):
    from evo_l2l.archive import CONFIG_DIGEST_ATTR, DIGEST_ATTR
    with h5py.File(good, "r") as f:
        assert f.attrs["format_version"] == "2.1" and len(f.attrs[CONFIG_DIGEST_ATTR]) == 64
        for name in ("generations", "state"):
            for ds in f[name].values():
                if isinstance(ds, h5py.Dataset) and ds.chunks is not None:
                    assert ds.fletcher32, ds.name
        assert f["generations/population_coef"].fletcher32 and f["state/cache_keys"].fletcher32
        assert f["state/slot0/py_random_state"].chunks is None     # rewritten in place: contiguous
        assert all(len(ds.attrs[DIGEST_ATTR]) == 64 for ds in f["tasks"].values())


def test_changed_chunk_is_a_one_line_corrupt_error(tmp_path, good):
    with h5py.File(good, "r") as f:
        off = f["generations/population_coef"].id.get_chunk_info(0).byte_offset
    p = flip_byte(good, str(tmp_path / "chunk.h5"), off + 100)
    one_line_error(p, "corrupt /generations/population_coef")
    # a quick look that does not read the populations still works
    assert open_run(p, populations=False).n_generations_done == 5


def test_changed_state_array_is_caught_on_resume(tmp_path, good):
    with h5py.File(good, "r") as f:
        off = f[f"state/slot{int(f['state/current'][1])}/population_fitness"].id.get_offset()
    p = flip_byte(good, str(tmp_path / "state.h5"), off + 8)
    with pytest.raises(ArchiveError, match="cannot resume exactly: corrupt /state/slot./population_fitness"):
        open_run(p).resume_record()


def test_changed_tasks_fail_their_digest(tmp_path, good):
    with h5py.File(good, "r") as f:
        off = f["tasks/X"].id.get_offset()
    one_line_error(flip_byte(good, str(tmp_path / "tasks.h5"), off + 64), "corrupt /tasks/X")


def test_changed_config_fails_its_digest(tmp_path, good):
    data = open(good, "rb").read()
    p = flip_byte(good, str(tmp_path / "cfg.h5"), data.index(b'"population"') + 3)
    one_line_error(p, "corrupt config")




def test_resume_keeps_checksums(tmp_path, good):
    from evo_l2l.archive import verify_archive
    from evo_l2l.evolution.run import resume_run
    p = str(tmp_path / "res.h5")
    with open(good, "rb") as a, open(p, "wb") as b:
        b.write(a.read())
    resume_run(p, 8)
    with h5py.File(p, "r") as f:
        assert all(ds.fletcher32 for ds in f["generations"].values())
    v = verify_archive(p)
    assert v.n_generations == 8 and v.n_checksummed >= len(open_run(p).generations)


def test_live_writer_agrees_with_the_full_reader(tmp_path):
    """archive.live_writer (what `run --force` asks of the archive it would replace) reads
    only the state's status, writer and heartbeat: it must say what
    writer_alive(open_run(...)) says for every kind of writer, and None for non-archives."""
    import socket
    import time
    import h5py
    from evo_l2l.archive import live_writer, writer_alive
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import PRESETS
    path = str(tmp_path / "a.h5")
    start_run(PRESETS["chalmers1990"].default_config(n_generations=2, population=6), path)
    me = socket.gethostname()
    cases = [(b"complete", b"x:1", 0.0),                        # not running
             (b"running", f"{me}:1".encode(), 0.0),             # live process here (pid 1)
             (b"running", f"{me}:{os.getpid()}".encode(), 0.0),  # this very process
             (b"running", f"{me}:999999999".encode(), 0.0),      # a dead pid here
             (b"running", b"elsewhere:1", time.time()),          # another host, fresh
             (b"running", b"elsewhere:1", 0.0)]                  # another host, stale
    seen = []
    for status, writer, heartbeat in cases:
        with h5py.File(path, "r+") as f:
            f["state/status"][()] = status
            f["state/writer"][()] = writer
            f["state/heartbeat"][()] = heartbeat
        seen.append(live_writer(path))
        assert seen[-1] == writer_alive(open_run(path, populations=False))
    assert seen == [None, f"{me}:1", None, None, "elsewhere:1", None]
    (tmp_path / "text").write_text("not hdf5")
    assert live_writer(str(tmp_path / "text")) is None
    assert live_writer(str(tmp_path / "missing.h5")) is None
