# ruff: noqa: E501
"""The rows each endpoint output writes, as markdown for docs/results.md (generated from them)."""

__all__ = ["ROWS"]


#: Per output name: a markdown note and table of its variables, levels and stats.
ROWS: dict[str, str] = {
    "arr": (
        "Rates are per patient-year (relapses per year, as the field reports them), not per 100 patient-years.\n"
        "\n"
        "| variable | level | stats |\n"
        "|---|---|---|\n"
        "| `relapses` | `\"\"` | `N`, `relapses`, `person_years`, `arr`, `ci_low`, `ci_high`, `mean_individual_arr` |\n"
        "| `relapse_free` | `\"\"` / years | `n`, `events`, `median`, `median_ci_low`, `median_ci_high` / `n_at_risk`, `events`, `survival`, `ci_low`, `ci_high` |\n"
        "| `rate_ratio` | the reference group | `rate_ratio`, `ci_low`, `ci_high`, `p_value`, `dispersion` (group = the compared group) |\n"
        "| `nb_rate` | `\"\"` | `rate`, `ci_low`, `ci_high` (negative binomial model, per group) |\n"
    ),
    "mri_activity": (
        "Datasets: `admri` (per patient), `admriyr` (per patient-year).\n"
        "\n"
        "| variable | level | stats |\n"
        "|---|---|---|\n"
        "| `patients` | `\"\"` | `N`, `n_scanned`, `n_evaluable`, `n_free`, `n_not_evaluable`, `pct`, `ci_low`, `ci_high` |\n"
        "| `patient_years` | `\"\"` | `years`, `active`, `not_active`, `not_determined`, `pct_active`, `ci_low`, `ci_high` |\n"
        "| `brain_volume` | `\"\"` | `n_patients`, `n_scans`, `pct_change_per_year`, `ci_low`, `ci_high` |\n"
    ),
    "t2_lesion_rate": (
        "Rates are per patient-year.\n"
        "\n"
        "| variable | level | stats |\n"
        "|---|---|---|\n"
        "| `rate_ratio` | the reference group | `rate_ratio`, `ci_low`, `ci_high`, `p_value`, `dispersion` (group = the compared group) |\n"
        "| `nb_rate` | `\"\"` | `rate`, `ci_low`, `ci_high` (negative binomial model, per group) |\n"
        "| `new_enlarging_t2` | `\"\"` | `N`, `lesions`, `years`, `rate`, `ci_low`, `ci_high` |\n"
    ),
    "neda": (
        "Datasets: `adneda` (per patient-year).\n"
        "\n"
        "| variable | level | stats |\n"
        "|---|---|---|\n"
        "| `neda3`, `neda4` | `all` or the year | `n_neda`, `n_eda`, `n_not_evaluable`, `n_evaluable`, `pct`, `ci_low`, `ci_high`, `pct_sensitivity` |\n"
    ),
    "lublin_activity": (
        "Datasets: `adlublin` (per patient-year).\n"
        "\n"
        "| variable | level | stats |\n"
        "|---|---|---|\n"
        "| `activity`, `progression`, `last_year` | the modifier's value | `n`, `pct` |\n"
    ),
    "pirma": (
        "Rates are per 100 patient-years.\n"
        "\n"
        "| variable | level | stats |\n"
        "|---|---|---|\n"
        "| `events` | `PIRA`, `PIRMA`, `PIRA, MRI active`, `PIRA, MRI not evaluable` | `events`, `patients`, `N`, `person_years`, `rate`, `ci_low`, `ci_high` |\n"
    ),
    "biomarker_change": (
        "Datasets: `adbm` (biomarker samples, normalised and flagged).\n"
        "\n"
        "| variable | level | stats |\n"
        "|---|---|---|\n"
        "| `snfl`, `sgfap` | `samples` | `n_samples`, `n_patients`, `median`, `q1`, `q3`, `n_relapse_proximal`, `median_relapse_proximal`, `n_with_uln`, `n_above_uln`, `pct_above_uln`, `ci_low`, `ci_high`, `n_z`, `median_z`, `pct_z_above` |\n"
        "| `snfl`, `sgfap` | `change` | `n`, `baseline_median`, `last_median`, `change_median`, `change_q1`, `change_q3`, `statistic`, `p_value` |\n"
        "| `snfl`, `sgfap` | `slope` | `n_patients`, `n_samples`, `pct_change_per_year`, `ci_low`, `ci_high` |\n"
    ),
    "severity": (
        "| variable | level | stats |\n"
        "|---|---|---|\n"
        "| `msss`, `armss` | `baseline`, `last` / `change` | `n`, `median`, `q1`, `q3`, `mean` / `n`, `change_median`, `change_q1`, `change_q3`, `statistic`, `p_value` |\n"
    ),
    "milestone": (
        "| variable | level | stats |\n"
        "|---|---|---|\n"
        "| `edss_<X>_first_dose`, `edss_<X>_onset` (e.g. `edss_4_first_dose`, `edss_4_onset`, `edss_6_first_dose`, `edss_6_onset`, `edss_7_first_dose`, `edss_7_onset`) | `\"\"` / years | `n`, `events`, `median`, `median_ci_low`, `median_ci_high`, `already_reached` / `n_at_risk`, `events`, `survival`, `ci_low`, `ci_high` |\n"
    ),
    "cox": (
        "| variable | level | stats |\n"
        "|---|---|---|\n"
        "| the time-to-event param (`CDW_EDSS`, `CDW_NHPT`, `CDW_T25FW`) | the reference group | `hr`, `ci_low`, `ci_high`, `p_value`, `ph_p_value`, `n`, `events` (group = the compared group) |\n"
    ),
    "persistence": (
        "Datasets: `adpersist` (study-drug courses with time on the course).\n"
        "\n"
        "| variable | level | stats |\n"
        "|---|---|---|\n"
        "| `dose_gaps` | `\"\"` | `n_intervals`, `n_gaps`, `pct_gaps`, `n_early`, `patients_with_gap` |\n"
        "| `persistence`, `persistence_<reason>` (e.g. `persistence_inefficacy`, `persistence_intolerance`, `persistence_adverse_event`, `persistence_pregnancy`, `persistence_patient_choice`, `persistence_cost`, `persistence_other`, `persistence_unknown`) | `\"\"` / years | `n`, `events`, `median`, `median_ci_low`, `median_ci_high` / `n_at_risk`, `events`, `survival`, `ci_low`, `ci_high` |\n"
        "| `history_alert` | the alert id (e.g. `mitoxantrone_2y`, `cladribine_course_2y`, `mitoxantrone_prior_course_dose_unknown`) | `patients` |\n"
    ),
}
