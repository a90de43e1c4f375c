"""Which charted relapses count as relapses for the outcome definitions.

The chart contract records a ``confirmed`` flag per relapse, true by default (an empty cell means
confirmed). msprog and the definitions of clinical-methods.md sections 2-3 (relapse proximity,
RAW/PIRA) speak of relapses, meaning clinically confirmed attacks, so a relapse the chart marks as
not confirmed (``confirmed = false``) is left out before the outcome engine sees the table.
"""

from __future__ import annotations

import polars as pl

__all__ = ["UNCONFIRMED_RELAPSE_NOTE", "filter_confirmed_relapses"]

#: The sentence the methods paragraph uses for this rule.
UNCONFIRMED_RELAPSE_NOTE = (
    "Relapses charted as not confirmed were not used; relapses without a confirmation "
    "status were taken as confirmed."
)


def filter_confirmed_relapses(relapses: pl.DataFrame) -> pl.DataFrame:
    """Keep the relapses the chart does not mark as unconfirmed.

    Parameters
    ----------
    relapses
        A relapses table with ``patient_id`` and ``onset_date``, and optionally ``confirmed``
        (boolean; a missing value means confirmed, as the chart contract states).

    Returns
    -------
    polars.DataFrame
        The same columns, without the rows whose ``confirmed`` is false; the input is unchanged.

    Examples
    --------
    >>> import datetime as dt
    >>> d = dt.date
    >>> r = pl.DataFrame({"patient_id": ["a", "a", "b"],
    ...                   "onset_date": [d(2020, 1, 1), d(2021, 1, 1), d(2020, 5, 1)],
    ...                   "confirmed": [True, False, None]})
    >>> filter_confirmed_relapses(r)["onset_date"].to_list()
    [datetime.date(2020, 1, 1), datetime.date(2020, 5, 1)]
    """
    if "confirmed" not in relapses.columns:
        return relapses
    return relapses.filter(pl.col("confirmed").cast(pl.Boolean).fill_null(True))
