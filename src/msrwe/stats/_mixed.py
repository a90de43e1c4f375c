"""Annual slope of a repeated measure from a linear mixed model (clinical-methods section 8).

``y ~ time + (1 + time | patient)`` is fitted by REML with statsmodels' ``MixedLM``. When that
model does not converge (or its random-effects covariance is singular), the model with a random
intercept only is fitted instead, and the result says so.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.regression.mixed_linear_model import MixedLM
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from msrwe.errors import InputError, OptionError
from msrwe.stats._checks import check_level

__all__ = ["SlopeResult", "mixed_slope"]

#: One optimizer (L-BFGS): statsmodels' default chain retries two more when the first fails,
#: which triples the time of a random-slope fit that will not converge anyway.
_OPTIMIZERS = ["lbfgs"]


@dataclass(frozen=True)
class SlopeResult:
    """The fixed-effect slope of a mixed model, per unit of ``time`` (per year for years).

    Attributes
    ----------
    slope, se, ci_low, ci_high, p_value
        Estimate, standard error, Wald interval and Wald p-value of the time effect
        (NaN when the model could not be estimated).
    level
        Confidence level of the interval.
    n_patients, n_obs
        Patients and measurements used (rows with a missing value are dropped).
    random_slope
        True for the model with random intercept and slope, False for random intercept only.
    converged
        Whether the reported model converged.
    note
        Why a fallback was used or why nothing could be estimated; empty otherwise.
    """

    slope: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    level: float
    n_patients: int
    n_obs: int
    random_slope: bool
    converged: bool
    note: str = ""

    @property
    def method(self) -> str:
        """A description for the ``method`` column of the results table."""
        re = "random intercept and slope" if self.random_slope else "random intercept"
        text = f"linear mixed model (REML, statsmodels MixedLM), {re} per patient"
        if not self.converged:
            text += ", did not converge"
        return f"{text}; {self.note}" if self.note else text


def _to_pandas(df: Any) -> pd.DataFrame:
    if isinstance(df, pd.DataFrame):
        return df
    if hasattr(df, "to_pandas"):
        return df.to_pandas()
    raise InputError(
        f"mixed_slope: 'df' must be a Polars or pandas DataFrame, not {type(df).__name__}."
    )


def _fit(endog: np.ndarray, exog: np.ndarray, groups: np.ndarray, slope: bool) -> Any:
    exog_re = exog if slope else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = MixedLM(endog, exog, groups=groups, exog_re=exog_re).fit(
                reml=True, method=_OPTIMIZERS
            )
        except (np.linalg.LinAlgError, ValueError) as exc:
            return None, f"fit failed ({exc})"
    trouble = [w for w in caught if issubclass(w.category, ConvergenceWarning | RuntimeWarning)]
    if not res.converged or trouble or not np.all(np.isfinite(res.bse[:2])):
        msg = str(trouble[0].message).splitlines()[0] if trouble else "no convergence"
        return res, msg
    return res, ""


def mixed_slope(
    df: Any, y: str, time: str, group: str, *, level: float = 0.95, random_slope: bool = True
) -> SlopeResult:
    """Average slope of ``y`` over ``time`` with a random intercept and slope per ``group``.

    When the random-slope model does not converge, or its slope variance sits on the boundary
    (estimated at zero, so the model reduces to a random intercept), the random-intercept model
    is reported instead and ``note`` says why.

    Parameters
    ----------
    df
        Long data, one row per measurement (Polars or pandas).
    y
        The measure (e.g. ``"edss"``).
    time
        Time since the origin, in the unit the slope is wanted per (years for an annual slope).
    group
        The patient identifier column.
    level
        Confidence level of the Wald interval.
    random_slope
        Fit a random slope per patient (the default); ``False`` fits the random-intercept model
        only (e.g. as a sensitivity analysis).

    Returns
    -------
    SlopeResult
        The slope and its interval; ``random_slope`` and ``note`` say which model was used.
        With fewer than 2 patients or 3 measurements, or no spread in time, the numbers are
        NaN and ``note`` says why.

    Raises
    ------
    InputError
        When a named column is missing.

    Examples
    --------
    >>> import polars as pl
    >>> d = pl.DataFrame({
    ...     "patient_id": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
    ...     "years": [0.0, 1.0, 2.0] * 3,
    ...     "edss": [4.0, 4.5, 5.0, 6.0, 6.0, 6.5, 3.0, 3.5, 4.0],
    ... })
    >>> r = mixed_slope(d, "edss", "years", "patient_id")
    >>> round(r.slope, 2), r.n_patients, r.n_obs
    (0.42, 3, 9)
    """
    level = check_level(level, "mixed_slope")
    if not isinstance(random_slope, bool):
        raise OptionError(
            "The 'random_slope' parameter of mixed_slope must be True or False. "
            f"Got {random_slope!r} instead."
        )
    pdf = _to_pandas(df)
    missing = [c for c in (y, time, group) if c not in pdf.columns]
    if missing:
        raise InputError(
            f"mixed_slope: no column {missing[0]!r}; the data has {list(pdf.columns)}."
        )
    data = pdf[[y, time, group]].dropna()
    data = data.sort_values([group, time])
    n_obs, n_pat = len(data), int(data[group].nunique())
    nan = float("nan")

    def empty(note: str) -> SlopeResult:
        return SlopeResult(nan, nan, nan, nan, nan, level, n_pat, n_obs, False, False, note)

    if n_pat < 2 or n_obs < 3:
        return empty("not estimable: fewer than 2 patients or 3 measurements")
    t = data[time].to_numpy(dtype=float)
    if np.ptp(t) == 0:
        return empty("not estimable: every measurement at the same time")
    endog = data[y].to_numpy(dtype=float)
    exog = np.column_stack([np.ones_like(t), t])
    groups = data[group].astype(str).to_numpy()
    if not random_slope:
        res, why = _fit(endog, exog, groups, slope=False)
        if res is None:
            return empty(f"not estimable: {why}")
        return _result(res, level, n_pat, n_obs, False, not why, why)
    res, why = _fit(endog, exog, groups, slope=True)
    random_slope, converged, note = True, not why, ""
    if why:
        res2, why2 = _fit(endog, exog, groups, slope=False)
        if res2 is not None and not why2:
            res, random_slope, converged = res2, False, True
            if "boundary" in why.lower():
                note = (
                    "random slope variance estimated at zero (boundary of the parameter "
                    "space); random intercept only"
                )
            else:
                note = f"random slope model did not converge ({why}); random intercept only"
        elif res is not None:
            note = why
        elif res2 is not None:
            res, random_slope, note = res2, False, f"random intercept model: {why2}"
        else:
            return empty(f"not estimable: {why2}")
    return _result(res, level, n_pat, n_obs, random_slope, converged, note)


def _result(
    res: Any,
    level: float,
    n_pat: int,
    n_obs: int,
    random_slope: bool,
    converged: bool,
    note: str,
) -> SlopeResult:
    ci = res.conf_int(alpha=1 - level)
    return SlopeResult(
        slope=float(res.fe_params[1]),
        se=float(res.bse[1]),
        ci_low=float(ci[1, 0]),
        ci_high=float(ci[1, 1]),
        p_value=float(res.pvalues[1]),
        level=level,
        n_patients=n_pat,
        n_obs=n_obs,
        random_slope=random_slope,
        converged=converged,
        note=note,
    )
