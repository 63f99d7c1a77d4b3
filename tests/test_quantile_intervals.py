"""Distribution-free order-statistic intervals of quantiles (medians of ceilings)."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from bayespersuade.exceptions import InvalidParameterError
from bayespersuade.instances.stats import order_statistic_interval, quantile_estimate


def _coverage(n, low, up, q=0.5):
    b = sps.binom(n, q)
    return 1 - b.cdf(low - 1) - b.sf(up - 1)


@pytest.mark.parametrize(("n", "low", "up"), [
    (6, 1, 6), (10, 2, 9), (20, 6, 15), (40, 14, 27), (100, 40, 61)])
def test_median_interval_indices_are_the_classical_ones(n, low, up):
    # the textbook table of distribution-free 95% intervals for the median
    got_low, got_up, cov = order_statistic_interval(n)
    assert (got_low, got_up) == (low, up)
    assert cov == pytest.approx(_coverage(n, low, up)) and cov >= 0.95
    # the narrowest such pair: one index further in on both sides loses the level
    assert _coverage(n, low + 1, up - 1) < 0.95


def test_too_few_values_have_no_interval_and_bad_input_is_refused():
    assert order_statistic_interval(5) is None           # 2 * 0.5^5 = 0.0625 > 0.05
    assert order_statistic_interval(0) is None
    assert order_statistic_interval(5, confidence=0.9) == (1, 5, pytest.approx(1 - 2 / 32))
    e = quantile_estimate([0.5, 0.0, 1.0])
    assert e.estimate == 0.5 and e.ci_low is None and "no interval" in e.method
    with pytest.raises(InvalidParameterError, match="q must be"):
        order_statistic_interval(10, 1.5)
    with pytest.raises(InvalidParameterError, match="finite"):
        quantile_estimate([1.0, math.nan])


def test_quantile_estimate_reads_the_order_statistics():
    x = [9.0, 1.0, 5.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 10.0]
    e = quantile_estimate(x)
    assert (e.estimate, e.ci_low, e.ci_high, e.se, e.n_instances) == (5.5, 2.0, 9.0, None, 10)


@pytest.mark.slow
@pytest.mark.parametrize("dist", ["exponential", "discrete"])
def test_median_interval_coverage_on_known_distributions(dist):
    # Continuous: coverage equals the binomial sum; discrete with ties: at least it.
    rng = np.random.default_rng(20261202)
    n, reps = 30, 4000
    *_, cov = order_statistic_interval(n)
    if dist == "exponential":
        median = math.log(2)
        draws = rng.exponential(1.0, size=(reps, n))
    else:  # ceilings-like: three values, P(0) = 0.3, P(0.5) = 0.4, P(1) = 0.3; median 0.5
        median = 0.5
        draws = rng.choice([0.0, 0.5, 1.0], p=[0.3, 0.4, 0.3], size=(reps, n))
    hits = 0
    for row in draws:
        e = quantile_estimate(list(row))
        hits += e.ci_low <= median <= e.ci_high
    rate = hits / reps
    mc = 3 * math.sqrt(cov * (1 - cov) / reps)
    if dist == "exponential":
        assert abs(rate - cov) <= mc, (rate, cov)
    else:
        assert rate >= cov - mc, (rate, cov)
    assert cov >= 0.95
