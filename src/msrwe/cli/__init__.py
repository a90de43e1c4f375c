"""The ``msrwe`` command line (typer)."""

import os
import sys
from pathlib import Path

# `msrwe import` of a registry checks a hundred million rows in batches of a million: Polars'
# allocator keeps freed memory for a second by default, which over a million patients' batches
# holds gigabytes the import no longer uses (measured: about 75 bytes per row kept beside the
# 30 the import needs). The command asks it to give freed memory back at once; this must be set
# before Polars is loaded, and a setting of the user's own wins.
if (
    sys.argv[1:2] == ["import"]
    and Path(sys.argv[0]).name in ("msrwe", "__main__.py")
    and "polars" not in sys.modules
):
    os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
