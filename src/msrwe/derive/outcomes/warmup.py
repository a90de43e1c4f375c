"""Compile the outcome engine ahead of time: ``python -m msrwe.derive.outcomes.warmup``.

``make venv`` runs this once after installing, so the first ``msrwe`` command that seeks events
does not wait ~20 s for numba (see :mod:`msrwe.derive.outcomes.compile_notice`). It runs the
msprog engine, the milestone scan and each MSoutcomes scan on a two-patient cohort, then one
mixed-model fit (the compiled sums of :mod:`msrwe.stats._lmm_kernel`, used by every annual EDSS
slope: without it the first ``msrwe analyze`` or ``msrwe demo`` compiles them, about 1.5 CPU-s),
which fills numba's on-disk cache (``NUMBA_CACHE_DIR`` when set, else ``__pycache__`` beside the
modules).

Examples
--------
>>> from msrwe.derive.outcomes.warmup import warm_up
>>> warm_up() >= 0.0
True
>>> from msrwe.stats import _lmm_kernel  # the mixed model's sums, both passes
>>> len(_lmm_kernel.fill1.signatures), len(_lmm_kernel.fill2.signatures)
(1, 1)
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import polars as pl

__all__ = ["main", "warm_up"]


def warm_up() -> float:
    """Compile (or load) every kernel of the outcome engine; return the seconds it took.

    Returns
    -------
    float
        Wall-clock seconds.
    """
    t0 = time.perf_counter()
    visits, relapses = _two_patients()
    _engine_kernels(visits, relapses)
    _mixed_model_kernels(visits)
    return time.perf_counter() - t0


def _two_patients() -> tuple[pl.DataFrame, pl.DataFrame]:
    d0 = date(2020, 1, 1)
    visits = pl.DataFrame({
        "patient_id": ["a"] * 5 + ["b"] * 5,
        "date": [d0 + timedelta(days=180 * k) for k in range(5)] * 2,
        "edss": [2.0, 3.0, 3.0, 3.5, 3.5, 4.0, 3.0, 3.0, 2.5, 2.5],
    })
    relapses = pl.DataFrame({"patient_id": ["a"], "onset_date": [d0 + timedelta(days=100)]})
    return visits, relapses


def _engine_kernels(visits: pl.DataFrame, relapses: pl.DataFrame) -> None:
    """The msprog engine, the walk over integer identifiers, the milestone and MSoutcomes scans."""
    from msrwe.derive.milestones import derive_milestone
    from msrwe.derive.outcomes import detect_events
    from msrwe.derive.outcomes.msoutcomes import detect_msoutcomes_events
    from msrwe.derive.outcomes.prepare import _walk_in_order

    detect_events(visits, relapses, event="multiple")
    _walk_in_order(pl.Series([2]), pl.Series([1, 2]))
    derive_milestone(visits, milestone=3.0, relapses=relapses)
    for event in ("CDW", "CDI", "CDEseq", "PIRA"):
        detect_msoutcomes_events(visits, relapses, event=event)


def _mixed_model_kernels(visits: pl.DataFrame) -> None:
    """Both compiled passes of the REML sums (``fill1``, ``fill2``), through a real fit."""
    from msrwe.stats import mixed_slope

    years = visits.with_columns(years=pl.col("date").dt.year().cast(pl.Float64))
    mixed_slope(years, "edss", "years", "patient_id")


def main() -> None:
    """Entry point: compile and say how long it took."""
    print(f"outcome engine ready ({warm_up():.1f} s)")


if __name__ == "__main__":  # pragma: no cover
    main()
