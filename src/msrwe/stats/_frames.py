"""Turn a polars frame into the numeric design a regression needs, with clear errors.

Shared by :func:`~msrwe.stats.cox_hr` and :func:`~msrwe.stats.negbin_rate_ratio`: the group
column becomes one 0/1 dummy per non-reference level (term ``"<group>=<level>"``), a text
covariate likewise (reference = its first level in sorted order), a numeric covariate stays as
it is. Missing values are refused with the column and the number of rows, never dropped
silently: which patients to keep is the caller's decision (complete case or missing indicator).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from msrwe.errors import InputError, OptionError

__all__ = ["Design", "build_design", "cluster_codes", "numeric_column", "positive_weights"]


@dataclass(frozen=True)
class Design:
    """A numeric design: columns of ``x`` are ``terms``; the first ``n_group`` are the group's."""

    x: np.ndarray
    terms: list[str]
    n_group: int
    levels: list[str]
    reference: str
    group_codes: np.ndarray


def _require(df: pl.DataFrame, columns: Sequence[str], func: str) -> None:
    if not isinstance(df, pl.DataFrame):
        raise OptionError(
            f"The 'df' parameter of {func} must be a polars DataFrame. Got {type(df).__name__}."
        )
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{func}: the table has no column {', '.join(repr(m) for m in missing)} "
            f"(it has {', '.join(df.columns)})."
        )
    for c in columns:
        n_null = df[c].null_count()
        if df[c].dtype.is_float():
            n_null += int(df[c].is_nan().sum())
        if n_null:
            raise InputError(
                f"{func}: column '{c}' has {n_null} missing value(s); drop or impute those rows "
                "first (complete-case analysis or a missing-indicator covariate)."
            )


def numeric_column(df: pl.DataFrame, column: str, func: str) -> np.ndarray:
    """Return ``df[column]`` as floats, or raise :class:`InputError` naming the column."""
    s = df[column]
    if s.dtype == pl.Boolean:
        return s.cast(pl.Float64).to_numpy()
    if not s.dtype.is_numeric():
        raise InputError(f"{func}: column '{column}' must hold numbers; it holds {s.dtype}.")
    return s.cast(pl.Float64).to_numpy()


def _levels(s: pl.Series) -> list[str]:
    return sorted(s.cast(pl.String).unique().to_list())


def build_design(
    df: pl.DataFrame,
    *,
    group: str,
    reference: str | None,
    covariates: Sequence[str],
    func: str,
    extra: Sequence[str] = (),
) -> Design:
    """Build the design matrix of ``group`` dummies followed by the covariates."""
    covariates = list(covariates)
    _require(df, [group, *covariates, *extra], func)
    if df.height == 0:
        raise InputError(f"{func}: the table has no rows.")
    g = df[group].cast(pl.String)
    levels = _levels(g)
    if len(levels) < 2:
        raise InputError(
            f"{func}: column '{group}' has a single group ({levels[0]!r}); a comparison needs "
            "at least two."
        )
    if reference is None:
        reference = levels[0]
    reference = str(reference)
    if reference not in levels:
        raise OptionError(
            f"The 'reference' parameter of {func} must be one of the groups in '{group}' "
            f"({', '.join(levels)}). Got {reference!r} instead.",
            option="reference",
            rule=f"one of {levels}",
        )
    others = [lv for lv in levels if lv != reference]
    garr = g.to_numpy()
    codes = np.searchsorted(np.array(levels, dtype=object), garr)
    cols = [(garr == lv).astype(float) for lv in others]
    terms = [f"{group}={lv}" for lv in others]
    for c in covariates:
        s = df[c]
        if s.dtype in (pl.String, pl.Categorical, pl.Enum):
            cl = _levels(s)
            sv = s.cast(pl.String).to_numpy()
            for lv in cl[1:]:
                cols.append((sv == lv).astype(float))
                terms.append(f"{c}={lv}")
            if len(cl) < 2:
                raise InputError(f"{func}: covariate '{c}' has the same value in every row.")
        else:
            x = numeric_column(df, c, func)
            if np.ptp(x) == 0:
                raise InputError(
                    f"{func}: covariate '{c}' has the same value ({x[0]:g}) in every row, so it "
                    "cannot be adjusted for; leave it out."
                )
            cols.append(x)
            terms.append(c)
    x = np.column_stack(cols)
    return Design(x, terms, len(others), levels, reference, codes)


def cluster_codes(df: pl.DataFrame, cluster: str, func: str) -> np.ndarray:
    """Integer codes 0..G-1 of the cluster column (matched set or patient)."""
    _require(df, [cluster], func)
    return df[cluster].cast(pl.String).rank("dense").cast(pl.Int64).to_numpy() - 1


def positive_weights(df: pl.DataFrame, weights: str, func: str) -> pl.DataFrame:
    """Keep the rows with a weight above 0 (unmatched patients carry weight 0)."""
    _require(df, [weights], func)
    w = numeric_column(df, weights, func)
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise InputError(f"{func}: weights in '{weights}' must be finite numbers >= 0.")
    return df.filter(pl.Series(w > 0))
