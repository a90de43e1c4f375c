"""The outcome engine on a validated :class:`OutcomeOptions`: prepare, scan, assemble.

Every entry point (:func:`msrwe.derive.outcomes.detect_events`, the 9-hole peg test, composites,
the study) validates its options once into an :class:`OutcomeOptions` and hands that object here.

Examples
--------
>>> import polars as pl
>>> from msrwe.derive.outcomes.options import make_options
>>> v = pl.DataFrame({"patient_id": ["A"] * 3, "date": [0, 90, 180], "edss": [3.0, 4.0, 4.0]})
>>> run_engine(v, None, make_options()).events["date"].to_list()
[90]
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from msrwe.derive.outcomes.assemble import build_events, build_summary, build_unconfirmed
from msrwe.derive.outcomes.compile_notice import compile_notice
from msrwe.derive.outcomes.describe import describe_options
from msrwe.derive.outcomes.options import OutcomeOptions
from msrwe.derive.outcomes.prepare import Prepared, codes, prepare

__all__ = ["OutcomeResult", "run_engine", "run_prepared"]

#: Below this many visits the scan runs on one thread.
_PARALLEL_MIN_VISITS = 200_000


@dataclass(frozen=True)
class OutcomeResult:
    """What :func:`detect_events` returns.

    Attributes
    ----------
    events
        One row per confirmed event, with msprog's ``results`` columns.
    summary
        One row per patient: ``patient_id``, ``n_visits``, ``total_fu``, ``event_sequence``,
        ``event_count``, ``CDI``, ``CDW``, ``RAW``, ``PIRA``, ``undefined``.
    unconfirmed
        Changes that were not confirmed (only when ``return_unconfirmed=True``, else None).
    options
        The validated :class:`OutcomeOptions` in force.
    """

    events: pl.DataFrame
    summary: pl.DataFrame
    unconfirmed: pl.DataFrame | None
    options: OutcomeOptions

    def describe(self) -> str:
        """A methods paragraph stating every definition in force, ready to paste."""
        return describe_options(self.options)

    def __repr__(self) -> str:
        return (f"OutcomeResult({self.events.height} events in {self.summary.height} patients; "
                f"outcome={self.options.outcome!r}, event={self.options.event!r}, "
                f"baseline={self.options.baseline!r})")


def run_prepared(prep: Prepared, opts: OutcomeOptions, *, threads: int | None = None,
                 fix_direction: bool = True) -> OutcomeResult:
    """Run the kernel on already prepared arrays and assemble the result.

    Parameters
    ----------
    prep
        Output of :func:`msrwe.derive.outcomes.prepare.prepare`.
    opts
        Validated options.
    threads
        Number of threads (default: 2 when the cohort is large, else 1).
    fix_direction
        See :func:`msrwe.derive.outcomes.prepare.codes`.

    Returns
    -------
    OutcomeResult
    """
    from msrwe.derive.outcomes._assemble_jit import COMPILED
    from msrwe.derive.outcomes.kernel import scan_patients  # numba only when events are sought

    npat = len(prep.off) - 1
    if 0 < opts.impute_last_visit < 1:
        impu = np.random.default_rng(opts.random_state).random(npat)
    else:
        impu = np.zeros(npat, dtype=np.float64)
    if threads is None:
        threads = 2 if len(prep.day) >= _PARALLEL_MIN_VISITS else 1
    bounds = np.linspace(0, npat, max(1, min(threads, npat)) + 1).astype(np.int64)
    chunks = [(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    # a first compile says so instead of a silent wait
    with compile_notice(scan_patients, *COMPILED):
        if len(chunks) > 1:  # each thread scans and assembles its own patients
            with ThreadPoolExecutor(len(chunks)) as ex:
                parts = list(ex.map(
                    lambda b: _scan_and_assemble(prep.patient_slice(*b), impu[b[0]:b[1]], opts,
                                                 fix_direction), chunks))
        else:
            parts = [_scan_and_assemble(prep, impu, opts, fix_direction)]
    events, summary, unconfirmed = (
        pl.concat([part[k] for part in parts], how="vertical", rechunk=False)
        if len(parts) > 1 and parts[0][k] is not None else parts[0][k] for k in range(3))
    return OutcomeResult(events, summary, unconfirmed, opts)


def _scan_and_assemble(prep: Prepared, impu: npt.NDArray[np.float64], opts: OutcomeOptions,
                       fix_direction: bool,
                       ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None]:
    """Scan every patient of ``prep`` and assemble its events, summary and unconfirmed tables."""
    from msrwe.derive.outcomes.kernel import event_buffers, scan_patients

    iopt, fopt, win = codes(opts, fix_direction=fix_direction,
                            threshold_code=prep.threshold_code)
    npat = len(prep.off) - 1
    out = scan_patients(0, npat, prep.off, prep.day, prep.value, prep.kernel_delta,
                        prep.validconf, prep.roff, prep.rday, impu, iopt, fopt, win,
                        *event_buffers(iopt, npat, len(prep.day)))
    ev_i, ev_f = out[0][: out[2]], out[1][: out[2]]
    unconfirmed = (build_unconfirmed(prep, out[3][: out[5]], out[4][: out[5]])
                   if opts.return_unconfirmed else None)
    return build_events(prep, ev_i, ev_f, opts), build_summary(prep, ev_i, opts), unconfirmed


def run_engine(visits: Any, relapses: Any, options: OutcomeOptions, *,
               threads: int | None = None) -> OutcomeResult:
    """Run the engine on one outcome series under validated options.

    Parameters
    ----------
    visits, relapses
        As for :func:`msrwe.derive.outcomes.detect_events`.
    options
        The options in force (``value_col`` set: the 9-hole peg test by hand goes through
        :func:`msrwe.derive.outcomes.nhpt.detect_nhpt_events`).
    threads
        See :func:`run_prepared`.

    Returns
    -------
    OutcomeResult
    """
    if options.profile != "msprog":  # the MSoutcomes profile (study file, msrwe outcomes)
        from msrwe.derive.outcomes.msoutcomes import run_options

        return run_options(visits, relapses, options)  # type: ignore[return-value]
    return run_prepared(prepare(visits, relapses, options), options, threads=threads)
