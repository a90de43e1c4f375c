"""MS severity scores: MSSS (Roxburgh 2005) and ARMSS (Manouchehrinia 2017).

Reference/endpoints.md section 7. The MSSS ranks an EDSS among patients with the same disease
duration, the ARMSS among patients of the same age; both run from 0 to 10 with 5 the median.

**The global matrices are not bundled.** They ship only in GPL packages (R ``ms.sev``, Python
``mssev``), so msrwe reads a matrix file you supply (:func:`read_severity_matrix`, format in
docs/endpoints.md with how to export it from ``ms.sev``). Without one, the *local* scores of
``ms.sev`` are computed from the data themselves (:func:`local_severity`).

**Indexing.** ``ms.sev`` and ``mssev`` disagree by one year of disease duration on the updated
matrix (endpoints.md 7.2). msrwe follows **ms.sev** by default (an author of the updated matrix
co-authored it): the MSSS row is the ``floor(dd) + 1``-th row of the matrix, counted from the
top whatever its label, capped at the 30th row; so on a matrix whose rows are labelled dd1 to
dd30, label ``ddN`` is the N-th year (N-1 <= dd < N). ``indexing="mssev"`` instead takes the row
*labelled* ``floor(dd)`` (capped at the last label; no row, no score). EDSS 0.5 uses the EDSS 0
column; EDSS 10 (death) has no score. ARMSS uses the row labelled ``floor(age)``, ages 18-75 only.

Examples
--------
>>> m = SeverityMatrix.from_frame(pl.DataFrame({"dd": ["dd0", "dd1", "dd2"],
...     **{c: [i / 4 + r / 10 for r in range(3)] for i, c in enumerate(EDSS_COLUMNS)}}),
...     kind="msss", name="toy")
>>> m.lookup(edss=[6.0, 0.5, 10.0], at=[1.9, 0.2, 1.0])  # rows dd1, dd0; EDSS 10: none
[2.85, 0.0, None]
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from msrwe.errors import InputError, OptionError

__all__ = [
    "EDSS_COLUMNS",
    "INDEXING",
    "SeverityMatrix",
    "local_severity",
    "read_severity_matrix",
]

#: The 19 EDSS columns of a severity matrix (0, 1.0, 1.5, ..., 9.5), as ms.sev holds them.
EDSS_COLUMNS: tuple[str, ...] = ("0", *[f"{x / 2:g}" for x in range(2, 20)])
#: The two conventions for the disease-duration row of an MSSS matrix.
INDEXING: tuple[str, ...] = ("ms.sev", "mssev")
_EDSS_VALUES = tuple(float(c) for c in EDSS_COLUMNS)
_MAX_MSSS_ROW = 30
_ARMSS_AGES = (18, 75)
_BAND = 2.0  # years either side: the pool of a local score (ms.sev)
_DAYS_PER_YEAR = 365.25  # durations and ages are whole days over this
_MAX_TABLE = 20_000_000  # cells of the (EDSS value x duration) table of running totals


def _label_number(label: object, kind: str, source: str, row: int) -> int:
    text = str(label).strip().lower()
    m = re.fullmatch(r"(?:dd|age)?\s*(\d+)", text)
    if not m:
        raise InputError(f"{source}, row {row}: the row label {label!r} is not a "
                         f"{'disease duration (dd0, 5, ...)' if kind == 'msss' else 'age'}.")
    return int(m.group(1))


@dataclass(frozen=True)
class SeverityMatrix:
    """A global MSSS or ARMSS matrix: one row per disease-duration year (or age), 19 columns.

    Attributes
    ----------
    kind
        ``msss`` or ``armss``.
    labels
        The row labels as numbers (dd years or ages), in file order.
    values
        ``len(labels) x 19`` scores.
    name
        Where the matrix came from (the file name), for the methods text.
    """

    kind: str
    labels: tuple[int, ...]
    values: np.ndarray
    name: str

    @classmethod
    def from_frame(cls, frame: pl.DataFrame, *, kind: str, name: str) -> SeverityMatrix:
        """Build from a frame: a first column of row labels, then the 19 EDSS columns."""
        if kind not in ("msss", "armss"):
            raise OptionError(f"SeverityMatrix: 'kind' must be 'msss' or 'armss'; got {kind!r}.")
        cols = {_norm_col(c): c for c in frame.columns[1:]}
        missing = [c for c in EDSS_COLUMNS if c not in cols]
        if missing:
            raise InputError(f"{name}: the severity matrix has no EDSS column "
                             f"{', '.join(missing)}; it needs {', '.join(EDSS_COLUMNS)}.")
        labels = tuple(_label_number(v, kind, name, i + 2)
                       for i, v in enumerate(frame[frame.columns[0]].to_list()))
        if len(set(labels)) != len(labels) or list(labels) != sorted(labels):
            raise InputError(f"{name}: the row labels must increase with no repeat; got "
                             f"{list(labels)[:5]}...")
        try:
            vals = frame.select([pl.col(cols[c]).cast(pl.Float64) for c in EDSS_COLUMNS])
        except pl.exceptions.PolarsError:
            raise InputError(f"{name}: every score of the severity matrix must be a number.") \
                from None
        arr = vals.to_numpy()
        bad = np.argwhere(~np.isfinite(arr) | (arr < 0) | (arr > 10))
        if bad.size:
            i, j = bad[0]
            raise InputError(f"{name}, row {i + 2}, column {EDSS_COLUMNS[j]!r}: the score "
                             f"{arr[i, j]} is not a number from 0 to 10.")
        return cls(kind, labels, arr, name)

    def lookup(self, *, edss: Sequence[float | None], at: Sequence[float | None],
               indexing: str = "ms.sev") -> list[float | None]:
        """Scores for EDSS values at disease durations (MSSS) or ages (ARMSS), in years.

        ``None`` where there is no score (EDSS 10 or missing, a duration below 0, an age outside
        18-75, a row the matrix lacks).
        """
        if indexing not in INDEXING:
            raise OptionError(f"lookup: 'indexing' must be one of {', '.join(INDEXING)}; "
                              f"got {indexing!r}.")
        out: list[float | None] = []
        for e, x in zip(edss, at, strict=True):
            col = _edss_column(e)
            row = self._row(x, indexing)
            out.append(None if col is None or row is None else float(self.values[row, col]))
        return out

    def _row(self, x: float | None, indexing: str) -> int | None:
        if x is None or (isinstance(x, float) and math.isnan(x)) or x < 0:
            return None
        whole = math.floor(x)
        if self.kind == "armss":
            if not _ARMSS_AGES[0] <= whole <= _ARMSS_AGES[1]:
                return None
            return self.labels.index(whole) if whole in self.labels else None
        if indexing == "ms.sev":
            pos = min(whole + 1, _MAX_MSSS_ROW, len(self.labels))
            return pos - 1
        label = min(whole, self.labels[-1])
        return self.labels.index(label) if label in self.labels else None


def _norm_col(name: str) -> str:
    try:
        return f"{float(str(name).strip().lstrip('Xx')):g}"
    except ValueError:
        return str(name)


def _edss_column(e: float | None) -> int | None:
    if e is None or (isinstance(e, float) and math.isnan(e)) or e >= 10 or e < 0:
        return None
    e = 0.0 if e == 0.5 else e
    return _EDSS_VALUES.index(e) if e in _EDSS_VALUES else None


def read_severity_matrix(path: str | Path, *, kind: str) -> SeverityMatrix:
    """Read a severity matrix file (CSV; format in docs/endpoints.md, "MS severity").

    Raises
    ------
    InputError
        When the file is missing or unreadable, lacks an EDSS column, has a row label that is
        not a number, or a score outside 0-10 (the message names the row and column).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no severity matrix here (a CSV file is expected).")
    try:
        frame = pl.read_csv(p, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read the severity matrix ({exc}).") from None
    return SeverityMatrix.from_frame(frame, kind=kind, name=p.name)


def local_severity(
    edss: Sequence[float | None],
    at: Sequence[float | None],
    *,
    reference_edss: Sequence[float | None],
    reference_at: Sequence[float | None],
    band: float = _BAND,
) -> list[float | None]:
    """Local severity scores (ms.sev's local MSSS/ARMSS): the rank within a band of the data.

    For each EDSS, the reference assessments whose duration (or age) lies within ``band`` years
    of its own (inclusive) form the pool (the scored assessment belongs to the reference, so it
    is in its own pool); the score is ``rank / (n + 1) x 10`` with ``n`` the pool's size and
    ``rank`` the mid-rank of the EDSS in it (ties averaged; endpoints.md 7 [V]).

    Examples
    --------
    >>> local_severity([4.0], [10.0], reference_edss=[2.0, 4.0, 6.0], reference_at=[9, 10, 11])
    [5.0]
    """
    q_e, q_x = _floats(edss), _floats(at)
    if len(q_e) != len(q_x):
        raise ValueError("edss and at must have the same length")
    scores = _LocalReference(_floats(reference_edss), _floats(reference_at)).score(
        q_e, q_x, band)
    return [None if np.isnan(s) else float(s) for s in scores.tolist()]


def _floats(values: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """A float array, ``None`` as NaN (numpy input is taken as it is)."""
    if isinstance(values, np.ndarray):
        return values.astype(float, copy=False)
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _pair_counts(e: np.ndarray, x: np.ndarray) -> pl.DataFrame:
    """``e, x, len``: each distinct (e, x) pair and its count, sorted by e then x.

    ``pl.DataFrame({"e": e, "x": x}).group_by("e", "x").len().sort("e", "x")``, but counted by
    integer pair codes, each row's pair one bin of a count over the grid of codes (already in
    (e, x) order). When every EDSS is a multiple of 0.5 and every duration whole days over
    365.25 (as the scores' durations are), the codes are those numbers of steps and each value
    is the code's number of steps again, to the bit; otherwise the codes are ranks among the
    distinct values. The values are finite and +0.0 for zero. A grid too large is grouped.
    """
    if len(e):
        half, day = np.rint(e * 2.0), np.rint(x * _DAYS_PER_YEAR)
        if np.array_equal(half / 2.0, e) and np.array_equal(day / _DAYS_PER_YEAR, x):
            ce, cx = half.astype(np.int64), day.astype(np.int64)
            e0, x0 = int(ce.min()), int(cx.min())
            n_e, n_x = int(ce.max()) - e0 + 1, int(cx.max()) - x0 + 1
            if n_e * n_x <= _MAX_TABLE:
                counts = np.bincount((ce - e0) * n_x + (cx - x0), minlength=n_e * n_x)
                seen = np.flatnonzero(counts)
                return pl.DataFrame({"e": (seen // n_x + e0) / 2.0,
                                     "x": (seen % n_x + x0) / _DAYS_PER_YEAR,
                                     "len": counts[seen].astype(np.uint32)})
    ue, ux = np.sort(pl.Series(e).unique().to_numpy()), np.sort(pl.Series(x).unique().to_numpy())
    if len(ue) * len(ux) > _MAX_TABLE:
        return pl.DataFrame({"e": e, "x": x}).group_by("e", "x").len().sort("e", "x")
    cell = np.searchsorted(ue, e) * len(ux) + np.searchsorted(ux, x)
    counts = np.bincount(cell, minlength=len(ue) * len(ux))
    seen = np.flatnonzero(counts)
    return pl.DataFrame({"e": ue[seen // len(ux)], "x": ux[seen % len(ux)],
                         "len": counts[seen].astype(np.uint32)})


class _LocalReference:
    """The reference assessments of the local scores, counted once for any number of queries.

    The reference is reduced to its distinct (EDSS, duration) pairs with their counts (durations
    are whole days over 365.25, so a million patients' visits have a few thousand distinct
    durations per EDSS value): within each distinct EDSS value (EDSS has ~20) and over all, the
    distinct durations are sorted with the running total of their counts. The pool of each score
    is found by binary search and counted as a difference of running totals: O(n) for the
    reduction, O(q log d) per query set, instead of n x reference.
    """

    def __init__(self, ref_e: np.ndarray, ref_x: np.ndarray) -> None:
        ok = np.isfinite(ref_e) & np.isfinite(ref_x) & (ref_e < 10)
        # + 0.0 makes -0.0 +0.0, so equal numbers are one key
        pairs = _pair_counts(ref_e[ok] + 0.0, ref_x[ok] + 0.0)
        e_sorted = pairs["e"].to_numpy()
        self.values = np.unique(e_sorted)
        self.x_by_value = pairs["x"].to_numpy()
        self.cum_by_value = np.concatenate(([0], np.cumsum(pairs["len"].to_numpy())))
        self.bounds = np.searchsorted(e_sorted, np.append(self.values, np.inf), side="left")
        overall = pairs.group_by("x").agg(pl.col("len").sum()).sort("x")
        self.all_x = overall["x"].to_numpy()
        self.cum_all = np.concatenate(([0], np.cumsum(overall["len"].to_numpy())))
        # With few EDSS values (the usual ~20), one table of running totals over values and the
        # distinct durations answers every value's count from one pair of binary searches:
        # table[a, b] = references with one of the a lowest values and one of the b shortest
        # durations.
        self.table: np.ndarray | None = None
        if (len(self.values) + 1) * (len(self.all_x) + 1) <= _MAX_TABLE:
            table = np.zeros((len(self.values) + 1, len(self.all_x) + 1), dtype=np.int64)
            np.add.at(table, (np.searchsorted(self.values, e_sorted) + 1,
                              np.searchsorted(self.all_x, self.x_by_value) + 1),
                      pairs["len"].to_numpy())
            self.table = table.cumsum(axis=0).cumsum(axis=1)

    def score(self, q_e: np.ndarray, q_x: np.ndarray, band: float) -> np.ndarray:
        """``rank / (n + 1) x 10`` per query (NaN where there is no score)."""
        scored = np.isfinite(q_e) & np.isfinite(q_x) & (q_e < 10)
        if self.table is not None:
            lo, hi = _range_within(self.all_x, q_x, band)
            hi = np.maximum(hi, lo)
            t = self.table
            n_lt = np.searchsorted(self.values, np.where(scored, q_e, 0.0), side="left")
            n_le = np.searchsorted(self.values, np.where(scored, q_e, 0.0), side="right")
            below_i = t[n_lt, hi] - t[n_lt, lo]
            equal_i = t[n_le, hi] - t[n_le, lo] - below_i
            size_i = t[-1, hi] - t[-1, lo]
            rank_t = below_i + (equal_i + 1) / 2
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(scored & (size_i > 0), rank_t / (size_i + 1) * 10, np.nan)
        below = np.zeros(len(q_e))
        equal = np.zeros(len(q_e))
        for k, v in enumerate(self.values):
            i, j = self.bounds[k], self.bounds[k + 1]
            n_v = _count_within(self.x_by_value[i:j], q_x, band,
                                self.cum_by_value[i:j + 1] - self.cum_by_value[i])
            below += np.where(v < q_e, n_v, 0)
            equal += np.where(v == q_e, n_v, 0)
        size = _count_within(self.all_x, q_x, band, self.cum_all)
        rank = below + (equal + 1) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(scored & (size > 0), rank / (size + 1) * 10, np.nan)


def _count_within(r: np.ndarray, x: np.ndarray, band: float,
                  cum: np.ndarray | None = None) -> np.ndarray:
    """How many of the sorted ``r`` satisfy ``abs(r - x) <= band``, for each ``x``.

    With ``cum`` (``len(r) + 1`` running totals from 0), element ``i`` of ``r`` stands for
    ``cum[i + 1] - cum[i]`` elements.
    """
    if len(r) == 0:
        return np.zeros(len(x), dtype=np.int64)
    lo, hi = _range_within(r, x, band)
    if cum is None:
        return np.maximum(hi - lo, 0)
    return np.where(hi > lo, cum[np.maximum(hi, lo)] - cum[lo], 0)


def _range_within(r: np.ndarray, x: np.ndarray, band: float) -> tuple[np.ndarray, np.ndarray]:
    """The run ``lo:hi`` of the sorted ``r`` with ``abs(r - x) <= band``, for each ``x``.

    The elements that do are contiguous in ``r`` (rounding is monotone); binary search on
    ``x -/+ band`` finds the run to within rounding, and the edges are then moved until the
    test ``abs(r - x) <= band`` itself holds exactly as an element-wise comparison would.
    ``hi <= lo`` when there is none.
    """
    xs = np.where(np.isfinite(x), x, 0.0)
    lo = np.searchsorted(r, xs - band, side="left")
    hi = np.searchsorted(r, xs + band, side="right")
    n = len(r)
    if n == 0:
        return lo, hi

    def inside(i: np.ndarray) -> np.ndarray:
        j = np.clip(i, 0, n - 1)
        return (i >= 0) & (i < n) & (np.abs(r[j] - xs) <= band)

    for _ in range(64):  # a few ulps at most; duplicates are jumped over by searchsorted
        grow_lo = inside(lo - 1)
        shrink_lo = (lo < hi) & ~inside(lo)
        grow_hi = inside(hi)
        shrink_hi = (hi > lo) & ~inside(hi - 1)
        if not (grow_lo.any() or shrink_lo.any() or grow_hi.any() or shrink_hi.any()):
            break
        j = np.clip(lo - 1, 0, n - 1)
        lo = np.where(grow_lo, np.searchsorted(r, r[j], side="left"), lo)
        j = np.clip(lo, 0, n - 1)
        lo = np.where(shrink_lo & ~grow_lo, np.searchsorted(r, r[j], side="right"), lo)
        j = np.clip(hi, 0, n - 1)
        hi = np.where(grow_hi, np.searchsorted(r, r[j], side="right"), hi)
        j = np.clip(hi - 1, 0, n - 1)
        hi = np.where(shrink_hi & ~grow_hi, np.searchsorted(r, r[j], side="left"), hi)
    return lo, hi


def derive_vars_severity(
    dataset: pl.DataFrame,
    *,
    visits: pl.DataFrame,
    msss: SeverityMatrix | None = None,
    armss: SeverityMatrix | None = None,
    indexing: str = "ms.sev",
    by: str = "patient_id",
    timepoints: Sequence[str] = ("base", "last"),
) -> pl.DataFrame:
    """Add ``msss_<t>`` and ``armss_<t>`` for each timepoint ``t`` (baseline and last EDSS).

    Parameters
    ----------
    dataset
        One row per patient with ``ms_onset_date``, ``birth_date`` and, per timepoint ``t``,
        ``<t>_edss`` and ``<t>_edss_date``.
    visits
        Every assessment of the cohort (``by``, ``date``, ``edss``): the reference of the local
        scores used when a global matrix is not given.
    msss, armss
        Global matrices (:func:`read_severity_matrix`), or ``None`` for the local scores.
    indexing
        ``ms.sev`` (default) or ``mssev`` (the MSSS disease-duration row; see the module).
    by
        The patient key.
    timepoints
        Prefixes of the EDSS columns to score.

    Returns
    -------
    polars.DataFrame
        ``dataset`` with ``dd_<t>`` and ``age_<t>`` (years) and the score columns.
    """
    need = [by, "ms_onset_date", "birth_date"]
    for t in timepoints:
        need += [f"{t}_edss", f"{t}_edss_date"]
    from msrwe.derive._columns import require_columns
    from msrwe.derive._frames import join_by_runs

    require_columns(dataset, "dataset", need)
    require_columns(visits, "visits", [by, "date", "edss"])
    ref = (
        join_by_runs(visits.select(by, "date", "edss").filter(pl.col("edss").is_not_null()),
                     dataset.select(by, "ms_onset_date", "birth_date"), by, "inner")
        .select(
            "edss",
            ((pl.col("date") - pl.col("ms_onset_date")).dt.total_days() / 365.25).alias("dd"),
            ((pl.col("date") - pl.col("birth_date")).dt.total_days() / 365.25).alias("age"),
        )
    )
    out = dataset
    local: dict[str, _LocalReference] = {}  # sorted once per kind, shared by the timepoints
    for t in timepoints:
        out = out.with_columns(
            ((pl.col(f"{t}_edss_date") - pl.col("ms_onset_date")).dt.total_days() / 365.25)
            .alias(f"dd_{t}"),
            ((pl.col(f"{t}_edss_date") - pl.col("birth_date")).dt.total_days() / 365.25)
            .alias(f"age_{t}"),
        )
        for kind, matrix, x in (("msss", msss, "dd"), ("armss", armss, "age")):
            if matrix is not None:
                scores = pl.Series(f"{kind}_{t}", matrix.lookup(
                    edss=out[f"{t}_edss"].to_list(), at=out[f"{x}_{t}"].to_list(),
                    indexing=indexing), dtype=pl.Float64)
            else:
                if x not in local:
                    local[x] = _LocalReference(_column(ref, "edss"), _column(ref, x))
                scores = pl.Series(f"{kind}_{t}", local[x].score(
                    _column(out, f"{t}_edss"), _column(out, f"{x}_{t}"), _BAND)).fill_nan(None)
            out = out.with_columns(scores)
    return out


def _column(frame: pl.DataFrame, name: str) -> np.ndarray:
    """A column as floats, empty values as NaN."""
    return frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy()
