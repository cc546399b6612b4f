"""The archive of a few-shot meta-training run (evolution/fewshot_es.py): one small HDF5 file.

Layout (format "evo_l2l-fewshot", version 1), every array a dataset, every scalar an attribute:

    attrs       format, format_version, generated_by, created, updated, status
                (running / interrupted / complete), preset, settings (JSON text),
                data_name, data_version, data_sha256
    state/      theta, adam_m, adam_v (float64, the ES mean and Adam's moments); attrs
                generation, seconds (meta-training wall time over every resume)
    best/       theta (the mean with the best validation accuracy); attrs accuracy, generation
    start/      theta (genome 0: the random net and Hebbian rule before evolution)
    validation/ generation (int64), accuracy (float64): the validation curve
    train/      fitness (float64): each generation's mean query log-likelihood

The whole file is written anew at each checkpoint, to a temporary file that is then
renamed over the old one, so a crash or a full disk leaves the previous checkpoint whole.
Reading parses JSON and arrays only: nothing stored is executed.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..errors import ArchiveError
from .fewshot_es import FewshotSettings, State

FORMAT = "evo_l2l-fewshot"
FORMAT_VERSION = 1


def save(path: str | Path, s: FewshotSettings, state: State, status: str, preset: str,
         identity: dict, created: str | None = None) -> None:
    import h5py
    from .._version import __version__ as version
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    try:
        with h5py.File(tmp, "w") as f:
            a = f.attrs
            a["format"], a["format_version"] = FORMAT, FORMAT_VERSION
            a["generated_by"] = f"evo_l2l {version}"
            a["created"], a["updated"] = created or now, now
            a["status"], a["preset"] = status, preset
            a["settings"] = json.dumps(asdict(s), sort_keys=True)
            a["data_name"] = str(identity.get("name", ""))
            a["data_version"] = str(identity.get("version", ""))
            a["data_sha256"] = str(identity.get("sha256", ""))
            st = f.create_group("state")
            st["theta"], st["adam_m"], st["adam_v"] = state.theta, state.m, state.v
            st.attrs["generation"] = state.generation
            st.attrs["seconds"] = state.seconds
            best = f.create_group("best")
            best["theta"] = state.best_theta
            best.attrs["accuracy"] = state.best_accuracy
            best.attrs["generation"] = state.best_generation
            f.create_group("start")["theta"] = s.net().start(s.seed).astype(np.float64)
            val = f.create_group("validation")
            val["generation"] = np.asarray(state.val_generation, np.int64)
            val["accuracy"] = np.asarray(state.val_accuracy, np.float64)
            f.create_group("train")["fitness"] = np.asarray(state.train_fitness, np.float64)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class FewshotRun:
    """An opened archive: settings, state, status and the data identity it recorded."""

    def __init__(self, path, settings, state, attrs, start):
        self.path, self.settings, self.state, self.attrs, self.start = (
            path, settings, state, attrs, start)

    @property
    def status(self) -> str:
        return self.attrs["status"]

    @property
    def identity(self) -> dict:
        return {"name": self.attrs["data_name"], "version": self.attrs["data_version"],
                "sha256": self.attrs["data_sha256"]}


def is_fewshot_archive(path) -> bool:
    """True for a readable HDF5 file of this format (no error for anything else)."""
    try:
        import h5py
        with h5py.File(path, "r") as f:
            return f.attrs.get("format") == FORMAT
    except Exception:
        return False


def load(path: str | Path) -> FewshotRun:
    import h5py
    from ..components import settings_from_dict, validate_settings
    from ..errors import ConfigError
    path = Path(path)
    if not path.exists():
        raise ArchiveError(f"{path}: no such file")
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != FORMAT:
                raise ArchiveError(f"{path}: not a few-shot meta-training archive")
            if int(f.attrs["format_version"]) > FORMAT_VERSION:
                raise ArchiveError(f"{path}: format version {f.attrs['format_version']} is "
                                   f"newer than this evo_l2l reads ({FORMAT_VERSION})")
            attrs = {k: (v.item() if hasattr(v, "item") else v) for k, v in f.attrs.items()}
            raw = json.loads(attrs["settings"])
            state = State(
                theta=f["state/theta"][()], m=f["state/adam_m"][()], v=f["state/adam_v"][()],
                generation=int(f["state"].attrs["generation"]),
                best_theta=f["best/theta"][()],
                best_accuracy=float(f["best"].attrs["accuracy"]),
                best_generation=int(f["best"].attrs["generation"]),
                val_generation=f["validation/generation"][()].tolist(),
                val_accuracy=f["validation/accuracy"][()].tolist(),
                train_fitness=f["train/fitness"][()].tolist(),
                seconds=float(f["state"].attrs.get("seconds", 0.0)))
            start = f["start/theta"][()]
    except ArchiveError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise ArchiveError(f"{path}: unreadable or incomplete few-shot archive "
                           f"({type(exc).__name__}: {str(exc).splitlines()[0][:120]})") from None
    try:
        settings = validate_settings(settings_from_dict(FewshotSettings, raw, "settings"),
                                     "settings")
    except (ConfigError, TypeError) as exc:
        raise ArchiveError(f"{path}: its stored settings are not valid ({exc})") from None
    n = settings.net().n_genes
    if not (len(state.theta) == len(state.m) == len(state.v) == len(state.best_theta) == n):
        raise ArchiveError(f"{path}: genome arrays do not match its settings ({n} genes)")
    return FewshotRun(path, settings, state, attrs, start)
