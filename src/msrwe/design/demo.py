"""The demo's trial design: a 2-year methotrexate-vs-placebo trial in progressive MS.

``msrwe demo`` calls :func:`run_demo_design`, which writes :data:`DEMO_DESIGN` as
``design.toml`` and simulates it: the EDSS (24-week confirmed), the 9-hole peg test (>= 20% on
either hand, 24-week confirmed) and EDSS-Plus compared as primary endpoints of the same trial.
It is sized to run in seconds (200 simulated trials); raise ``n_trials`` for a real plan.

Examples
--------
>>> from msrwe.design import parse_design
>>> [e.name for e in parse_design(DEMO_DESIGN).endpoints]
['edss_cdw24', 'nhpt_20pct', 'edss_plus']
"""

from __future__ import annotations

from pathlib import Path

from msrwe._atomic import atomic_write_text
from msrwe.design.config import load_design
from msrwe.design.report import write_design_outputs
from msrwe.design.simulate import ProgressCallback, simulate

__all__ = ["DEMO_DESIGN", "run_demo_design"]

#: The demo's design file.
DEMO_DESIGN = """\
[design]
title = "Intrathecal methotrexate vs placebo in progressive MS: EDSS, 9HPT or EDSS-Plus?"
n_trials = 200
seed = 1

[population]
phenotype = ["SPMS", "PPMS"]
edss = [3.0, 6.5]
age = [18, 65]
source = "published"

[arms]
placebo = 1
active = 1

[schedule]
duration_weeks = 96
visit_every_weeks = 12
dropout_per_year = 0.1
dropout_counts_as = "censored"

[effect]
hazard_ratio = 0.7

[[endpoints]]
name = "edss_cdw24"
outcome = "edss"
conf_days = 168

[[endpoints]]
name = "nhpt_20pct"
outcome = "nhpt"
conf_days = 168

[[endpoints]]
name = "edss_plus"
outcome = "edss_plus"
conf_days = 168

[analysis]
alpha = 0.05
n_per_arm = [100, 200, 300, 400]
target_power = 0.8
"""


def run_demo_design(out_dir: str | Path, *, progress: ProgressCallback | None = None) -> Path:
    """Write the demo design file into ``out_dir``, simulate it, write the results and report.

    Returns
    -------
    Path
        The report ``design.html``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = atomic_write_text(out / "design.toml", DEMO_DESIGN)
    result = simulate(load_design(path), progress=progress)
    return write_design_outputs(result, out)[1]
