"""Write the demo cohort's derived relapse and T2 counts for the R golden script.

    .venv/bin/python tests/results/endpoints/make_counts.py
    Rscript tests/results/endpoints/make_golden_nb.R

``counts.csv``: one row per patient of the demo study (83-patient synthetic cohort, seed 2019) with
``group``, ``n_relapses``, ``person_years`` (msrwe.derive.relapse_rates) and ``t2_count``,
``t2_years`` (msrwe.derive.mri). ``adtte_edss.csv``: time to the first confirmed EDSS worsening
(years from the first dose, event 0/1) per patient, for the Cox golden (make_golden_cox.R).
The tests check that these are still what msrwe derives and that add_arr / add_t2_lesion_rate /
add_cox give R's numbers on them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl

from msrwe.cli.demo_cmd import DEMO_STUDY
from msrwe.endpoints.run import add_endpoints
from msrwe.io import import_folder
from msrwe.pipeline import analyze
from msrwe.pipeline.run import read_chart_tables as _read_tables
from msrwe.study.config import Study
from msrwe.synth import write_cohort
from msrwe.tables.results import ResultsTable

HERE = Path(__file__).parent


def derived_counts(db: Path, study: Study) -> pl.DataFrame:
    """The per-patient counts msrwe derives for the demo study."""
    res = analyze(db, study)
    data = add_endpoints(ResultsTable(), adsl=res.datasets["adsl"], advs=res.datasets["advs"],
                         tables=_read_tables(db), study=study)
    assert data.admri is not None
    return (
        data.adsl.select("patient_id", "group", "n_relapses", "person_years")
        .join(data.admri.select("patient_id", "t2_count", "t2_years"), on="patient_id")
        .sort("patient_id")
    )


def demo_adtte(db: Path, study: Study) -> pl.DataFrame:
    """Time to the first confirmed EDSS worsening per patient of the demo study."""
    adtte = analyze(db, study).datasets["adtte"]
    return (adtte.filter(pl.col("param") == "CDW_EDSS")
            .select("patient_id", "group", "time_years", pl.col("event").cast(pl.Int64))
            .sort("patient_id"))


def main() -> None:
    """Write counts.csv and adtte_edss.csv next to this script."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_cohort(root / "charts")
        import_folder(root / "charts", root / "store.duckdb")
        study = Study.from_toml_text(DEMO_STUDY)
        counts = derived_counts(root / "store.duckdb", study)
        adtte = demo_adtte(root / "store.duckdb", study)
    counts.write_csv(HERE / "counts.csv", float_precision=10)
    adtte.write_csv(HERE / "adtte_edss.csv", float_precision=10)


if __name__ == "__main__":
    main()
