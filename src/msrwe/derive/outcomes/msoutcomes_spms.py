"""MSoutcomes' ``spmsDx`` and ``spmsDx_no_fss``: conversion to SPMS as the CORe package finds it.

Lorscheider et al. (Brain 2016) defined SPMS conversion in MSBase as a confirmed, sustained EDSS
worsening without a relapse, to an EDSS of at least 4 with a pyramidal grade of at least 2, its
leading functional system confirmed too (clinical-methods.md §5.2). ``derive_spms_conversion(...,
profile="msoutcomes")`` reproduces the R package MSoutcomes 0.2.1's implementation of it,
``spmsDx`` (``fss=True``) and ``spmsDx_no_fss`` (``fss=False``; Brown et al. JAMA 2019, Lizak et
al. JAMA Neurol 2020), with their defaults: ``minEDSS = 4``, ``minFSpyr = 2``, ``tRelapse = 30``,
``tProgression = 90.75``, ``tRegression = 272.25``, ``tRelProg = 181.5`` days. Per patient with
at least three EDSS visits (``spmsDx``: counted from the first visit with a functional system
grade):

1. Baseline: the first visit more than ``tRelapse`` days after a relapse. Worsening is the step
   of :mod:`msoutcomes_rules` to an EDSS of at least ``minEDSS``; a single visit that does not
   worsen between two that do (or alone at the start or end) counts as worsening. Improvement is
   any decrease of 0.5 or more.
2. The first visit whose worsening lasts more than ``tProgression`` days (to the last visit
   more than ``tRelapse`` days after a relapse), or whose improvement lasts more than
   ``tRegression`` days, is examined. Relapses before it that raised the EDSS above 3.0 by 0.5
   or more from the baseline and from the previous visit re-baseline the patient (to the first
   later visit whose EDSS holds for more than ``tRelProg`` days, or to the examined visit).
3. The examined visit is the conversion when it worsens, is confirmed for ``tProgression``
   days, lasts to the last visit, has no relapse since the previous visit, has an EDSS (and a
   lowest EDSS up to the first visit more than ``tProgression`` days later) of at least
   ``minEDSS`` and, for ``spmsDx``, a pyramidal grade of at least ``minFSpyr`` (2 when missing or
   lower at an EDSS of 5.5 or more) and a leading functional system whose rise lasts
   ``tProgression`` days. Otherwise the scan goes on after it.

Every step is reproduced as the package computes it, including what looks accidental
(docs/outcomes.md, "MSoutcomes profile"): ``spmsDx`` returns to the first baseline after a
failed examination while ``spmsDx_no_fss`` keeps the current one; ``spmsDx_no_fss`` can convert
at the baseline visit itself; a patient with no visit outside a relapse stops the package with
an error for the whole cohort (msrwe reports that patient with ``msoutcomes_error = True`` and no
conversion).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.derive.outcomes.msoutcomes_options import MSOUTCOMES_VERSION
from msrwe.derive.outcomes.prepare import _days_expr, to_polars
from msrwe.errors import InputError, OptionError

__all__ = ["MSOUTCOMES_FS_COLUMNS", "MSOutcomesSpms", "derive_spms_msoutcomes"]

#: msrwe's columns for the package's FSpyr, FScrbl, FSbstem, FSsens, FSsph, FSvis, FScereb, FSamb.
MSOUTCOMES_FS_COLUMNS = ("fs_pyramidal", "fs_cerebellar", "fs_brainstem", "fs_sensory",
                         "fs_bowel_bladder", "fs_visual", "fs_cerebral", "ambulation")

NA = -1  # a missing logical (R's NA) in int8 arrays


class _PackageError(Exception):
    """Where the R package stops with an error."""


@dataclass(frozen=True)
class MSOutcomesSpms:
    """Parameters of ``spmsDx`` / ``spmsDx_no_fss`` (the package's names and defaults)."""

    fss: bool = True
    minEDSS: float = 4.0
    minFSpyr: int = 2
    tRelapse: float = 30.0
    tProgression: float = 3 * 30.25
    tRegression: float = 9 * 30.25
    tRelProg: float = 6 * 30.25

    def __post_init__(self) -> None:
        if self.minEDSS not in [1.0 + 0.5 * k for k in range(11)]:
            raise OptionError(f"minEDSS must be 1.0 to 6.0 in steps of 0.5 (as spmsDx). Got "
                              f"{self.minEDSS!r}.", option="minEDSS", rule="1.0 to 6.0 by 0.5")
        if self.minFSpyr not in (0, 2):
            raise OptionError(f"minFSpyr must be 0 or 2 (as spmsDx). Got {self.minFSpyr!r}.",
                              option="minFSpyr", rule="0 or 2")
        for name in ("tRelapse", "tProgression", "tRegression", "tRelProg"):
            x = getattr(self, name)
            if isinstance(x, bool) or not isinstance(x, int | float) or not x >= 0:
                raise OptionError(f"{name} must be a non-negative number of days. Got {x!r}.",
                                  option=name, rule="non-negative days")

    def describe(self) -> str:
        """The methods sentence: the function, the package version and every parameter."""
        fun = "spmsDx" if self.fss else "spmsDx_no_fss"
        pyr = f", minFSpyr = {self.minFSpyr}" if self.fss else ""
        return (f"Conversion to secondary progressive MS was derived with msrwe's MSoutcomes "
                f"profile, which reproduces the function {fun} of the R package "
                f"{MSOUTCOMES_VERSION} (CORe definition after Lorscheider et al., Brain 2016"
                f"{'' if self.fss else ', without functional system scores'}), with "
                f"minEDSS = {self.minEDSS:g}{pyr}, tRelapse = {self.tRelapse:g}, tProgression = "
                f"{self.tProgression:g}, tRegression = {self.tRegression:g} and tRelProg = "
                f"{self.tRelProg:g} days.")


def _r_and(*terms: int) -> int:
    """R's ``&`` on TRUE (1), FALSE (0) and NA (-1)."""
    if 0 in terms:
        return 0
    return NA if NA in terms else 1


def _worsens(base: float, d: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    step = 1.5 if base == 0 else (1.0 if base < 6 else 0.5)
    return d >= step


class _Patient:
    """One patient's visits (sorted, EDSS present) and the package's scan of them."""

    def __init__(self, day: npt.NDArray[np.float64], edss: npt.NDArray[np.float64],
                 fs: npt.NDArray[np.float64], dpr: npt.NDArray[np.float64],
                 p: MSOutcomesSpms) -> None:
        self.all_day, self.all_edss = day, edss
        self.p = p
        fsna = np.isnan(fs).all(axis=1) if p.fss else np.zeros(len(day), dtype=np.bool_)
        start = int(np.argmin(fsna)) if p.fss else 0
        self.day, self.edss, self.fs = day[start:], edss[start:], fs[start:]
        self.dpr, self.fsna = dpr[start:], fsna[start:]
        self.norel = np.isnan(self.dpr) | (self.dpr > p.tRelapse)

    def run(self) -> int | None:
        """Index (in the kept visits) of the conversion visit, or None."""
        base = int(np.argmax(self.norel)) if self.norel.any() else -1
        bday = self.day[base] if base >= 0 else math.nan
        self.dpb = self.day - bday
        self.final = float(np.max(self.dpb))
        if len(self.day) < 3:
            return None
        prior = np.r_[0.0, np.diff(self.dpb)]
        with np.errstate(invalid="ignore"):
            self.interv = np.where(np.isnan(self.dpr) | np.isnan(prior), NA,
                                   (self.dpr <= prior).astype(np.int8)).astype(np.int8)
        self.dprior = np.r_[math.nan, np.diff(self.edss)]
        first = (bday, self.edss[base] if base >= 0 else math.nan,
                 self.fs[base] if base >= 0 else np.full(8, math.nan))
        rows = np.flatnonzero(self.day >= bday)
        b = first
        while True:
            if not len(rows):
                raise _PackageError("no visit from the baseline on")
            out = self._step(rows, b, first)
            if isinstance(out, int):
                return out
            if out is None:
                return None
            rows, b = out
            if len(rows) <= 1:
                return None

    def _step(self, rows: npt.NDArray[np.int64], b: tuple[Any, ...], first: tuple[Any, ...],
              ) -> int | tuple[npt.NDArray[np.int64], tuple[Any, ...]] | None:
        p = self.p
        bday, bedss, bfs = b
        m = len(rows)
        e = self.edss[rows]
        d = e - bedss
        raw = _worsens(bedss, d) & (e >= p.minEDSS)
        grp = np.cumsum(raw)
        zeros_in = np.bincount(grp, weights=(~raw).astype(np.float64),
                               minlength=int(grp.max()) + 1 if m else 1)
        prog = np.r_[raw | (zeros_in[grp] == 1), False]  # the package's run smoothing
        reg = np.r_[d <= -0.5, False]
        norel = np.r_[self.norel[rows], True]
        dpb = np.r_[self.dpb[rows], math.nan]
        n = m + 1
        before = np.full(n + 1, -1)
        for x in range(1, n + 1):
            before[x] = x - 1 if norel[x - 1] else before[x - 1]
        dprog = np.zeros(n)
        dreg = np.zeros(n)
        nz_p = nz_r = n
        for k in range(n - 1, -1, -1):
            if prog[k]:
                last = before[nz_p]
                if last >= 0 and not math.isnan(dpb[last] - dpb[k]):
                    dprog[k] = dpb[last] - dpb[k]
            else:
                nz_p = k
            if reg[k]:
                x = dpb[nz_r - 1] - dpb[k]
                dreg[k] = 0.0 if math.isnan(x) else x
            else:
                nz_r = k
        por = (dprog > p.tProgression) | (dreg > p.tRegression)
        if not por.any():
            return None
        k = int(np.argmax(por))
        onset = int(rows[k])
        # relapses before the examined visit that matter for the diagnosis
        bpr = [i for i in (range(k) if k else [0]) if self.day[rows[i]] != bday]
        sig: list[int] = []
        if bpr and not por[0]:
            for i in bpr:
                r = int(rows[i])
                if self.interv[r] == NA:
                    continue
                prior = NA if math.isnan(self.dprior[r]) else int(self.dprior[r] >= 0.5)
                ok = _r_and(int(self.interv[r] == 1), int(self.edss[r] > 3.0),
                            int(d[i] >= 0.5), prior, int(bedss < 6.0))
                if ok == NA:
                    raise _PackageError("missing value where TRUE/FALSE needed")
                if ok:
                    sig.append(i)
        if sig:
            bl = onset if sig[-1] == bpr[-1] else self._relapse_baseline(rows, bpr, sig, bedss,
                                                                        onset)
            rows = np.flatnonzero(self.day > self.day[bl])
            b = (self.day[bl], self.edss[bl], self.fs[bl])
            return rows, b
        lead_ok = True
        fspyr = self.fs[onset, 0]
        if p.fss:
            dfs = np.vstack([self.fs[rows] - bfs, np.zeros((1, 8))])
            dfs[:, 0] = np.where(np.isnan(dfs[:, 0]), 1.0, dfs[:, 0])
            t1 = np.nan_to_num(dfs[k], nan=0.0)
            mx = t1.max()
            days_lead = [0.0]
            if prog[k] and mx > 0:
                days_lead = []
                for c in np.flatnonzero(t1 == mx):
                    col = np.r_[np.nan_to_num(dfs[k:, c], nan=1.0), 0.0]
                    dcol = np.r_[dpb[k:], 0.0]
                    z = int(np.argmax(col == 0))
                    days_lead.append(dcol[z - 1] - dcol[0])
            lead_ok = any(x >= p.tProgression for x in days_lead if not math.isnan(x))
            if math.isnan(fspyr):
                fspyr = 2.0 if self.edss[onset] >= 5.5 else 0.0
            if fspyr < 2 and self.edss[onset] >= 5.5:
                fspyr = 2.0
        interv = 0 if self.interv[onset] == NA else int(self.interv[onset])
        after = [int(r) for r in rows[k:] if self.day[r] > self.day[onset]]
        conf = [i for i, r in enumerate(after) if self.dpb[r] - self.dpb[onset] > p.tProgression]
        if not conf:
            raise _PackageError("1:Inf")
        confirmed = min(self.edss[after[: conf[0] + 1]])
        if (prog[k] and dprog[k] >= p.tProgression and self.dpb[onset] + dprog[k] >= self.final
                and interv == 0 and self.edss[onset] >= p.minEDSS and confirmed >= p.minEDSS
                and (not p.fss or (fspyr >= p.minFSpyr and lead_ok))):
            return onset
        cur = rows if not p.fss else np.arange(len(self.day))
        if prog[k] and self.dpb[onset] + dprog[k] < self.final:
            rows = cur[self.dpb[cur] > self.dpb[onset] + dprog[k]]
            return rows, (first if p.fss else b)
        rows = cur[self.day[cur] > self.day[onset]]
        b = first if p.fss else b
        if (prog[k] and interv == 1) or reg[k]:
            if not p.fss:
                b = (self.day[onset], self.edss[onset], self.fs[onset])
            else:
                bp1, fs1 = onset, self.fs[onset].copy()
                fs1[0] = fspyr
                if self.fsna[onset]:
                    bp1 = int(rows[0])
                    fs1 = self.fs[bp1]
                while len(rows) > 1 and self.fsna[bp1]:
                    rows = rows[1:]
                    bp1 = int(rows[0])
                    fs1 = self.fs[bp1]
                b = (self.day[bp1], self.edss[bp1], fs1)
        return rows, b

    def _relapse_baseline(self, rows: npt.NDArray[np.int64], bpr: list[int], sig: list[int],
                          bedss: float, onset: int) -> int:
        """The first later visit whose EDSS holds for more than tRelProg days (or the onset)."""
        prn = [int(rows[i]) for i in bpr[bpr.index(sig[-1]) + 1:]]
        e = np.r_[self.edss[prn], math.nan]
        dpb = np.r_[self.dpb[prn], math.nan]
        n = len(prn)
        valid = []
        for v in range(n + 1):
            nb = e[v]
            with np.errstate(invalid="ignore"):
                diff = np.abs(e - nb)
                step = 1.5 if nb == 0 else (1.0 if bedss < 6 else 0.5)
                holds = np.where(np.isnan(diff), np.nan, (diff < step).astype(float))
            holds[n] = 0.0
            nxt = [z for z in range(v + 1, n + 1) if holds[z] == 0]
            fin = nxt[0] - 1 if nxt else n
            x = dpb[fin] - dpb[v]
            valid.append(not math.isnan(x) and x > self.p.tRelProg)
        cand = [prn[v] for v in range(n) if valid[v] and not (self.p.fss and self.fsna[prn[v]])]
        return cand[0] if cand else onset


def derive_spms_msoutcomes(visits: Any, relapses: Any = None, *,
                           definition: MSOutcomesSpms | None = None,
                           days_post_relapse_col: str | None = None) -> pl.DataFrame:
    """``spmsDx`` (``fss=True``) or ``spmsDx_no_fss`` of MSoutcomes 0.2.1, one row per patient.

    Parameters
    ----------
    visits
        Visits with ``patient_id``, ``date``, ``edss`` and (for ``fss=True``) the columns of
        :data:`MSOUTCOMES_FS_COLUMNS`; missing grades are allowed.
    relapses
        Relapse onsets (``patient_id``, ``onset_date``), or None.
    definition
        :class:`MSOutcomesSpms` (default: ``spmsDx`` with its defaults; ``fss=False`` for
        ``spmsDx_no_fss``).
    days_post_relapse_col
        A column of recorded days since the last relapse, instead of the relapse table.

    Returns
    -------
    polars.DataFrame
        ``patient_id``, ``spms`` (1, 0, or null as the package gives for a patient without any
        EDSS when another patient converted), ``spms_conversion_date``, ``spms_edss``,
        ``spms_edss_before`` (the package's ``EDSS.preDxFinal``) and ``msoutcomes_error``
        (the package stops with an error for this patient; reported as not converted).

    Examples
    --------
    >>> import datetime as dt
    >>> d = [dt.date(2020, 1, 1) + dt.timedelta(days=k) for k in (0, 200, 400, 520, 700)]
    >>> v = pl.DataFrame({"patient_id": ["a"] * 5, "date": d,
    ...                   "edss": [3.0, 3.0, 4.5, 4.5, 4.5], "fs_pyramidal": [1, 1, 3, 3, 3]})
    >>> derive_spms_msoutcomes(v).select("spms", "spms_conversion_date").row(0)
    (1, datetime.date(2021, 2, 4))
    """
    p = definition if definition is not None else MSOutcomesSpms()
    fss = p.fss
    df = to_polars(visits, "visits")
    cols = ["patient_id", "date", "edss"] + ([days_post_relapse_col] if days_post_relapse_col
                                             else [])
    require_columns(df, "visits", cols)
    date_expr, dtype = _days_expr(df.schema["date"], "date", "visits")
    fs_exprs = [(pl.col(c) if c in df.columns else pl.lit(None)).cast(pl.Float64).alias(c)
                for c in MSOUTCOMES_FS_COLUMNS]
    if not fss:
        fs_exprs = [pl.lit(None, dtype=pl.Float64).alias(c) for c in MSOUTCOMES_FS_COLUMNS]
    dpr_expr = (pl.col(days_post_relapse_col).cast(pl.Float64).abs() if days_post_relapse_col
                else pl.lit(None, dtype=pl.Float64)).alias("_dpr")
    v = df.select(pl.col("patient_id"), date_expr.alias("_day"),
                  pl.col("edss").cast(pl.Float64).fill_nan(None).alias("_edss"), *fs_exprs,
                  dpr_expr)
    if v.filter(pl.col("_edss").is_not_null() & pl.col("_day").is_null()).height:
        raise InputError("visits: a visit with an EDSS has no usable date in column 'date'.")
    ids = v["patient_id"].unique(maintain_order=True)
    v = v.filter(pl.col("_edss").is_not_null()).with_row_index("_row")
    if not days_post_relapse_col and relapses is not None:
        from msrwe.derive.outcomes.msoutcomes import _days_post_relapse, _relapse_days

        order = pl.DataFrame({"patient_id": ids, "_p": np.arange(ids.len(), dtype=np.int64)})
        pidx = v.join(order, on="patient_id", how="left", maintain_order="left")["_p"]
        rp, rd = _relapse_days(relapses, ids, dtype)
        srt = np.lexsort((v["_day"].to_numpy(), pidx.to_numpy()))
        dpr = np.empty(v.height)
        dpr[srt] = _days_post_relapse(pidx.to_numpy()[srt].astype(np.int64),
                                      v["_day"].to_numpy()[srt].astype(np.int64), rp, rd)
        v = v.with_columns(pl.Series("_dpr", dpr).fill_nan(None))
    res: dict[Any, tuple[int, int | None, float | None, float | None, bool]] = {}
    for (pid,), g in v.group_by("patient_id", maintain_order=True):
        g = g.sort("_day", "_row")
        pat = _Patient(g["_day"].to_numpy().astype(np.float64), g["_edss"].to_numpy(),
                       g.select(MSOUTCOMES_FS_COLUMNS).to_numpy().astype(np.float64),
                       g["_dpr"].fill_null(np.nan).to_numpy().astype(np.float64), p)
        try:
            at = pat.run()
        except _PackageError:
            res[pid] = (0, None, None, None, True)
            continue
        if at is None:
            res[pid] = (0, None, None, None, False)
            continue
        i = at + len(pat.all_day) - len(pat.day)
        before = pat.all_day < pat.all_day[i]
        pre = (float(pat.all_edss[before][np.argmax(pat.all_day[before])]) if before.any()
               else None)
        res[pid] = (1, int(pat.all_day[i]), float(pat.all_edss[i]), pre, False)
    # as the package: a patient without any EDSS is NA when some patient converted, else 0
    none = (None if any(r[0] for r in res.values()) else 0, None, None, None, False)
    rows = [(pid, *res.get(pid, none)) for pid in ids]
    out = pl.DataFrame(rows, orient="row", schema={
        "patient_id": ids.dtype, "spms": pl.Int32, "_day": pl.Int64, "spms_edss": pl.Float64,
        "spms_edss_before": pl.Float64, "msoutcomes_error": pl.Boolean})
    date = (pl.col("_day").cast(pl.Int32).cast(pl.Date) if dtype == pl.Date
            else pl.col("_day").cast(dtype))
    return out.select("patient_id", "spms", date.alias("spms_conversion_date"), "spms_edss",
                      "spms_edss_before", "msoutcomes_error")
