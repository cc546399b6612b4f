"""A writer killed while a flush rewrote a table chunk: the chunk that holds the first row
no resume reads (row n) also holds complete rows (n - n % chunk rows .. n - 1), and a
flush cut short leaves its fletcher32 checksum failing although those rows are what an
earlier flush wrote. open_run, verify and resume read them from the chunk's bytes; a
failing checksum anywhere else is still damage.

The kill itself is rare to catch (a flush takes microseconds), so it is made here: bytes of
row n changed in place, as a torn write leaves them.
"""
import shutil

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.archive import ArchiveError, verify_archive
from evo_l2l.cli import main
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS

from test_evolution import arrays_of, assert_same_arrays


def config(n_generations):
    return PRESETS["chalmers1990"].default_config(seed=3, population=6,
                                                  n_generations=n_generations)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("torn")
    short, full = str(folder / "short.h5"), str(folder / "full.h5")
    start_run(config(7), short)
    start_run(config(10), full)
    return short, arrays_of(full)


@pytest.fixture
def archive(runs, tmp_path):
    path = str(tmp_path / "a.h5")
    shutil.copy(runs[0], path)
    return path


def tear(path, dataset, row):
    """Changes the bytes of `row` inside its chunk, the checksum left as it was."""
    with h5py.File(path, "r") as f:
        ds = f[dataset]
        rows = ds.chunks[0]
        first = row - row % rows
        info = ds.id.get_chunk_info_by_coord((first,) + (0,) * (ds.ndim - 1))
        per_row = int(np.prod(ds.chunks[1:], dtype=np.int64)) * ds.dtype.itemsize
        at = info.byte_offset + (row - first) * per_row
    with open(path, "r+b") as fh:
        fh.seek(at)
        old = fh.read(per_row)
        fh.seek(at)
        fh.write(bytes(b ^ 0x5A for b in old))


def test_a_torn_chunk_past_the_last_complete_row_is_read_and_resumed(archive, runs):
    before = open_run(archive)
    n = before.n_generations_done
    tear(archive, "generations/fitness_max", n)
    with h5py.File(archive, "r") as f, pytest.raises(OSError):
        f["generations/fitness_max"][:n]            # what HDF5 alone makes of it
    run = open_run(archive)
    assert np.array_equal(run.generations["fitness_max"], before.generations["fitness_max"])
    assert run.torn == ("/generations/fitness_max",)
    checked = verify_archive(archive)
    assert any("fitness_max" in note and "torn" in note for note in checked.notes), checked.notes
    resume_run(archive, n_generations=10)
    assert_same_arrays(arrays_of(archive), runs[1])
    assert open_run(archive).torn == ()                # the copy resume wrote is whole


def test_the_cli_says_so_and_resumes(archive):
    n = open_run(archive).n_generations_done
    tear(archive, "generations/best_fitness", n)
    out = CliRunner().invoke(main, ["verify", archive])
    assert out.exit_code == 0 and "torn" in out.output, out.output
    out = CliRunner().invoke(main, ["resume", archive, "-q", "--generations", "9"])
    assert out.exit_code == 0, out.output
    assert open_run(archive).n_generations_done == 9


def test_a_failing_checksum_before_that_chunk_is_damage(tmp_path):
    """Chunks of one row (a population table of a big population): the chunk of row n
    holds no complete row, so a failing checksum in row n - 1's is damage."""
    path = str(tmp_path / "b.h5")
    start_run(PRESETS["chalmers1990"].default_config(seed=3, population=600,
                                                     n_generations=3), path)
    n = open_run(path).n_generations_done
    with h5py.File(path, "r") as f:
        assert f["generations/population_fitness"].chunks[0] == 1
    tear(path, "generations/population_fitness", n - 1)
    with pytest.raises(ArchiveError, match="corrupt /generations/population_fitness"):
        open_run(path)
    out = CliRunner().invoke(main, ["resume", path, "-q"])
    assert out.exit_code == 2 and "corrupt /generations/population_fitness" in out.output


@pytest.mark.parametrize("shape,dtype", [((1024,), "f8"), ((7, 5), "i8"), ((33,), "u1"),
                                         ((301, 3), "f8"), ((4097,), "u1")])
def test_fletcher32_is_hdf5s(tmp_path, shape, dtype):
    """The checksum the torn-chunk check recomputes is the one HDF5 stores (even and odd
    lengths, more than one 360-word block)."""
    import struct
    from evo_l2l.archive.h5file import fletcher32
    data = (np.random.default_rng(len(shape)).normal(size=shape) * 1000).astype(dtype)
    with h5py.File(tmp_path / "f.h5", "w") as f:
        f.create_dataset("d", data=data, chunks=shape, fletcher32=True)
    with h5py.File(tmp_path / "f.h5", "r") as f:
        mask, raw = f["d"].id.read_direct_chunk((0,) * len(shape))
    assert raw[-4:] == struct.pack("<I", fletcher32(raw[:-4]))
    assert fletcher32(raw[:-5] + bytes([raw[-5] ^ 1])) != fletcher32(raw[:-4])


def test_a_changed_byte_in_a_complete_row_of_that_chunk_is_damage(archive):
    """Row n torn and a complete row of the same chunk changed: the chunk's rows before n
    do not give the checksum the last complete flush left, so it is damage."""
    n = open_run(archive).n_generations_done
    tear(archive, "generations/fitness_max", n)
    tear(archive, "generations/fitness_max", n - 2)
    with pytest.raises(ArchiveError, match="corrupt /generations/fitness_max"):
        open_run(archive)
