import msrwe.stats


def test_exported_names_are_exactly_the_intended_ones():
    assert sorted(msrwe.stats.__all__) == [
        "CoxResult",
        "DEFAULT_MIN_AT_RISK",
        "EXACT_MAX_N",
        "IncidenceSummary",
        "KaplanMeierResult",
        "ProportionCI",
        "RateCI",
        "RateRatioResult",
        "SlopeResult",
        "WilcoxonResult",
        "clopper_pearson",
        "cox_hr",
        "e_value",
        "incidence_summary",
        "kaplan_meier",
        "km_median",
        "mixed_slope",
        "negbin_rate_ratio",
        "poisson_rate_ci",
        "rmst",
        "rmst_difference",
        "summarize",
        "wilcoxon_paired",
    ]
    for name in msrwe.stats.__all__:
        assert getattr(msrwe.stats, name) is not None
