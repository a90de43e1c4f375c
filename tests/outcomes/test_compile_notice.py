"""The outcome engine says so when numba compiles it (issue 14, item 3): numbered cases."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from msrwe.derive.outcomes import compile_notice as cn


class _Cache:
    def __init__(self, index):
        self._cache_file = type("F", (), {"_index_path": str(index)})()


class _Dispatcher:
    """Stands in for a numba dispatcher: its compiled signatures and its cache index path."""

    def __init__(self, index, signatures=()):
        self._cache = _Cache(index)
        self.signatures = list(signatures)


@pytest.fixture
def said(monkeypatch):
    lines: list[str] = []
    monkeypatch.setattr(cn, "notify", lines.append)
    monkeypatch.setattr(cn, "_shown", False)
    return lines


# Case 1: no cache index on disk -> the message at once, once
def test_case1_no_index_says_so(tmp_path, said):
    d = _Dispatcher(tmp_path / "missing.nbi")
    with cn.compile_notice(d):
        time.sleep(0.3)
    with cn.compile_notice(_Dispatcher(tmp_path / "other.nbi")):
        time.sleep(0.3)
    assert said == [cn.MESSAGE]


# Case 2: already compiled in this process -> nothing
def test_case2_loaded_is_silent(tmp_path, said):
    with cn.compile_notice(_Dispatcher(tmp_path / "missing.nbi", signatures=[("i8",)])):
        time.sleep(0.2)
    assert said == []


# Case 3: an index exists and loading is quick -> nothing
def test_case3_cached_quick_is_silent(tmp_path, said):
    index = tmp_path / "k.nbi"
    index.write_bytes(b"")
    assert cn.is_cached_on_disk(_Dispatcher(index))
    with cn.compile_notice(_Dispatcher(index)):
        pass
    time.sleep(0.1)
    assert said == []


# Case 4: an index exists but the first dispatch is slow (it compiles after all) -> the message
def test_case4_cached_but_slow_says_so(tmp_path, said, monkeypatch):
    monkeypatch.setattr(cn, "SLOW_LOAD_S", 0.05)
    index = tmp_path / "k.nbi"
    index.write_bytes(b"")
    with cn.compile_notice(_Dispatcher(index)):
        time.sleep(0.4)
    assert said == [cn.MESSAGE]


# Case 5: a numba without the cache attributes -> decided by time alone
def test_case5_unknown_layout_counts_as_cached():
    assert cn.is_cached_on_disk(object())


# Case 6: the real engine with an empty numba cache prints the message on stderr; the warm-up
# module fills the cache so that a second process is silent
@pytest.mark.slow
def test_case6_real_first_compile(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    code = "from msrwe.derive.outcomes.warmup import warm_up; warm_up()"
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True)
    assert cn.MESSAGE in first.stderr
    # every kernel has its index on disk now, so the second process waits for SLOW_LOAD_S before
    # it would speak; that wait is raised here, or loading from the cache on a busy machine (a
    # CI run on two workers, other work beside it) can outlast 2 s and speak by the clock
    wait_longer = "import msrwe.derive.outcomes.compile_notice as cn; cn.SLOW_LOAD_S = 120.0; "
    second = subprocess.run([sys.executable, "-c", wait_longer + code], env=env,
                            capture_output=True, text=True, check=True)
    assert cn.MESSAGE not in second.stderr


# Case 7: the warm-up (make venv) also runs the compiled sums of the mixed model, so the first
# annual slope of `msrwe analyze` / `msrwe demo` loads them from numba's cache instead of compiling
# them (~1.5 CPU-s); the kernel is stopped at its first call, so the test neither loads nor fits
def test_case7_warm_up_reaches_the_mixed_model_kernel(monkeypatch):
    from msrwe.derive.outcomes import warmup
    from msrwe.stats import _lmm_kernel

    class Reached(Exception):
        pass

    def reached(*_args):
        raise Reached

    monkeypatch.setattr(warmup, "_engine_kernels", lambda *_: None)  # case 6 runs them
    monkeypatch.setattr(_lmm_kernel, "fill1", reached)
    with pytest.raises(Reached):
        warmup.warm_up()
