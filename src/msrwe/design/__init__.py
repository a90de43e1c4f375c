"""Trial design by simulation: how many patients, for how long, with which endpoint.

A design file (TOML) declares a two-arm trial in progressive MS; :func:`simulate` draws visit-level
trajectories from a calibrated natural-history model, runs them through msrwe's own outcome
engine (the same confirmation rules a trial would apply) and analyses every simulated trial with
the log-rank test and a Cox model. ``msrwe design DESIGN.toml --out DIR`` writes the results
(``design_power`` rows of ``results.csv``) and the report ``design.html``. docs/design.md
describes the model, its parameters and its limits.

Examples
--------
>>> from msrwe.design import schoenfeld_events
>>> round(schoenfeld_events(0.7, power=0.9))
330
"""

from msrwe.design.config import (
    Analysis,
    Design,
    DesignError,
    Effect,
    Endpoint,
    Population,
    Schedule,
    load_design,
    parse_design,
)
from msrwe.design.params import NaturalHistoryParams, calibration_record, published_params
from msrwe.design.report import render_design_report, write_design_outputs
from msrwe.design.results import design_results_table
from msrwe.design.schoenfeld import schoenfeld_events, schoenfeld_n, schoenfeld_power
from msrwe.design.simulate import DesignResult, GridPoint, simulate
from msrwe.design.store import store_params
from msrwe.design.survival import cox_by_trial, logrank_by_trial

__all__ = [
    "Analysis",
    "Design",
    "DesignError",
    "DesignResult",
    "Effect",
    "Endpoint",
    "GridPoint",
    "NaturalHistoryParams",
    "Population",
    "Schedule",
    "calibration_record",
    "cox_by_trial",
    "design_results_table",
    "load_design",
    "logrank_by_trial",
    "parse_design",
    "published_params",
    "render_design_report",
    "schoenfeld_events",
    "schoenfeld_n",
    "schoenfeld_power",
    "simulate",
    "store_params",
    "write_design_outputs",
]
