"""Every parameter of the synthetic intrathecal-methotrexate cohort, in one place.

The cohort imitates the long-term intrathecal methotrexate (ITMTX) series of Stark et al. 2019
(clinical-methods.md section 9.2: 83 patients, 67 SPMS and 16 PPMS; 12.5 mg every 8-11 weeks for
3-10 years, 18-57 treatments; headache in 12%, transient fatigue in 53%; no serious related
events, no deaths; no significant EDSS change) and the regimens of clinical-methods.md section 7.
Values marked [D] are design choices of ours, not published numbers. docs/synth.md lists them all.

Dates are handled as whole days since 1970-01-01 (the epoch of ``polars.Date``).
"""

from __future__ import annotations

import datetime as _dt

__all__: list[str] = []


def _day(iso: str) -> int:
    return (_dt.date.fromisoformat(iso) - _dt.date(1970, 1, 1)).days


YEAR = 365.25  #: days per year

# --- cohort and calendar ---
DEFAULT_PATIENTS = 83  #: Stark 2019 (section 9.2)
DEFAULT_SEED = 2019
SPMS_SHARE = 67 / 83  #: 67 SPMS : 16 PPMS, exact at 83 patients
DATA_CUTOFF = _day("2025-12-31")  #: the chart extraction date; nothing is dated later [D]
FIRST_DOSE_EARLIEST = _day("2009-01-01")  #: first methotrexate dose not before this [D]
ONGOING_SHARE = 0.30  #: share of non-switchers still on methotrexate at the cut-off [D]
SITES = ("SITE-01", "SITE-02", "SITE-03")  #: clinic sites [D]
SITE_WEIGHTS = (0.60, 0.25, 0.15)
FEMALE_SHARE = {"SPMS": 0.65, "PPMS": 0.50}  #: share of women by phenotype [D]

# --- patient history ---
AGE_AT_FIRST_DOSE = (45.0, 65.0)  #: years, uniform [D]
DISEASE_DURATION = {"SPMS": (15.0, 30.0), "PPMS": (5.0, 15.0)}  #: onset to first dose, years [D]
DIAGNOSIS_DELAY = {"SPMS": (0.5, 5.0), "PPMS": (0.5, 2.0)}  #: onset to diagnosis, years [D]
SPMS_CONVERSION_BEFORE_DOSE = (1.0, 8.0)  #: conversion to SPMS, years before first dose [D]

# --- prior disease-modifying treatments (section 7: "failed >= 3 DMTs for >= 1 year each") ---
PRIOR_COUNT = (3, 5)  #: distinct earlier DMTs, inclusive [D]
PRIOR_DURATION_DAYS = (365, 1095)  #: each course 1-3 years [D]
PRIOR_GAP_DAYS = (14, 120)  #: washout between courses (and before methotrexate) [D]
PRIOR_INEFFICACY_SHARE = 0.85  #: the rest stopped for intolerance; at least 3 for inefficacy [D]
#: earlier DMTs with their US approval date; a course never starts before approval.
PRIOR_DRUGS: tuple[tuple[str, int], ...] = (
    ("interferon beta-1b", _day("1993-07-23")),
    ("interferon beta-1a", _day("1996-05-17")),
    ("glatiramer acetate", _day("1996-12-20")),
    ("mitoxantrone", _day("2000-10-13")),
    ("natalizumab", _day("2006-06-05")),
    ("fingolimod", _day("2010-09-21")),
    ("teriflunomide", _day("2012-09-12")),
    ("dimethyl fumarate", _day("2013-03-27")),
    ("ocrelizumab", _day("2017-03-28")),
)

# --- intrathecal methotrexate (section 7) ---
MTX_DRUG = "methotrexate"
MTX_DOSE_MG = 12.5  #: per intrathecal injection
MTX_DOSES = (18, 57)  #: treatments per patient, inclusive (Stark 2019)
MTX_GAP_DAYS = (56, 77)  #: every 8-11 weeks, uniform
MTX_LATE_SHARE = 0.04  #: share of gaps that run late [D]
MTX_LATE_GAP_DAYS = (78, 120)  #: a late gap [D]
MTX_STOP_REASONS = ("patient_choice", "other", "inefficacy", "intolerance")  #: when stopped [D]
MTX_STOP_WEIGHTS = (0.45, 0.25, 0.20, 0.10)
FOLLOW_UP_VISITS = (0, 2)  #: scheduled visits after the last dose of a stopper [D]
HEIGHT_CM = {"F": (165.0, 7.0), "M": (178.0, 7.0)}  #: mean, SD [D]
WEIGHT_KG = {"F": (70.0, 12.0), "M": (84.0, 12.0)}  #: mean, SD at the first dose [D]
WEIGHT_RANGE = (42.0, 140.0)

# --- rituximab after methotrexate (OLYMPUS regimen, section 7) ---
RTX_SHARE = 0.08  #: share of patients who switch to rituximab [D]
RTX_DRUG = "rituximab"
RTX_DOSE_MG = 1000.0
RTX_SECOND_INFUSION_DAYS = 14  #: two infusions 14 days apart per course
RTX_COURSE_GAP_DAYS = (154, 182)  #: courses every ~24 weeks [D]
RTX_SWITCH_GAP_DAYS = (60, 180)  #: last methotrexate dose to first rituximab infusion [D]
RTX_RESERVE_DAYS = 900  #: follow-up kept free for rituximab before the cut-off [D]

# --- EDSS (section 1.1) and functional systems (section 1.3) ---
EDSS_BASELINE = {"SPMS": (6.0, 0.8), "PPMS": (5.5, 0.9)}  #: mean, SD at first dose [D]
EDSS_BASELINE_RANGE = {"SPMS": (4.0, 7.5), "PPMS": (3.5, 7.5)}
#: latent drift in EDSS points per year: (share, low, high) of stable, worsening, improving
#: patients (exact shares within each phenotype, slopes spread evenly: mean drift zero); the
#: cohort as a whole shows no significant change (Stark 2019) [D]
EDSS_DRIFT = ((0.76, -0.045, 0.045), (0.12, 0.08, 0.18), (0.12, -0.18, -0.08))
EDSS_JITTER_SD = 0.15  #: examiner variability before rounding to the half-step scale [D]
EDSS_JUMP = 0.06  #: probability of a +0.5 and of a -0.5 fluctuation at a visit [D]
EDSS_RANGE = (1.0, 9.5)
FS_MISSING = 0.10  #: share of visits without functional system grades [D]
FS_NOISE = 0.10  #: probability that a grade is one off its expected value [D]
#: Kurtzke FS maxima (section 1.3)
FS_MAX = {
    "fs_pyramidal": 6,
    "fs_cerebellar": 5,
    "fs_brainstem": 5,
    "fs_sensory": 6,
    "fs_bowel_bladder": 6,
    "fs_visual": 6,
    "fs_cerebral": 5,
}
UNSCHEDULED_VISITS = (0, 3)  #: extra visits per patient, inclusive [D]

# --- performance measures (section 4.1) ---
TIMED_TESTS_EVERY = 4  #: 9HPT and T25FW at every 4th scheduled visit [D]
NHPT_BASE_S = 21.0  #: dominant hand at EDSS 4.0 [D]
NHPT_PER_EDSS_S = 3.0  #: seconds per EDSS point above 4.0 [D]
NHPT_NONDOMINANT_FACTOR = 1.10  #: the other hand is slower [D]
NHPT_NOISE = 0.05  #: multiplicative measurement noise (SD) [D]
NHPT_UNABLE = 777.0  #: MSFC code for "unable because of MS"
NHPT_UNABLE_EDSS = 7.5  #: the 777 code only appears from this EDSS on [D]
NHPT_UNABLE_SHARE = 0.10  #: probability of 777 at such a visit (per hand) [D]
T25FW_BASE_S = 6.0  #: at EDSS 4.0 [D]
T25FW_PER_EDSS_S = 3.5  #: seconds per EDSS point above 4.0 (about 15 s at 6.5) [D]
T25FW_NOISE = 0.08
T25FW_MAX_EDSS = 6.5  #: no walk test above this EDSS [D]
SDMT_BASELINE = (30, 55)  #: uniform, at the first dose [D]
SDMT_DRIFT_PER_YEAR = (-1.0, 0.3)  #: points per year [D]
SDMT_NOISE_SD = 3.0

# --- relapses ---
RELAPSE_RATE = {"SPMS": 0.05, "PPMS": 0.01}  #: per patient-year [D]
RELAPSE_CONFIRMED = 0.90
RELAPSE_STEROIDS = 0.60
RELAPSE_EDSS_BUMP = (0.5, 1.0)  #: transient EDSS rise, fading over 90 days [D]
RELAPSE_VISIT_DAYS = (5, 21)  #: unscheduled visit after onset [D]

# --- adverse events (Stark 2019; section 6) ---
HEADACHE_SHARE = 0.12  #: patients with post-LP headache at least once
HEADACHE_RECUR = 0.35  #: probability of each further episode (up to 3 more) [D]
FATIGUE_SHARE = 0.53  #: patients with transient fatigue after a dose
FATIGUE_RECUR = 0.45
BACK_PAIN_SHARE = 0.10  #: [D]
NAUSEA_SHARE = 0.06  #: [D]
UTI_RATE = 0.10  #: urinary tract infections per patient-year [D]
URI_RATE = 0.15  #: upper respiratory infections per patient-year [D]
SERIOUS_SHARE = 0.05  #: patients with one unrelated hospital stay [D]
TERM_HEADACHE = "post-lumbar puncture headache"
TERM_FATIGUE = "fatigue"
TERM_BACK_PAIN = "back pain"
TERM_NAUSEA = "nausea"
TERM_UTI = "urinary tract infection"
TERM_URI = "upper respiratory tract infection"
SERIOUS_TERMS = ("fall with hip fracture", "pneumonia")

# --- MRI and biomarkers (reference/endpoints.md sections 1, 5 and 9; docs/synth.md) ---
MRI_SHARE = 0.60  #: patients with yearly MRI [D]
MRI_CONTRAST_SHARE = 0.85  #: scans with gadolinium given; the others chart gd_lesions empty [D]
#: new/enlarging T2 lesions per year off treatment: INFORMS PPMS placebo ~0.5/year (E 1.2, 9) [A]
T2_RATE_PLACEBO = 0.5
T2_RATE_ON_TREATMENT = 0.3  #: multiplier of the placebo rate on treatment: mostly inactive [D]
T2_FRAILTY_SHAPE = 0.4  #: gamma shape of the lesion propensity (mean 1): NB counts (E 1.2) [D]
T2_ENLARGING_SHARE = 0.25  #: share of the new/enlarging lesions charted as enlarging [D]
GD_BASELINE = 0.13  #: Gd+ at the baseline scan: INFORMS PPMS placebo 13% (E 1.2) [A]
GD_ON_TREATMENT = 0.02  #: Gd+ at a routine scan on treatment, times the propensity [D]
GD_AFTER_RELAPSE = 0.60  #: Gd+ at a scan within 90 days after a relapse onset [D]
GD_EXTRA = 0.6  #: a Gd+ scan shows 1 + Poisson(0.6) lesions [D]
RELAPSE_T2 = 1.0  #: extra expected new T2 lesions per relapse since the previous scan [D]
RELAPSE_SCAN_SHARE = 0.70  #: relapses of an MRI patient followed by an extra scan [D]
RELAPSE_SCAN_DAYS = (7, 30)  #: that scan, days after the onset [D]
RELAPSE_WINDOW_DAYS = 90  #: "around a relapse": the 90 days after the onset (E 5.3) [D]
T2_VOLUME_ML = (2.5, 0.6)  #: log-normal (mu, sigma) of the T2 lesion volume [D]
BRAIN_VOLUME_ML = {"F": 1350.0, "M": 1500.0}  #: at age 55 [D]
BRAIN_VOLUME_SHARE = 0.75  #: MRI patients whose brain volume is charted (volumetry) [D]
#: annual brain volume loss, % per year (mean, SD; clipped to 0.1-1.0): MS -0.4 to -1.0,
#: healthy -0.1 to -0.3 (De Stefano 2016 as cited in E 1.3) [V]; on treatment ~0.3-0.5 [D]
BRAIN_ATROPHY_PCT = (0.40, 0.10)
BRAIN_NOISE_PCT = 0.15  #: measurement noise of a brain volume, % (SD) [D]
SNFL_SHARE = 0.40  #: patients with serum neurofilament light [D]
#: sNfL median at age 50 (pg/mL): progressive MS on treatment, below the healthy 97.5th
#: percentile of the 50s, 20.8 (Bornhorst 2022, E 5.1) [D]
SNFL_MEDIAN_AT_50 = 12.0
SNFL_AGE_SLOPE = 0.031  #: +3.1% per year of age (Bornhorst 2022, E 5.1) [A]
SNFL_PATIENT_SD = 0.30  #: between patients, log scale [D]
SNFL_SAMPLE_SD = 0.15  #: between samples of a patient, log scale [D]
#: sNfL ratio within 90 days after a relapse: 14.6 / 9.5 pg/mL with vs without a relapse
#: (van Pamelen 2025, E 5.3) [A]
SNFL_RELAPSE_RATIO = 14.6 / 9.5
SNFL_GD_RATIO = 1.35  #: 35% higher in the 3 months after a Gd+ lesion (Rosso 2020, E 5.3) [A]
RELAPSE_SAMPLE_SHARE = 0.80  #: relapses of an sNfL patient with a sample at the relapse visit [D]
RELAPSE_SAMPLE_DAYS = (5, 30)  #: that sample, days after the onset [D]
SGFAP_SHARE = 0.50  #: share of the sNfL patients also with serum GFAP [D]
SGFAP_MEDIAN = 160.0  #: pg/mL at age 55 [D]
SGFAP_AGE_SLOPE = 0.015  #: +1.5% per year of age (Meier 2023, E 5.4); no relapse effect [A]
BIOMARKER_UNIT = "pg/mL"  #: the contract's unit (E 5.1: Simoa-like values) [D]
