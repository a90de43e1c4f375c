"""The design's results as rows of msrwe's long results table (``design_power``).

One row per endpoint (``variable``), trial size (``level`` = patients per arm), and stat; the
group is ``overall``. Stats: ``n_per_arm``, ``n_control``, ``n_treatment``, ``power``,
``power_mc_se``, ``power_adjusted`` (under the design's multiplicity rule), ``events`` (mean per
trial), ``placebo_rate`` and ``active_rate`` (share of patients with a counted event, 0-1) with
their Monte Carlo standard errors, ``type1_error``, ``hazard_ratio`` (median Cox estimate),
``median_followup_weeks`` and ``schoenfeld_power``. docs/results.md lists them.

Examples
--------
>>> STATS[:3]
('n_per_arm', 'power', 'power_mc_se')
"""

from __future__ import annotations

from pathlib import Path

from msrwe._atomic import atomic_path
from msrwe.design.simulate import DesignResult
from msrwe.tables.results import ResultsTable

__all__ = ["ANALYSIS", "STATS", "design_results_table", "write_results"]

#: The analysis name of the rows.
ANALYSIS = "design_power"
#: The stats written per endpoint and size, in order.
STATS: tuple[str, ...] = (
    "n_per_arm", "power", "power_mc_se", "events", "placebo_rate", "active_rate", "type1_error",
    "n_control", "n_treatment", "power_adjusted", "placebo_rate_mc_se", "active_rate_mc_se",
    "hazard_ratio", "median_followup_weeks", "schoenfeld_power",
)


def design_results_table(result: DesignResult) -> ResultsTable:
    """The ``design_power`` rows of a simulation."""
    d = result.design
    table = ResultsTable()
    method = (f"simulation of {d.n_trials} trials ({result.event_model} model), log-rank test "
              f"two-sided alpha {d.analysis.alpha:g}; multiplicity: {d.analysis.multiplicity}")
    labels = {e.name: e.describe() for e in d.endpoints}
    for g in result.grid:
        stats = {
            "n_per_arm": g.n_per_arm, "power": g.power, "power_mc_se": g.power_mc_se,
            "events": g.events, "placebo_rate": g.placebo_rate, "active_rate": g.active_rate,
            "type1_error": g.type1_error, "n_control": g.n_control,
            "n_treatment": g.n_treatment, "power_adjusted": g.power_adjusted,
            "placebo_rate_mc_se": g.placebo_rate_mc_se, "active_rate_mc_se": g.active_rate_mc_se,
            "hazard_ratio": g.hazard_ratio, "median_followup_weeks": g.median_followup_weeks,
            "schoenfeld_power": g.schoenfeld_power,
        }
        table.add_stats(ANALYSIS, "overall", g.endpoint, str(g.n_per_arm), stats,
                        label=labels[g.endpoint], method=method)
    return table


def write_results(result: DesignResult, out_dir: str | Path) -> Path:
    """Write ``results.csv`` (long format) atomically into ``out_dir``."""
    df = design_results_table(result).to_polars()
    target = Path(out_dir) / "results.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        df.write_csv(tmp)
    return target
