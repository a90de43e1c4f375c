"""A deterministic synthetic cohort of intrathecal methotrexate in progressive MS.

The cohort imitates the long-term intrathecal methotrexate series of Stark et al. 2019
(clinical-methods.md sections 7 and 9.2): by default 83 patients (67 SPMS, 16 PPMS) treated with
12.5 mg every 8-11 weeks for 3-10 years, EDSS at every dose, earlier DMTs stopped for inefficacy,
adverse events near the published rates, and a few switches to rituximab. ``dirty=True`` plants
realistic chart errors and lists them in a manifest, so the import's quarantine has something to
show. Every table follows DATA_CONTRACT.md; docs/synth.md documents every parameter.

Examples
--------
>>> from msrwe.synth import make_cohort
>>> cohort = make_cohort(83, seed=2019)
>>> list(cohort)[:3]
['patients', 'visits', 'relapses']
>>> cohort["patients"].height
83
"""

from msrwe.synth._cohort import (
    FORMATS,
    MAX_PATIENTS,
    MAX_WRITE_PATIENTS,
    make_cohort,
    make_cohort_and_manifest,
    write_cohort,
)
from msrwe.synth._contract import TABLE_NAMES, TABLES
from msrwe.synth._dirty import MANIFEST_COLUMNS, MANIFEST_FILE, MIN_DIRTY_PATIENTS

__all__ = [
    "FORMATS",
    "MANIFEST_COLUMNS",
    "MANIFEST_FILE",
    "MAX_PATIENTS",
    "MAX_WRITE_PATIENTS",
    "MIN_DIRTY_PATIENTS",
    "TABLES",
    "TABLE_NAMES",
    "make_cohort",
    "make_cohort_and_manifest",
    "write_cohort",
]
