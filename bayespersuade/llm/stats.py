"""Uncertainty for evaluations (the statistics of :mod:`bayespersuade.instances.stats`).

The LLM bridge's name for the library's statistics: clustered estimates with a
cluster-robust standard error and a cluster bootstrap interval over instances,
ratios of means, tests of a zero mean (cluster-robust ``t`` and sign flips), the
L1 gap against its Bayesian null, per-instance one-sided tests and paired
comparisons.  The code lives in :mod:`bayespersuade.instances.stats`, below both
the evaluations (here) and the human baselines, so that both use it; see there
for the methods and references.

Examples
--------
>>> from bayespersuade.llm.stats import cluster_mean
>>> cluster_mean([[1.0, 3.0], [0.0], [1.0]]).estimate
1.0
"""

from ..instances.stats import (
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    ESTIMATE_KEYS,
    Estimate,
    cluster_mean,
    dialogue_mean,
    excess_test,
    l1_gap_test,
    mean_zero_test,
    order_statistic_interval,
    paired_difference,
    quantile_estimate,
    ratio_of_means,
    sign_flip_pvalue,
)

__all__ = [
    "DEFAULT_CONFIDENCE",
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "ESTIMATE_KEYS",
    "Estimate",
    "cluster_mean",
    "dialogue_mean",
    "excess_test",
    "l1_gap_test",
    "mean_zero_test",
    "order_statistic_interval",
    "paired_difference",
    "quantile_estimate",
    "ratio_of_means",
    "sign_flip_pvalue",
]
