import msrwe.stats


def test_exported_names_are_exactly_the_intended_ones():
    assert sorted(msrwe.stats.__all__) == [
        "EXACT_MAX_N",
        "IncidenceSummary",
        "KaplanMeierResult",
        "ProportionCI",
        "RateCI",
        "SlopeResult",
        "WilcoxonResult",
        "clopper_pearson",
        "describe",
        "incidence_summary",
        "kaplan_meier",
        "mixed_slope",
        "poisson_rate_ci",
        "wilcoxon_paired",
    ]
    for name in msrwe.stats.__all__:
        assert getattr(msrwe.stats, name) is not None
