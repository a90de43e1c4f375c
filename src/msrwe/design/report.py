"""The design report ``design.html``: one self-contained file (inline CSS and SVG, strict CSP).

It shows the analysis-plan paragraph, the power curves and table, the event-rate curves,
Schoenfeld's figures beside the simulated ones (with the reason they differ), the calibration
of the natural-history model against the published placebo rates, the parameters in force and
the model's limits. :func:`write_design_outputs` writes it with ``results.csv``, both
atomically.
"""

from __future__ import annotations

import datetime as dt
import math
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from msrwe._atomic import atomic_write_text
from msrwe._version import __version__
from msrwe.design.figures import event_rate_figure, power_figure
from msrwe.design.params import calibration_record
from msrwe.design.plan import WHY_DIFFERENT, sap_paragraph, schoenfeld_comparison, smallest_n
from msrwe.design.results import write_results
from msrwe.design.simulate import DesignResult

__all__ = ["MODEL_TEXT", "render_design_report", "write_design_outputs"]

#: The plain-language model description and limits shown at the end of the report.
MODEL_TEXT: tuple[str, ...] = (
    "Each simulated patient has a latent disability process for each measure (EDSS, timed "
    "25-foot walk, 9-hole peg test for each hand, SDMT) that worsens at a patient-specific rate: "
    "a log-normal random slope, correlated across measures through one shared frailty. The "
    "treatment multiplies these rates by the design's hazard ratio (a slowing of progression, "
    "not a hazard ratio on the endpoint itself).",
    "Visits add measurement noise, so patients appear to worsen and improve by chance; practice "
    "effects make the 9-hole peg test and the SDMT better over the first visits; relapses raise "
    "the EDSS and recover partly. The EDSS is rounded to its half-step scale. The simulated "
    "visits go through msrwe's own outcome engine with the endpoint's confirmation rule, the "
    "same code that analyses real charts.",
    "Limits: five progression parameters are calibrated to five published placebo rates; the "
    "noise, practice, relapse and baseline parameters are assumptions (docs/design.md). Age, MRI "
    "activity and disease duration do not change the progression rate. Measures are correlated "
    "only through the slopes; the SDMT is not calibrated. A treatment may act differently "
    "(for example on relapses, or with a delay); the design's effect is a constant slowing "
    "from randomisation.",
)


def _pct(x: float, digits: int = 1) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else \
        f"{100 * x:.{digits}f}%"


def _num(x: float | None, digits: int = 2) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _context(result: DesignResult) -> dict[str, Any]:
    d = result.design
    a = d.analysis
    ctrl, trt = d.control, d.treatment
    grid = [{
        "endpoint": g.endpoint, "n_per_arm": g.n_per_arm, "n_control": g.n_control,
        "n_treatment": g.n_treatment, "power": _pct(g.power), "power_mc_se": _pct(g.power_mc_se),
        "power_adjusted": _pct(g.power_adjusted), "events": _num(g.events, 1),
        "placebo_rate": f"{_pct(g.placebo_rate)} (±{_pct(g.placebo_rate_mc_se)})",
        "active_rate": f"{_pct(g.active_rate)} (±{_pct(g.active_rate_mc_se)})",
        "hazard_ratio": _num(g.hazard_ratio), "type1_error": _pct(g.type1_error),
        "median_followup_weeks": _num(g.median_followup_weeks, 0),
    } for g in result.grid]
    series = {}
    for ep in d.endpoints:
        pts = sorted((g for g in result.grid if g.endpoint == ep.name), key=lambda g: g.n_per_arm)
        series[ep.name] = ([g.n_per_arm for g in pts], [g.power for g in pts],
                           [g.power_mc_se for g in pts])
    keyfacts = []
    for ep in d.endpoints:
        n = smallest_n(result, ep.name, a.target_power)
        keyfacts.append({"value": f"{n} per arm" if n else f"> {max(a.n_per_arm)} per arm",
                         "label": f"{ep.name}: {100 * a.target_power:.0f}% power"})
    sch = [{
        "endpoint": r.endpoint, "hazard_ratio": _num(r.hazard_ratio),
        "simulated_hazard_ratio": _num(r.simulated_hazard_ratio),
        "placebo_rate": _pct(r.placebo_rate), "events_needed": _num(r.events_needed, 0),
        "n_per_arm_needed": _num(r.n_per_arm_needed, 0),
        "simulated_n": r.simulated_n_per_arm or f"> {max(a.n_per_arm)}",
    } for r in schoenfeld_comparison(result)]
    rec = calibration_record()
    calib = [{
        "trial": t["trial"], "endpoint": t["endpoint"], "rate": _pct(t["rate"]),
        "ci": f"{_pct(t['ci_low'])} to {_pct(t['ci_high'])}", "simulated": _pct(t["simulated"]),
        "ok": "yes" if t["ci_low"] <= t["simulated"] <= t["ci_high"] else "no",
    } for t in rec["targets"]]
    intro = (f"The 'published' parameters were fitted by msrwe.design.calibrate "
             f"({rec['n_patients']} simulated placebo patients per trial, seed {rec['seed']}) "
             "so that the simulated placebo arms reproduce the published rates below "
             "(trial-design.md 3.1).")
    if d.population.source == "store":
        intro += (" This design uses parameters estimated from the store instead; the table "
                  "shows the fit of the published set for reference.")
    params = []
    if result.params is not None:
        for k, v in result.params.to_dict().items():
            if k == "source":
                continue
            params.append((k, v if not isinstance(v, float) else f"{v:.4g}"))
    css = resources.files("msrwe.report").joinpath("static/report.css").read_text("utf-8")
    css += ("\ntable{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.88rem}"
            "th,td{border-bottom:1px solid var(--rule);padding:.25rem .5rem;text-align:left}"
            "figure{margin:1rem 0}figure img{max-width:100%}")
    return {
        "title": d.title, "version": __version__, "css": css,
        "subtitle": (f"{' and '.join(d.population.phenotypes)}, EDSS {d.population.edss[0]:g}"
                     f"–{d.population.edss[1]:g}; {trt} vs {ctrl}; effect: "
                     + ("none (null)" if d.effect.is_null else
                        f"progression slowed by a factor {d.effect.hazard_ratio:g}")),
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "source": d.source, "n_trials": d.n_trials, "seed": d.seed,
        "event_model": result.event_model, "visit_rows": f"{result.visit_rows:,}",
        "seconds": f"{result.seconds:.1f}",
        "params_source": result.params.source if result.params is not None else
        "exponential event times (no natural-history model)",
        "keyfacts": keyfacts, "sap": sap_paragraph(d, result),
        "power_fig": power_figure(series, target=a.target_power),
        "rate_fig": event_rate_figure(result.curves, control=ctrl, treatment=trt),
        "alpha": f"{a.alpha:g}", "target": f"{100 * a.target_power:.0f}%",
        "control": ctrl, "treatment": trt, "multiplicity": a.multiplicity,
        "grid": grid, "schoenfeld": sch, "why": WHY_DIFFERENT,
        "calibration": calib, "calibration_intro": intro, "params": params,
        "model_text": MODEL_TEXT,
    }


def render_design_report(result: DesignResult) -> str:
    """The report's HTML text."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("msrwe.design", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined)
    return env.get_template("design.html.j2").render(**_context(result))


def write_design_outputs(result: DesignResult, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``results.csv`` and ``design.html`` into ``out_dir`` (each atomically)."""
    out = Path(out_dir)
    csv = write_results(result, out)
    html = atomic_write_text(out / "design.html", render_design_report(result))
    return csv, html
