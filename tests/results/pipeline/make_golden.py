"""Golden ``results.csv`` of ``msrwe analyze`` on two synthetic cohorts (issue 8, "done means").

Written from main at e04e01a, before the study runner became a pipeline of declared analyses, so
that the refactor can be checked to keep every row and value. Two cohorts:

- ``demo``: the ``msrwe demo`` cohort (83 patients, seed 2019, with chart errors) and its study
  file (intrathecal methotrexate, >= 18 administrations, SPMS or PPMS, grouped by phenotype);
- ``by_sex``: a second cohort (150 patients, seed 7, clean) with every patient on methotrexate by
  any route, grouped by sex, with a stated dose-interval window and the trial EDSS thresholds.

Run from the project root:  .venv/bin/python tests/results/pipeline/make_golden.py
It writes ``<case>_results.csv`` beside this file, keeping the analyses the committed copy holds
(``--all``: every analysis). ``tests/study/test_pipeline_golden.py`` rebuilds
the same stores with :func:`build_store` and compares ``analyze``'s rows with the files; an
intended difference is listed in ``changelog.d/pipeline-a.md``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import polars as pl

HERE = Path(__file__).parent

DEMO_STUDY = """\
[study]
title = "Long-term intrathecal methotrexate in progressive MS (synthetic demo cohort)"

[cohort]
drug = "methotrexate"
route = "intrathecal"
min_administrations = 18
phenotypes = ["SPMS", "PPMS"]

[analysis]
group_by = "phenotype"
"""

BY_SEX_STUDY = """\
[study]
title = "Methotrexate by any route, by sex"

[cohort]
drug = "methotrexate"

[analysis]
group_by = "sex"
km_years = [1, 3]

[exposure]
interval_days = [50, 90]

[safety]
# this case pins the former treatment-emergent rule (last dose + 90 days whatever came next):
# the committed results were made with it, so the option must reproduce them exactly
end_at_next_treatment = false

[outcomes]
delta_fun = "trial"
"""

#: case -> (patients, seed, dirty, study file text)
CASES: dict[str, tuple[int, int, bool, str]] = {
    "demo": (83, 2019, True, DEMO_STUDY),
    "by_sex": (150, 7, False, BY_SEX_STUDY),
}


def build_store(case: str, root: Path) -> tuple[Path, Path]:
    """Write the case's charts, import them; return the store and the study file."""
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    patients, seed, dirty, study = CASES[case]
    root.mkdir(parents=True, exist_ok=True)
    write_cohort(root / "charts", patients, seed=seed, dirty=dirty)
    db = root / "store.duckdb"
    import_folder(root / "charts", db)
    study_path = root / "study.toml"
    study_path.write_text(study, encoding="utf-8")
    return db, study_path


def golden_path(case: str) -> Path:
    """Where the case's committed results are."""
    return HERE / f"{case}_results.csv"


def main() -> None:
    from msrwe.pipeline import analyze

    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            db, study = build_store(case, Path(tmp))
            result = analyze(db, study)
            df: pl.DataFrame = result.results.to_polars()
            if golden_path(case).exists() and "--all" not in sys.argv:
                # the analyses of the committed copy only: analyses added later (the endpoint
                # analyses of issue 11) are checked by their own tests, as the test filters
                kept = pl.read_csv(golden_path(case), columns=["analysis"])["analysis"]
                df = df.filter(pl.col("analysis").is_in(kept.unique().implode()))
            df.write_csv(golden_path(case))
            print(f"{case}: {df.height} rows -> {golden_path(case)}", file=sys.stderr)


if __name__ == "__main__":
    main()
