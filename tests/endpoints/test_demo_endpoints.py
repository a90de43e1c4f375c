"""Every endpoint analysis on the demo cohort: rows present, values consistent."""

import polars as pl

from msrwe.endpoints.run import add_endpoints
from msrwe.endpoints.settings import EndpointSettings
from msrwe.tables.results import ResultsTable


def _run(demo, **kw):
    r = ResultsTable()
    data = add_endpoints(r, adsl=demo.adsl, advs=demo.advs, tables=demo.tables,
                         study=demo.study, settings=EndpointSettings(**kw),
                         adtte=demo.adtte)
    return r.to_polars(), data


def test_1_every_endpoint_writes_rows_on_the_demo(endpoint_demo):
    rows, data = _run(endpoint_demo)
    names = set(rows["analysis"].unique())
    assert {"arr", "mri_activity", "t2_lesion_rate", "neda", "lublin_activity", "pirma",
            "biomarker_change", "severity", "milestone", "cox"} <= names
    assert data.adsl.height == endpoint_demo.adsl.height


def test_2_skip_switches_analyses_off(endpoint_demo):
    rows, _ = _run(endpoint_demo, skip=("neda", "arr"))
    assert not {"neda", "arr"} & set(rows["analysis"].unique())


def test_3_counts_add_up(endpoint_demo):
    rows, data = _run(endpoint_demo)
    def get(analysis, variable, level, stat, group="overall"):
        return rows.filter((pl.col("analysis") == analysis) & (pl.col("variable") == variable)
                           & (pl.col("level") == level) & (pl.col("stat") == stat)
                           & (pl.col("group") == group))["value"].item()
    n_rel = get("arr", "relapses", "", "relapses")
    assert n_rel == data.adsl.filter(pl.col("person_years") > 0)["n_relapses"].sum()
    years = get("mri_activity", "patient_years", "", "years")
    assert years == data.adyears.height == data.adneda.height
    pira = get("pirma", "events", "PIRA", "events")
    parts = [get("pirma", "events", c, "events") for c in
             ("PIRMA", "PIRA, MRI active", "PIRA, MRI not evaluable")]
    assert pira == sum(parts) == data.adpirma.filter(pl.col("cdw_type") == "PIRA").height
    tot = sum(get("neda", "neda3", "all", s) for s in ("n_neda", "n_eda", "n_not_evaluable"))
    assert tot == data.adneda.height


def test_4_rate_ratios_between_the_demo_groups(endpoint_demo):
    rows, _ = _run(endpoint_demo)
    rr = rows.filter((pl.col("variable") == "rate_ratio") & (pl.col("stat") == "rate_ratio"))
    assert set(rr["analysis"]) == {"arr", "t2_lesion_rate"}
    assert rr["level"].unique().to_list() == ["PPMS"]  # the reference: first group by name
    assert (rr["value"] > 0).all()
    nb = rows.filter((pl.col("variable") == "nb_rate") & (pl.col("analysis") == "arr"))
    assert set(nb["group"]) == {"PPMS", "SPMS"}


def test_5_severity_from_a_global_matrix_file_or_local(endpoint_demo):
    from pathlib import Path

    toy = Path(__file__).parents[1] / "results" / "endpoints" / "toy_msss_dd0.csv"
    rows, _ = _run(endpoint_demo, skip=("neda", "pirma", "mri_activity", "t2_lesion_rate",
                                        "lublin_activity", "biomarker_change", "arr"),
                   msss_matrix=str(toy))
    sev = rows.filter(pl.col("analysis") == "severity")
    msss = sev.filter(pl.col("variable") == "msss")
    assert msss["method"].str.contains("toy_msss_dd0.csv").all()
    assert sev.filter(pl.col("variable") == "armss")["method"].str.contains("local").all()
    n = msss.filter((pl.col("group") == "overall") & (pl.col("level") == "baseline")
                    & (pl.col("stat") == "n"))["value"].item()
    assert n == endpoint_demo.adsl["base_edss"].drop_nulls().len()
