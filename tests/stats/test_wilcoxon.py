import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from msrwe.errors import InputError, OptionError
from msrwe.stats import wilcoxon_paired

B8 = [6.0, 6.5, 6.0, 7.0, 6.5, 5.5, 6.0, 6.5]
F8 = [6.0, 6.5, 6.5, 7.0, 6.0, 6.0, 6.5, 6.5]


# Case 1: the example of clinical-methods section 8 (wilcox: W 2.5, pratt: W 6.5, p 0.625)
@pytest.mark.parametrize(("zero_method", "w"), [("wilcox", 2.5), ("pratt", 6.5)])
def test_clinical_methods_example(zero_method, w):
    r = wilcoxon_paired(B8, F8, zero_method=zero_method)
    assert r.statistic == w
    assert r.p_value == pytest.approx(0.625)
    assert r.exact
    assert (r.n, r.n_zero, r.n_positive, r.n_negative) == (8, 4, 3, 1)
    assert r.method == f"Wilcoxon signed-rank, zero_method={zero_method}, exact p"


# Case 2: golden numbers from scipy: statistic and normal approximation (with and without
# continuity correction), the exact permutation p (scipy, n <= 12) and a brute-force p (n <= 20)
def test_against_scipy(golden):
    for case in golden["wilcoxon"]:
        zm, b, f = case["zero_method"], case["baseline"], case["followup"]
        approx = wilcoxon_paired(b, f, zero_method=zm, method="approx")
        assert approx.statistic == pytest.approx(case["approx_statistic"])
        assert approx.p_value == pytest.approx(case["approx_p"], rel=1e-9)
        assert not approx.exact
        cc = wilcoxon_paired(b, f, zero_method=zm, method="approx", correction=True)
        assert cc.p_value == pytest.approx(case["approx_cc_p"], rel=1e-9)
        if "exact_p" in case:
            exact = wilcoxon_paired(b, f, zero_method=zm, method="exact")
            assert exact.statistic == pytest.approx(case["exact_statistic"])
            assert exact.p_value == pytest.approx(case["exact_p"], rel=1e-9)
        if "enumerated_p" in case:
            exact = wilcoxon_paired(b, f, zero_method=zm, method="exact")
            assert exact.p_value == pytest.approx(case["enumerated_p"], rel=1e-9)


# Case 3: without ties or zeros the exact p is the classical one (scipy method="exact")
def test_classical_exact_without_ties():
    rng = np.random.default_rng(3)
    for n in (5, 9, 16, 25):
        b = rng.normal(size=n)
        f = b + rng.normal(0.3, 1, size=n)
        ours = wilcoxon_paired(b, f, method="exact")
        ref = stats.wilcoxon(f - b, method="exact")
        assert ours.statistic == pytest.approx(ref.statistic)
        assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-9)


# Case 4: "auto" is exact up to 50 non-zero differences, approximate above
def test_auto_switch():
    rng = np.random.default_rng(4)
    b = rng.normal(size=60)
    f = b + rng.normal(size=60)
    assert wilcoxon_paired(b[:50], f[:50]).exact
    assert not wilcoxon_paired(b, f).exact
    assert wilcoxon_paired(b, f).z is not None


# Case 5: missing pairs are dropped and counted
def test_missing_pairs():
    r = wilcoxon_paired([*B8, None, 5.0], [*F8, 6.0, float("nan")])
    assert r.n_missing == 2
    assert r.n == 8
    assert r.p_value == pytest.approx(0.625)


# Case 6: every difference zero: no evidence of change, p = 1; no pairs: NaN
def test_all_zero_and_empty():
    r = wilcoxon_paired([6.0, 6.5], [6.0, 6.5])
    assert r.p_value == 1.0
    assert r.n_zero == 2
    e = wilcoxon_paired([], [])
    assert e.n == 0
    assert e.p_value != e.p_value


# Case 7: floating-point noise does not break ties (2.9 - 2.0 ties with 4.0 - 4.9)
def test_float_noise_ties():
    r = wilcoxon_paired([2.0, 4.9, 1.0], [2.9, 4.0, 1.2])
    assert r.r_minus == 2.5
    assert r.r_plus == 3.5


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"zero_method": "drop"}, OptionError, "'zero_method' parameter of wilcoxon_paired"),
        ({"method": "asymptotic"}, OptionError, "'method' parameter"),
    ],
)
def test_bad_options(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        wilcoxon_paired(B8, F8, **kwargs)


def test_unpaired_lengths():
    with pytest.raises(InputError, match="same length"):
        wilcoxon_paired([1.0, 2.0], [1.0])


def test_non_numbers():
    with pytest.raises(InputError, match="numbers"):
        wilcoxon_paired(["a", "b"], [1.0, 2.0])


edss = st.sampled_from([float(x) for x in np.arange(2.0, 8.0, 0.5)])


# Property: the exact p of msrwe equals scipy's permutation p for small EDSS-like samples,
# and is symmetric in baseline and follow-up
@given(pairs=st.lists(st.tuples(edss, edss), min_size=2, max_size=8))
def test_property_exact_matches_permutation(pairs):
    b = np.array([p[0] for p in pairs])
    f = np.array([p[1] for p in pairs])
    for zm in ("wilcox", "pratt"):
        ours = wilcoxon_paired(b, f, zero_method=zm, method="exact")
        swapped = wilcoxon_paired(f, b, zero_method=zm, method="exact")
        assert ours.p_value == pytest.approx(swapped.p_value)
        if ours.n_positive + ours.n_negative == 0:
            assert ours.p_value == 1.0
            continue
        ref = stats.wilcoxon(
            f - b, zero_method=zm, method=stats.PermutationMethod(n_resamples=np.inf)
        )
        assert 0 < ours.p_value <= 1
        assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-9)


# Case 8: an exact p for more than 1000 non-zero differences is refused with a clear hint
def test_exact_refused_when_huge():
    rng = np.random.default_rng(8)
    b = rng.normal(size=1001)
    with pytest.raises(OptionError, match="method='approx'"):
        wilcoxon_paired(b, b + 1 + rng.random(1001), method="exact")
