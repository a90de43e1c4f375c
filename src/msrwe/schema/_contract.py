"""The chart contract of DATA_CONTRACT.md, declared once.

The importer, :func:`msrwe.schema.pandera_schema` and ``docs/contract.md`` are generated from
:data:`CONTRACT`; change a rule here and all three follow.

Examples
--------
>>> from msrwe.schema import CONTRACT
>>> CONTRACT["visits"].key
('patient_id', 'date')
>>> CONTRACT["visits"].column("edss").check
'edss_half_step'
"""

from __future__ import annotations

from msrwe.schema._model import Column, Contract, DateOrder, OnlyWhen, Table

__all__ = [
    "CONTRACT",
    "OUTCOMES",
    "PHENOTYPES",
    "PHENOTYPE_ALIASES",
    "RELATEDNESS",
    "ROUTES",
    "SERIOUS_CRITERIA",
    "STOP_REASONS",
]

_PATIENT = Column(
    "patient_id", "text", "the patient's identifier in the chart (text)", required=True,
    privacy="identifier",
)

#: Relatedness to the treatment, as charted for adverse events and hospitalizations.
RELATEDNESS = ("related", "possibly_related", "unrelated", "unknown")
_RELATED = Column("related", "text", "relatedness to the treatment", allowed=RELATEDNESS)
#: ICH E2A seriousness criteria.
SERIOUS_CRITERIA = (
    "death",
    "life_threatening",
    "hospitalization",
    "disability",
    "congenital_anomaly",
    "medically_important",
)
#: Outcome of an adverse event.
OUTCOMES = ("recovered", "recovering", "not_recovered", "sequelae", "fatal", "unknown")
#: Why a treatment course stopped.
STOP_REASONS = (
    "inefficacy",
    "intolerance",
    "adverse_event",
    "pregnancy",
    "patient_choice",
    "cost",
    "other",
)

#: MS courses a patient's ``phenotype`` may hold (Lublin 2014; clinical-methods.md section 5.1).
PHENOTYPES = ("CIS", "RRMS", "SPMS", "PPMS")
#: Retired phenotypes recoded on import: old value -> (new value, why).
PHENOTYPE_ALIASES: dict[str, tuple[str, str]] = {
    "PRMS": ("PPMS", "PRMS was retired by Lublin 2014 and is now PPMS"),
}
#: Routes of administration.
ROUTES = ("intrathecal", "iv", "oral", "sc", "im")

_KURTZKE = "Kurtzke; clinical-methods.md section 1.3"


def _positive(
    name: str,
    description: str,
    unit: str | None = None,
    *,
    special: tuple[float, ...] = (),
    source: str | None = None,
) -> Column:
    """A number that must be above 0 (a time, a dose, a volume)."""
    return Column(
        name,
        "number",
        description,
        unit=unit,
        minimum=0,
        minimum_inclusive=False,
        special=special,
        source=source,
    )


def _nhpt(hand: str) -> Column:
    return _positive(
        f"nhpt_{hand.replace('-', '')}_s",
        f"9-hole peg test, {hand} hand, mean of two trials; 777 = unable because of MS",
        "s",
        special=(777.0,),
        source="clinical-methods.md section 4.1",
    )


def _fs(name: str, label: str, top: int) -> Column:
    return Column(
        f"fs_{name}",
        "integer",
        f"Kurtzke functional system grade, {label} (0-{top})",
        minimum=0,
        maximum=top,
        source=_KURTZKE,
    )


PATIENTS = Table(
    "patients",
    "one row per patient",
    (
        Column("patient_id", "text", "the patient's identifier (unique)", required=True,
               privacy="identifier"),
        Column("sex", "text", "F, M or X", allowed=("F", "M", "X")),
        Column("birth_date", "date", "date of birth; not after any other date of the patient",
               privacy="birth_date"),
        Column("ms_onset_date", "date", "date of the first MS symptom"),
        Column("diagnosis_date", "date", "date of the MS diagnosis"),
        Column(
            "phenotype",
            "text",
            "MS course (Lublin 2014); PRMS is recorded as PPMS with a warning",
            allowed=PHENOTYPES,
            aliases=tuple((old, new, why) for old, (new, why) in PHENOTYPE_ALIASES.items()),
            source="clinical-methods.md section 5.1 (Lublin 2014)",
        ),
        Column("spms_conversion_date", "date", "date of conversion to SPMS (SPMS only)"),
        Column("site", "text", "the clinic or centre", privacy="quasi"),
        Column("death_date", "date", "date of death; nothing of the patient is dated after it"),
    ),
    key=("patient_id",),
    required=True,
    needs_patient=False,
    row_rules=(
        DateOrder(
            "ms_onset_date",
            "diagnosis_date",
            "onset_after_diagnosis",
            "the diagnosis date {later_value} is before the MS onset date {earlier_value}: "
            "onset cannot come after diagnosis",
        ),
        OnlyWhen(
            "spms_conversion_date",
            "phenotype",
            ("SPMS",),
            "spms_conversion_not_spms",
            "an SPMS conversion date ({value}) is given but the phenotype is {when_value}: "
            "only SPMS patients have a conversion date",
        ),
    ),
)

#: The Kurtzke functional systems, in the order of the contract (and of tie-breaking).
_FUNCTIONAL_SYSTEMS = (
    _fs("pyramidal", "pyramidal", 6),
    _fs("cerebellar", "cerebellar", 5),
    _fs("brainstem", "brainstem", 5),
    _fs("sensory", "sensory", 6),
    _fs("bowel_bladder", "bowel and bladder", 6),
    _fs("visual", "visual", 6),
    _fs("cerebral", "cerebral (mental)", 5),
)

VISITS = Table(
    "visits",
    "one row per patient and assessment date",
    (
        _PATIENT,
        Column("date", "date", "the assessment date", required=True),
        Column(
            "edss",
            "number",
            "Expanded Disability Status Scale: 0, 1.0, 1.5, ..., 9.5, 10",
            minimum=0,
            maximum=10,
            check="edss_half_step",
            source="clinical-methods.md section 1.1 (Kurtzke 1983)",
        ),
        *_FUNCTIONAL_SYSTEMS,
        Column(
            "ambulation",
            "integer",
            "Neurostatus ambulation score (0-16)",
            minimum=0,
            maximum=16,
            source="clinical-methods.md section 1.3",
        ),
        Column(
            "t25fw_s",
            "number",
            "timed 25-foot walk, mean of two trials; 777 = unable because of MS",
            unit="s",
            minimum=0,
            minimum_inclusive=False,
            maximum=180,
            special=(777.0,),
            source="clinical-methods.md section 4.1: the MSFC stops a trial at 180 s",
        ),
        _nhpt("dominant"),
        _nhpt("non-dominant"),
        Column(
            "sdmt",
            "integer",
            "symbol digit modalities test (0-110)",
            minimum=0,
            maximum=110,
            source="clinical-methods.md section 4.1",
        ),
        Column("scheduled", "boolean", "a scheduled visit (default true)", default=True),
    ),
    key=("patient_id", "date"),
    measures=(
        "edss",
        *(fs.name for fs in _FUNCTIONAL_SYSTEMS),
        "ambulation",
        "t25fw_s",
        "nhpt_dominant_s",
        "nhpt_nondominant_s",
        "sdmt",
    ),
)

RELAPSES = Table(
    "relapses",
    "one row per relapse",
    (
        _PATIENT,
        Column("onset_date", "date", "the relapse's onset date", required=True),
        Column("confirmed", "boolean", "confirmed by a neurologist (default true)", default=True),
        Column("steroids", "boolean", "treated with steroids"),
    ),
)

ADMINISTRATIONS = Table(
    "administrations",
    "one row per dose given (an intrathecal injection, an infusion, a course day)",
    (
        _PATIENT,
        Column("date", "date", "the date the dose was given", required=True),
        Column(
            "drug",
            "text",
            "generic name in lower case (methotrexate, rituximab, ...)",
            required=True,
            check="lower_case",
        ),
        Column(
            "route",
            "text",
            "route of administration",
            allowed=ROUTES,
        ),
        _positive("dose", "the dose given"),
        Column("dose_unit", "text", "unit of the dose", allowed=("mg", "mg/m2", "mg/kg", "g")),
        _positive("bsa_m2", "body surface area at the dose", "m2"),
        _positive("weight_kg", "body weight at the dose", "kg"),
    ),
)

TREATMENTS = Table(
    "treatments",
    "one row per disease-modifying treatment course, before and during follow-up",
    (
        _PATIENT,
        Column("drug", "text", "generic name in lower case", required=True, check="lower_case"),
        Column("start_date", "date", "the course's first day", required=True),
        Column("stop_date", "date", "the course's last day; empty while ongoing"),
        Column(
            "stop_reason",
            "text",
            "why the course stopped",
            allowed=STOP_REASONS,
        ),
    ),
    row_rules=(
        DateOrder(
            "start_date",
            "stop_date",
            "stop_before_start",
            "the course stops on {later_value}, before it starts on {earlier_value}",
        ),
    ),
)

ADVERSE_EVENTS = Table(
    "adverse_events",
    "one row per adverse event",
    (
        _PATIENT,
        Column("onset_date", "date", "the event's onset date", required=True),
        Column("end_date", "date", "the event's end date"),
        Column("term", "text", "the verbatim term as charted", required=True,
               privacy="free_text"),
        Column("pt_code", "text", "MedDRA preferred-term code, when the site has one"),
        Column("soc_code", "text", "MedDRA system-organ-class code, when the site has one"),
        Column(
            "grade",
            "integer",
            "CTCAE grade 1-5",
            minimum=1,
            maximum=5,
            source="clinical-methods.md section 6",
        ),
        Column("serious", "boolean", "a serious adverse event"),
        Column(
            "serious_criteria",
            "text",
            "seriousness criteria, separated by ';'",
            allowed=SERIOUS_CRITERIA,
            multiple=";",
        ),
        _RELATED,
        Column("infection", "boolean", "an infection"),
        Column("outcome", "text", "the event's outcome", allowed=OUTCOMES),
    ),
    row_rules=(
        DateOrder(
            "onset_date",
            "end_date",
            "end_before_onset",
            "the event ends on {later_value}, before its onset on {earlier_value}",
        ),
    ),
)

HOSPITALIZATIONS = Table(
    "hospitalizations",
    "one row per hospital stay",
    (
        _PATIENT,
        Column("admit_date", "date", "the admission date", required=True),
        Column("discharge_date", "date", "the discharge date"),
        Column("reason", "text", "the reason for admission", privacy="free_text"),
        _RELATED,
    ),
    row_rules=(
        DateOrder(
            "admit_date",
            "discharge_date",
            "discharge_before_admit",
            "the discharge date {later_value} is before the admission date {earlier_value}",
        ),
    ),
)

MRI = Table(
    "mri",
    "one row per MRI scan",
    (
        _PATIENT,
        Column("date", "date", "the scan date", required=True),
        Column("gd_lesions", "integer", "gadolinium-enhancing lesions", minimum=0),
        Column("new_t2_lesions", "integer", "new T2 lesions", minimum=0),
        Column("enlarging_t2_lesions", "integer", "enlarging T2 lesions", minimum=0),
        _positive("t2_volume_ml", "T2 lesion volume", "mL"),
        _positive("brain_volume_ml", "brain volume", "mL"),
    ),
)

BIOMARKERS = Table(
    "biomarkers",
    "one row per biomarker measurement",
    (
        _PATIENT,
        Column("date", "date", "the sample date", required=True),
        Column("marker", "text", "the marker, e.g. snfl, sgfap", required=True),
        Column("value", "number", "the measured value", required=True, minimum=0),
        Column("unit", "text", "the unit, e.g. pg/mL"),
    ),
)

#: The chart contract: every table, patients first.
CONTRACT = Contract(
    (
        PATIENTS,
        VISITS,
        RELAPSES,
        ADMINISTRATIONS,
        TREATMENTS,
        ADVERSE_EVENTS,
        HOSPITALIZATIONS,
        MRI,
        BIOMARKERS,
    )
)
