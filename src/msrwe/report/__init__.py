"""The one-file HTML report: tables from the results table, figures from the datasets.

:func:`render_report` writes it; :func:`compute_table1` adds Table 1 rows to a results table.

Examples
--------
>>> from msrwe.report import render_report
>>> callable(render_report)
True
"""

from msrwe.report.render import RENDER_STEPS, render_report
from msrwe.tables.table1 import compute_table1

__all__ = ["RENDER_STEPS", "compute_table1", "render_report"]
