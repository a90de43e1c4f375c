"""``msrwe analyze --timings``: the seconds and peak-memory growth of every step, slowest first."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.pipeline.run import STEPS


def test_every_step_is_timed_once_slowest_first(tmp_path: Path) -> None:
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    write_cohort(tmp_path / "charts", 40, seed=3, dirty=False)
    db = tmp_path / "s.duckdb"
    import_folder(tmp_path / "charts", db)
    res = CliRunner().invoke(app, ["analyze", "--db", str(db), "--out", str(tmp_path / "out"),
                                   "--quiet", "--timings"])
    assert res.exit_code == 0, res.output
    lines = [m.groups() for m in
             re.finditer(r"^\s*(\d+\.\d\d) s\s+(-?[\d,]+) MB  (.+)$", res.stderr, re.M)]
    seconds = [float(s) for s, _, _ in lines]
    grew = [int(mb.replace(",", "")) for _, mb, _ in lines]
    steps = [what for _, _, what in lines]
    # the peak only rises; the steps' growths add up to the peak less the memory before the run
    assert min(grew) >= 0
    peak, before = (int(x.replace(",", "")) for x in re.search(
        r"^peak memory \(RSS\) ([\d,]+) MB; ([\d,]+) MB before", res.stderr, re.M).groups())
    assert abs(sum(grew) - (peak - before)) <= len(grew)
    assert seconds == sorted(seconds, reverse=True)
    assert len(steps) == len(set(steps))
    assert {"reading the store", "building the cohort", "methods and provenance"} <= set(steps)
    assert set(steps) <= set(STEPS)
    # and one line as each step ends, in run order (a run stopped on the way still tells)
    done = re.findall(r"^done (.+): (\d+\.\d) s, peak ([\d,]+) MB \(\+([\d,]+)\)$",
                      res.stderr, re.M)
    assert sorted(d[0] for d in done) == sorted(steps)
    assert [d[0] for d in done][:2] == ["reading the store", "building the cohort"]
    assert done[-1][0] == "methods and provenance"
    assert int(done[-1][2].replace(",", "")) == peak
    # without --timings nothing of the kind is printed
    res = CliRunner().invoke(app, ["analyze", "--db", str(db), "--out", str(tmp_path / "o2"),
                                   "--quiet"])
    assert not re.search(r"^\s*\d+\.\d\d s  ", res.stderr, re.M)
    assert not re.search(r"^done ", res.stderr, re.M)
