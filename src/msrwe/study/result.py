"""What an analysis returns: the results table plus the derived per-patient datasets.

The report reads only this object (and the store, for provenance), so the HTML and
``results.csv`` never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from msrwe.tables.results import ResultsTable

__all__ = ["DATASET_NAMES", "AnalysisResult"]

#: Derived datasets, in the spirit of CDISC ADaM:
#: ``adsl`` one row per patient (cohort flags, group, baseline, exposure summary);
#: ``addose`` one row per administration in the cohort (with ``interval_days``);
#: ``advs`` one row per visit of a cohort patient (``days`` since first dose, outcomes);
#: ``adae`` one row per adverse event (``trt_emergent``, ``days_since_dose``, flags);
#: ``adtte`` one row per patient and time-to-event parameter (``param``, ``time_days``,
#: ``event``); ``adevents`` one row per disability event from the outcome engine.
DATASET_NAMES: tuple[str, ...] = ("adsl", "addose", "advs", "adae", "adtte", "adevents")


@dataclass
class AnalysisResult:
    """The outcome of ``msrwe analyze``.

    Attributes
    ----------
    results
        The long results table (``analysis, group, variable, level, stat, value, label, method``).
    datasets
        Derived datasets keyed by the names in :data:`DATASET_NAMES`.
    attrition
        One row per cohort criterion: ``step``, ``criterion``, ``excluded``, ``remaining``.
    methods
        The methods paragraph generated from the definitions in force.
    study
        The study settings in force (a mapping, as read from the study file with defaults filled).
    provenance
        Store path, input file checksums, msrwe version, date of the run.
    """

    results: ResultsTable
    datasets: dict[str, pl.DataFrame] = field(default_factory=dict)
    attrition: pl.DataFrame = field(default_factory=pl.DataFrame)
    methods: str = ""
    study: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    def export(self, out_dir: str | Path) -> list[Path]:
        """Write the results table and every dataset as CSV and Parquet into ``out_dir``."""
        out = Path(out_dir)
        written = list(self.results.write(out))
        for name, df in self.datasets.items():
            for suffix, writer in ((".csv", df.write_csv), (".parquet", df.write_parquet)):
                path = out / f"{name}{suffix}"
                if suffix == ".csv":
                    # CSV cannot hold nested columns; keep them in Parquet only.
                    flat = df.select(
                        [c for c, t in df.schema.items() if not isinstance(t, pl.List | pl.Struct)]
                    )
                    flat.write_csv(path)
                else:
                    writer(path)
                written.append(path)
        return written
