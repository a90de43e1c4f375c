"""Where each chart item lives in the OMOP CDM: the one layout export and import both follow.

- ``patients`` -> ``person`` (``person_source_value`` = patient id, gender, birth date),
  ``death``, a ``condition_occurrence`` of multiple sclerosis at the diagnosis date, and
  ``observation`` rows for onset, SPMS conversion, phenotype and site;
- ``visits`` and ``mri`` -> one ``observation`` per assessment (concept ``clinic_visit`` or
  ``mri_scan``) and one ``measurement`` per score, linked to it by ``measurement_event_id``;
- ``biomarkers`` -> ``measurement`` (concept ``biomarker``, the marker as source value);
- ``relapses`` and ``adverse_events`` -> ``condition_occurrence``; ``administrations`` (doses
  given) and ``treatments`` (courses) -> ``drug_exposure`` told apart by their type concept;
  ``hospitalizations`` -> ``visit_occurrence``;
- any further detail of a row (a relapse's steroids, an event's grade) -> an ``observation`` of
  concept ``detail`` whose ``observation_source_value`` names the chart column, linked to its
  record by ``observation_event_id`` and ``obs_event_field_concept_id`` (CDM 5.4).
"""

from __future__ import annotations

__all__ = ["ANCHORS", "DETAILS", "MEASURES", "PATIENT_OBSERVATIONS"]

#: Chart table -> the measurement columns of each of its rows.
MEASURES: dict[str, tuple[str, ...]] = {
    "visits": (
        "edss", "fs_pyramidal", "fs_cerebellar", "fs_brainstem", "fs_sensory",
        "fs_bowel_bladder", "fs_visual", "fs_cerebral", "ambulation", "t25fw_s",
        "nhpt_dominant_s", "nhpt_nondominant_s", "sdmt",
    ),
    "mri": ("gd_lesions", "new_t2_lesions", "enlarging_t2_lesions", "t2_volume_ml",
            "brain_volume_ml"),
}

#: Chart table -> the observation concept that stands for one of its rows.
ANCHORS: dict[str, str] = {"visits": "clinic_visit", "mri": "mri_scan"}

#: Chart table -> (the CDM table holding its rows, the columns kept as detail observations).
DETAILS: dict[str, tuple[str, tuple[str, ...]]] = {
    "relapses": ("condition_occurrence", ("confirmed", "steroids")),
    "adverse_events": ("condition_occurrence", (
        "pt_code", "soc_code", "grade", "serious", "serious_criteria", "related", "infection",
        "outcome",
    )),
    "administrations": ("drug_exposure", ("bsa_m2", "weight_kg")),
    "hospitalizations": ("visit_occurrence", ("reason", "related")),
}

#: Patient column -> the observation concept that holds it (dates as observation_date).
PATIENT_OBSERVATIONS: dict[str, str] = {
    "ms_onset_date": "ms_onset",
    "spms_conversion_date": "spms_conversion",
    "phenotype": "phenotype",
    "site": "site",
}
