"""Write the fingerprint of the default synthetic cohorts to default_cohort.json.

The default cohort (83 patients, seed 2019) is what ``msrwe demo`` shows and what other tests
and examples quote (10/83 patients with headache, 44/83 with fatigue, ...). The fingerprint pins
it: any change to the generator that changes a byte of the files fails
tests/synth/test_synth_golden.py. When the change is intended, rerun this script and commit the
regenerated JSON with the change:

    .venv/bin/python tests/results/synth/make_default_cohort.py
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import polars as pl

from msrwe.synth import write_cohort

HERE = Path(__file__).parent


def fingerprint(dirty: bool) -> dict[str, dict[str, object]]:
    """sha256 and data rows of every file of the default cohort."""
    with tempfile.TemporaryDirectory() as tmp:
        out: dict[str, dict[str, object]] = {}
        for path in write_cohort(tmp, dirty=dirty):
            rows = pl.read_csv(path, infer_schema=False).height
            out[path.name] = {
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "rows": rows,
            }
        return out


def main() -> None:
    """Write default_cohort.json next to this script."""
    result = {
        "command": "write_cohort(out_dir, 83, seed=2019, dirty=..., fmt='csv')",
        "polars": pl.__version__,
        "clean": fingerprint(False),
        "dirty": fingerprint(True),
    }
    (HERE / "default_cohort.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
