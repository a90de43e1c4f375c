"""Properties of derive_adae on random doses and events."""

import datetime as dt

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from msrwe.derive.adverse_events import derive_adae

START = dt.date(2018, 1, 1)
days = st.integers(0, 1500)


# Property: an event is treatment-emergent exactly when its onset lies between the patient's
# first dose and the last dose plus the window; days_since_dose is the distance to the latest
# dose on or before the onset, and is never negative
@given(
    dose_days=st.lists(days, min_size=1, max_size=15),
    event_days=st.lists(st.integers(-200, 1800), min_size=1, max_size=15),
    window=st.integers(0, 200),
)
def test_emergence_and_nearest_dose(dose_days, event_days, window):
    doses = pl.DataFrame(
        {
            "patient_id": ["P"] * len(dose_days),
            "date": [START + dt.timedelta(days=d) for d in dose_days],
        }
    )
    ae = pl.DataFrame(
        {
            "patient_id": ["P"] * len(event_days),
            "onset_date": [START + dt.timedelta(days=d) for d in event_days],
            "term": ["x"] * len(event_days),
        }
    )
    out = derive_adae(ae, doses, risk_window_days=window)
    first, last = min(dose_days), max(dose_days)
    for d, te, since in zip(event_days, out["trt_emergent"], out["days_since_dose"], strict=True):
        assert te == (first <= d <= last + window)
        before = [x for x in dose_days if x <= d]
        assert since == (d - max(before) if before else None)
