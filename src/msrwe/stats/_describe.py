"""Summary statistics of a numeric column, in the results-table vocabulary.

(``describe`` in msrwe means one thing: the definitions in force, in words, e.g.
``OutcomeResult.describe()``; numbers are *summarized*.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from msrwe.stats._checks import as_float_array

__all__ = ["summarize"]


def summarize(values: Any) -> dict[str, float | None]:
    """Count, mean, SD, median, quartiles and range of the non-missing values.

    Quartiles use linear interpolation between order statistics (numpy's default, R type 7).

    Parameters
    ----------
    values
        Numbers; missing values (None, NaN) are left out and counted in ``n_missing``.

    Returns
    -------
    dict
        ``n, n_missing, mean, sd, median, q1, q3, min, max`` (``None`` when there is no value;
        ``sd`` needs two values).

    Examples
    --------
    >>> summarize([1.0, 2.0, 3.0, 4.0, None])
    {'n': 4, 'n_missing': 1, 'mean': 2.5, 'sd': 1.2909944487358056, 'median': 2.5, 'q1': 1.75, 'q3': 3.25, 'min': 1.0, 'max': 4.0}
    """  # noqa: E501
    arr = as_float_array(values, "values", "summarize")
    ok = arr[np.isfinite(arr)]
    out: dict[str, float | None] = {"n": int(ok.size), "n_missing": int(arr.size - ok.size)}
    if ok.size == 0:
        out.update(dict.fromkeys(("mean", "sd", "median", "q1", "q3", "min", "max")))
        return out
    q1, med, q3 = np.percentile(ok, [25, 50, 75])
    out.update(
        {
            "mean": float(ok.mean()),
            "sd": float(ok.std(ddof=1)) if ok.size > 1 else None,
            "median": float(med),
            "q1": float(q1),
            "q3": float(q3),
            "min": float(ok.min()),
            "max": float(ok.max()),
        }
    )
    return out
