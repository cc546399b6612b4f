"""`evo-l2l verify` reads everything and says intact (exit 0) or corrupt (exit 2) in one line."""
import os
import shutil

import h5py
import pytest
from click.testing import CliRunner

from evo_l2l.cli import main
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "archive_1_0")


@pytest.fixture(scope="module", params=["chalmers1990", "chalmers1990-gp", "confavreux2020-oja"])
def archive(request, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("v") / "run.h5")
    start_run(PRESETS[request.param].default_config(n_generations=4, population=6), path)
    return path


def verify(path):
    res = CliRunner().invoke(main, ["verify", path])
    return res.exit_code, res.output.strip()


def test_intact(archive):
    code, out = verify(archive)
    assert code == 0 and out.startswith(f"{archive}: intact (format 2.1, 4 generations, checksums on")
    assert "\n" not in out


def test_every_dataset_checked(archive, tmp_path):
    """A byte changed in any dataset's stored data is caught, known gaps excepted."""
    with h5py.File(archive, "r") as f:
        places = []
        cur = int(f["state/current"][1])

        def collect(name, ds):
            if not isinstance(ds, h5py.Dataset) or ds.shape == () or ds.size == 0:
                return
            if h5py.check_vlen_dtype(ds.dtype) is not None:
                return          # HDF5 cannot checksum variable-length text
            if name.startswith(f"state/slot{1 - cur}/"):
                return          # the slot a kill may leave half written: the next flush rewrites it
            off = ds.id.get_chunk_info(0).byte_offset if ds.chunks else ds.id.get_offset()
            places.append((name, off))
        f.visititems(collect)
    assert len(places) > 15
    data = open(archive, "rb").read()
    for name, off in places:
        bad = bytearray(data)
        bad[off + 1] ^= 0x55
        p = tmp_path / "bad.h5"
        p.write_bytes(bytes(bad))
        code, out = verify(str(p))
        # A slot is checked as a whole (its sha256), naming the dataset where it can.
        where = f"state/slot{cur}" if name.startswith(f"state/slot{cur}/") else name
        assert code == 2 and f": corrupt: /{where}" in out and "\n" not in out, (name, out)


def test_state_scalars_cross_checked(archive, tmp_path):
    p = str(tmp_path / "s.h5")
    shutil.copy(archive, p)
    with h5py.File(p, "r+") as f:
        cur = int(f["state/current"][1])
        f[f"state/slot{cur}/hof_fitness"][()] = 0.123
    code, out = verify(p)
    assert code == 2 and f"corrupt: /state/slot{cur}/hof_fitness" in out


def test_old_archive_has_no_checksums(tmp_path):
    p = str(tmp_path / "ga.h5")
    shutil.copy(os.path.join(FIXTURES, "ga.h5"), p)
    code, out = verify(p)
    assert code == 0 and "no checksums" in out and "format 1.0" in out


def test_missing_file_is_an_error(tmp_path):
    res = CliRunner().invoke(main, ["verify", str(tmp_path / "nope.h5")])
    assert res.exit_code == 2 and "no such file" in res.output
