"""``analyze`` runs its small linear algebra on one BLAS thread, scipy's own BLAS included.

The statistics modules import scipy on first use, so scipy's OpenBLAS (used by the L-BFGS-B of
the mixed-model slope) is loaded only inside the analyses; a thread limit set before it was loaded
would not reach it, and each of the ~2,000 small L-BFGS-B steps of the demo then waited for a
second thread (6 s instead of 0.03 s on a busy 2-core machine). A fresh interpreter checks it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from msrwe.cli.demo_cmd import DEMO_STUDY
from msrwe.io import import_folder
from msrwe.synth import write_cohort

PROBE = """
import json, sys
from threadpoolctl import threadpool_info
import msrwe.stats._mixed as mixed
assert "scipy.optimize" not in sys.modules  # loaded by the analyses themselves
seen = []
fit = mixed.fit_lmm
def probe(*args, **kwargs):
    seen.append([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"])
    return fit(*args, **kwargs)
mixed.fit_lmm = probe
from msrwe.pipeline import analyze
analyze(sys.argv[1], sys.argv[2])
print(json.dumps(seen))
"""


def test_case1_every_blas_has_one_thread_in_the_mixed_model_fits(tmp_path: Path) -> None:
    write_cohort(tmp_path / "charts", 40, seed=3)
    db = tmp_path / "s.duckdb"
    import_folder(tmp_path / "charts", db)
    (tmp_path / "study.toml").write_text(DEMO_STUDY)
    out = subprocess.run([sys.executable, "-c", PROBE, str(db), str(tmp_path / "study.toml")],
                         capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen, "no mixed-model fit ran"
    assert all(threads == [1] * len(threads) for threads in seen), seen
    assert max(len(threads) for threads in seen) >= 1
