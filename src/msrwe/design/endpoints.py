"""Run a design's endpoint through msrwe's outcome engine, for all simulated patients at once.

One call of the real engine (:func:`msrwe.detect_events`, :func:`detect_nhpt_events` or
:func:`detect_composite`) covers every simulated patient of every trial: the patient ids encode
trial and arm, so the events found are exactly the events the trial's analysis would find in its
own data.

Examples
--------
>>> import polars as pl
>>> from msrwe.design.config import Endpoint
>>> v = pl.DataFrame({"patient_id": [0, 0, 0, 0, 1, 1], "date": [0, 84, 168, 252, 0, 84],
...                   "edss": [4.0, 5.0, 5.0, 5.0, 3.0, 3.0]})
>>> first = first_events(Endpoint("e", "edss", conf_days=84), v, None, 2)
>>> first.event.tolist(), first.onset.tolist(), first.confirmed.tolist()
([True, False], [84, -1], [168, -1])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from msrwe.derive.outcomes import (
    Component,
    CompositeDefinition,
    detect_composite,
    detect_events,
    detect_nhpt_events,
)
from msrwe.design.config import Endpoint

__all__ = ["FirstEvents", "endpoint_definition", "endpoint_runs", "first_events"]

_COLUMN = {"edss": "edss", "t25fw": "t25fw_s", "sdmt": "sdmt"}


@dataclass(frozen=True)
class FirstEvents:
    """Each patient's first confirmed event (patients indexed by their integer id).

    Attributes
    ----------
    event
        Whether the patient has a confirmed event.
    onset
        Day of the worsening visit (the event time), -1 without event.
    confirmed
        Day of the confirming visit, -1 without event.
    """

    event: npt.NDArray[np.bool_]
    onset: npt.NDArray[np.int64]
    confirmed: npt.NDArray[np.int64]


def _component(measure: str, ep: Endpoint) -> Component:
    if measure == "nhpt":
        return Component("nhpt", outcome="nhpt", threshold=ep.policy_name("nhpt"), hands=ep.hands)
    return Component(measure, outcome=measure, threshold=ep.policy_name(measure))


def endpoint_definition(ep: Endpoint) -> CompositeDefinition | None:
    """The composite definition the engine runs for a composite endpoint (else None)."""
    if ep.outcome not in ("edss_plus", "composite"):
        return None
    name = "EDSS-Plus" if ep.outcome == "edss_plus" else ep.name
    return CompositeDefinition(name, tuple(_component(m, ep) for m in ep.measures),
                               options={"conf_days": ep.conf_days})


_HAND_COLUMNS = ["nhpt_dominant_s", "nhpt_nondominant_s"]


def _columns(measures: tuple[str, ...]) -> list[str]:
    cols = ["patient_id", "date"]
    for m in measures:
        cols += _HAND_COLUMNS if m == "nhpt" else [_COLUMN[m]]
    return cols


def _run_composite(ep: Endpoint, visits: pl.DataFrame, relapses: pl.DataFrame | None) -> Any:
    opts: dict[str, Any] = {"conf_days": ep.conf_days, **ep.options}
    rel = relapses if relapses is not None and relapses.height else None
    return detect_composite(visits.select(_columns(ep.measures)), rel,
                            definition=endpoint_definition(ep), **opts)


def _run(ep: Endpoint, visits: pl.DataFrame, relapses: pl.DataFrame | None) -> pl.DataFrame:
    opts: dict[str, Any] = {"conf_days": ep.conf_days, **ep.options}
    rel = relapses if relapses is not None and relapses.height else None
    if ep.outcome in ("edss_plus", "composite"):
        return _run_composite(ep, visits, relapses).events  # type: ignore[no-any-return]
    if ep.outcome == "nhpt":
        return detect_nhpt_events(visits.select(_columns(("nhpt",))), rel, hands=ep.hands,
                                  delta_fun=ep.policy_name("nhpt"), event="firstCDW",
                                  **opts).events
    outcome = "edss" if ep.outcome == "pira" else ep.outcome
    col = _COLUMN[outcome]
    event = "firstPIRA" if ep.outcome == "pira" else "firstCDW"
    return detect_events(visits.select("patient_id", "date", col), rel, outcome=outcome,
                         delta_fun=ep.policy_name(outcome), event=event, **opts).events


def first_events(ep: Endpoint, visits: pl.DataFrame, relapses: pl.DataFrame | None,
                 n_patients: int) -> FirstEvents:
    """Each patient's first confirmed event on ``ep`` (one engine call for all patients).

    Parameters
    ----------
    ep
        The endpoint.
    visits, relapses
        Simulated chart tables with integer ``patient_id`` in ``0 .. n_patients - 1`` and day
        numbers as dates.
    n_patients
        Number of patients.

    Returns
    -------
    FirstEvents
    """
    return _first_from(_run(ep, visits, relapses), ep.conf_days, n_patients)


def _first_from(ev: pl.DataFrame, conf_days: int, n_patients: int) -> FirstEvents:
    conf_col = f"conf{conf_days}_date"
    event = np.zeros(n_patients, dtype=bool)
    onset = np.full(n_patients, -1, dtype=np.int64)
    conf = np.full(n_patients, -1, dtype=np.int64)
    if ev.height:
        first = (ev.select(pl.col("patient_id").cast(pl.Int64), pl.col("date").cast(pl.Int64),
                           pl.col(conf_col).cast(pl.Int64))
                 .sort("patient_id", "date").unique("patient_id", keep="first"))
        pid = first["patient_id"].to_numpy()
        event[pid] = True
        onset[pid] = first["date"].to_numpy()
        conf[pid] = first[conf_col].fill_null(-1).to_numpy()
    return FirstEvents(event, onset, conf)


def _shares_component(single: Endpoint, comp: Endpoint) -> bool:
    """Whether ``comp``'s engine run of ``single``'s measure is exactly ``single``'s run."""
    if single.outcome not in comp.measures or single.outcome == "pira":
        return False
    m = single.outcome
    return (single.conf_days == comp.conf_days and dict(single.options) == dict(comp.options)
            and single.policy_name(m) == comp.policy_name(m)
            and (m != "nhpt" or single.hands == comp.hands))


def endpoint_runs(endpoints: tuple[Endpoint, ...], visits: pl.DataFrame,
                  relapses: pl.DataFrame | None, n_patients: int,
                  on_endpoint: Any = None) -> dict[str, FirstEvents]:
    """First events of every endpoint, each engine run done once.

    A single-measure endpoint whose definition equals a component of a composite endpoint of
    the same design (same measure, threshold, hands, confirmation and options) takes its events
    from that component's run inside :func:`detect_composite`: the engine's own result for
    exactly that definition, not computed twice.
    """
    out: dict[str, FirstEvents] = {}
    composites = [e for e in endpoints if e.outcome in ("edss_plus", "composite")]

    def run_host(host: Endpoint) -> None:
        res = _run_composite(host, visits, relapses)
        out[host.name] = _first_from(res.events, host.conf_days, n_patients)
        for other in endpoints:
            if other.name not in out and _shares_component(other, host):
                comp = res.by_component[other.outcome]
                out[other.name] = _first_from(comp.events, other.conf_days, n_patients)

    for ep in endpoints:
        if on_endpoint is not None:
            on_endpoint(ep)
        if ep.name in out:
            continue
        host = ep if ep in composites else next(
            (c for c in composites if _shares_component(ep, c)), None)
        if host is not None:
            run_host(host)
        else:
            out[ep.name] = first_events(ep, visits, relapses, n_patients)
    return out
