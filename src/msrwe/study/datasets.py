"""Moved: :func:`derive_advs` and :func:`derive_vars_adsl` are in :mod:`msrwe.derive.visits`.

``derive_advs`` there takes the windows as keyword arguments instead of the whole study; this
module keeps the old call working, with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

import warnings

import polars as pl

from msrwe.derive.visits import derive_advs as _derive_advs
from msrwe.derive.visits import derive_vars_adsl
from msrwe.study.config import Study

__all__ = ["derive_advs", "derive_vars_adsl"]


def derive_advs(visits: pl.DataFrame, adsl: pl.DataFrame, study: Study) -> pl.DataFrame:
    """Deprecated: use :func:`msrwe.derive.visits.derive_advs` with keyword windows."""
    warnings.warn(
        "msrwe.study.datasets.derive_advs(visits, adsl, study) moved to "
        "msrwe.derive.visits.derive_advs(visits, adsl, baseline_window_days=..., "
        "on_treatment_days=...)",
        DeprecationWarning, stacklevel=2,
    )
    return _derive_advs(
        visits, adsl, baseline_window_days=study.analysis.baseline_window_days,
        on_treatment_days=study.analysis.on_treatment_days,
    )
