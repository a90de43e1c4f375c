"""The ``msrwe`` command line (typer)."""

import os
import sys
from pathlib import Path

# `msrwe import` of a registry checks a hundred million rows in batches of a million. Polars'
# allocator serves every block above 8 MiB (each column of a batch) from an arena that gives it
# back to the system at once, so each batch's columns were fresh pages that the kernel mapped
# and zeroed again (page faults were about a quarter of an import's CPU time). The command keeps
# such blocks in the ordinary arenas, where the next batch reuses them (a quarter fewer page
# faults at 100,000 patients), and asks that freed memory be given back
# within a second (by default it is kept longer, which over a million patients' batches held
# gigabytes the import no longer used: about 75 bytes per row beside the 30 it needs). This
# must be set before Polars is loaded, and a setting of the user's own wins.
if (
    sys.argv[1:2] == ["import"]
    and Path(sys.argv[0]).name in ("msrwe", "__main__.py")
    and "polars" not in sys.modules
):
    os.environ.setdefault(
        "_RJEM_MALLOC_CONF",
        "dirty_decay_ms:1000,muzzy_decay_ms:0,oversize_threshold:17179869184",
    )
