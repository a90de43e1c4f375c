"""Compile the outcome engine ahead of time: ``python -m msrwe.derive.outcomes.warmup``.

``make venv`` runs this once after installing, so the first ``msrwe`` command that seeks events
does not wait ~20 s for numba (see :mod:`msrwe.derive.outcomes.compile_notice`). It runs the
msprog engine, the milestone scan and each MSoutcomes scan on a two-patient cohort, which fills
numba's on-disk cache (``NUMBA_CACHE_DIR`` when set, else ``__pycache__`` beside the modules).

Examples
--------
>>> from msrwe.derive.outcomes.warmup import warm_up
>>> warm_up() >= 0.0
True
"""

from __future__ import annotations

import time
from datetime import date, timedelta

__all__ = ["main", "warm_up"]


def warm_up() -> float:
    """Compile (or load) every kernel of the outcome engine; return the seconds it took.

    Returns
    -------
    float
        Wall-clock seconds.
    """
    import polars as pl

    from msrwe.derive.outcomes import detect_events

    t0 = time.perf_counter()
    d0 = date(2020, 1, 1)
    visits = pl.DataFrame({
        "patient_id": ["a"] * 5 + ["b"] * 5,
        "date": [d0 + timedelta(days=180 * k) for k in range(5)] * 2,
        "edss": [2.0, 3.0, 3.0, 3.5, 3.5, 4.0, 3.0, 3.0, 2.5, 2.5],
    })
    relapses = pl.DataFrame({"patient_id": ["a"], "onset_date": [d0 + timedelta(days=100)]})
    detect_events(visits, relapses, event="multiple")
    from msrwe.derive.outcomes.prepare import _walk_in_order

    _walk_in_order(pl.Series([2]), pl.Series([1, 2]))  # the walk over integer identifiers
    from msrwe.derive.milestones import derive_milestone

    derive_milestone(visits, milestone=3.0, relapses=relapses)  # the milestone scan
    try:
        from msrwe.derive.outcomes.msoutcomes import detect_msoutcomes_events
    except ImportError:  # pragma: no cover - the MSoutcomes profile is part of the package
        return time.perf_counter() - t0
    for event in ("CDW", "CDI", "CDEseq", "PIRA"):
        detect_msoutcomes_events(visits, relapses, event=event)
    return time.perf_counter() - t0


def main() -> None:
    """Entry point: compile and say how long it took."""
    print(f"outcome engine ready ({warm_up():.1f} s)")


if __name__ == "__main__":  # pragma: no cover
    main()
