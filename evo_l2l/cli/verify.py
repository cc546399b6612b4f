"""`evo-l2l verify`: read an archive in full and check its checksums and digests."""
from __future__ import annotations

import os
import sys

import click

from . import main


@main.command()
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--repair", is_flag=True,
              help="First rewrite an archive whose writer was killed, so that plain HDF5 "
                   "readers (h5py without swmr=True, h5dump) open it; keeps every complete "
                   "generation.")
@click.option("--force", is_flag=True, help="With --repair: even if the archive looks live.")
def verify(archive, repair, force):
    """Read every dataset and digest of ARCHIVE; exit 0 if intact, 2 if not.

    \b
    Prints one line: "ARCHIVE: intact (...)" on stdout, or "ARCHIVE: corrupt: <what>" on
    stderr.
    """
    from ..archive import repair as repair_archive, verify_archive
    from ..errors import ArchiveError
    if repair:
        run = repair_archive(archive, force)
        click.echo(f"{archive}: rewritten with its {run.n_generations_done} complete "
                   "generations; plain HDF5 readers open it now")
    try:
        v = verify_archive(archive)
    except ArchiveError as exc:
        text = str(exc)
        # A missing file, a newer format or a plug-in's component is not damage: the
        # usual one-line error.
        if (not os.path.isfile(archive) or "newer than this" in text
                or "made with a component" in text):
            raise
        what = text[len(archive) + 2:] if text.startswith(f"{archive}: ") else text
        what = what[len("corrupt "):] if what.startswith("corrupt ") else what
        click.echo(f"{archive}: corrupt: {what}", err=True)
        sys.exit(2)
    about = (f"format {v.format_version}, {v.n_generations} "
             f"generation{'s' if v.n_generations != 1 else ''}")
    if v.live:
        about += f", live run ({v.live}): state not cross-checked"
    for note in v.notes:
        about += f"; {note}"
    if v.n_checksummed == 0 and v.n_digests == 0:
        click.echo(f"{archive}: read in full, no errors, but it carries no checksums "
                   f"({about}); changed bytes in its data would go unnoticed")
        return
    click.echo(f"{archive}: intact ({about}, checksums on {v.n_checksummed} of "
               f"{v.n_datasets} datasets, {v.n_digests} digests)")
