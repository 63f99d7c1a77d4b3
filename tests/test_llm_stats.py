"""Statistics of evaluations: clustered estimates, tests, and receivers that make them testable."""

import itertools
import json
import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from bayespersuade.exceptions import BackendError, DataError, InvalidParameterError
from bayespersuade.instances.families import make_game
from bayespersuade.llm.backends.scripted import (
    DEFAULT_SIGNAL_MODEL,
    scripted_agent,
    scripted_bayesian_receiver,
    scripted_credulous_receiver,
    scripted_informed_sender,
)
from bayespersuade.llm.metrics import (
    bayes_consistency,
    instance_metrics,
    prior_sensitivity,
    read_controls,
    summarize,
)
from bayespersuade.llm.protocol import ProtocolConfig, run_instance
from bayespersuade.llm.stats import (
    ESTIMATE_KEYS,
    Estimate,
    cluster_mean,
    excess_test,
    l1_gap_test,
    mean_zero_test,
    paired_difference,
    ratio_of_means,
    sign_flip_pvalue,
)


def clustered_sample(rng, n_clusters, mean=0.0, sd_cluster=1.0, sd_within=1.0, max_size=5):
    return [list(mean + rng.normal(0, sd_cluster) + rng.normal(0, sd_within,
                                                                rng.integers(1, max_size + 1)))
            for _ in range(n_clusters)]


# ------------------------------------------------------------------ estimates

def test_cluster_mean_matches_the_sandwich_of_a_regression_on_a_constant():
    # Dialogue weighting: the CR1 variance of OLS on a constant, computed from residuals.
    rng = np.random.default_rng(1)
    cl = clustered_sample(rng, 30)
    y = np.concatenate(cl)
    e = cluster_mean(cl, weighting="dialogue")
    assert e.estimate == pytest.approx(y.mean())
    resid = [np.asarray(c) - y.mean() for c in cl]
    G, N = len(cl), y.size
    meat = sum(r.sum() ** 2 for r in resid)
    assert e.se == pytest.approx(math.sqrt(G / (G - 1) * meat) / N)
    # Instance weighting: the plain SE of the cluster means.
    e = cluster_mean(cl)
    means = np.array([np.mean(c) for c in cl])
    assert e.estimate == pytest.approx(means.mean())
    assert e.se == pytest.approx(means.std(ddof=1) / math.sqrt(G))
    assert (e.n_instances, e.n_dialogues) == (G, N)


def test_cluster_bootstrap_agrees_with_a_hand_rolled_cluster_bootstrap():
    rng = np.random.default_rng(2)
    cl = clustered_sample(rng, 40)
    e = cluster_mean(cl, bootstrap_method="percentile", n_resamples=4000, seed=3)
    means = np.array([np.mean(c) for c in cl])
    r2 = np.random.default_rng(99)
    boot = means[r2.integers(0, len(means), (4000, len(means)))].mean(axis=1)
    lo, hi = np.quantile(boot, [0.025, 0.975])
    assert e.ci_low == pytest.approx(lo, abs=0.2 * e.se)
    assert e.ci_high == pytest.approx(hi, abs=0.2 * e.se)
    assert "seed 3" in e.method and "percentile" in e.method


def test_intervals_are_seeded_and_the_seed_is_recorded():
    cl = clustered_sample(np.random.default_rng(4), 25)
    a, b, c = (cluster_mean(cl, seed=s) for s in (7, 7, 8))
    assert a == b
    assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)
    assert "seed 7" in a.method
    assert a.ci_low < a.estimate < a.ci_high


def test_dialogues_of_one_instance_are_not_counted_as_independent():
    # 5 instances with 50 identical dialogues each: the SE is that of 5 values,
    # not of 250 (an i.i.d. SE would be about sqrt(50) times smaller).
    cl = [[v] * 50 for v in (0.0, 1.0, 2.0, 3.0, 4.0)]
    e = cluster_mean(cl, weighting="dialogue")
    iid = np.concatenate(cl).std(ddof=1) / math.sqrt(250)
    assert e.se == pytest.approx(np.std([0, 1, 2, 3, 4], ddof=1) / math.sqrt(5))
    assert e.se > 5 * iid


def test_degenerate_and_small_inputs_are_reported_not_hidden():
    assert cluster_mean([[1.0]]).se is None
    assert "one instance" in cluster_mean([[1.0, 2.0]]).method
    e = cluster_mean([[1.0], [1.0], [1.0]])
    assert (e.se, e.ci_low, e.ci_high) == (0.0, 1.0, 1.0)
    assert "interval is a point" in e.method
    assert cluster_mean([[None], []]).n_instances == 0
    with pytest.raises(InvalidParameterError, match="cluster 1 holds a NaN"):
        cluster_mean([[1.0], [float("nan")]])
    with pytest.raises(InvalidParameterError, match="confidence"):
        cluster_mean([[1.0]], confidence=1.5)
    with pytest.raises(InvalidParameterError, match="weighting"):
        cluster_mean([[1.0]], weighting="claims")


def test_estimate_object_is_the_summary_contract():
    d = cluster_mean([[1.0, 2.0], [0.0], [3.0]]).to_dict()
    assert list(d) == list(ESTIMATE_KEYS) == ["estimate", "se", "ci_low", "ci_high",
                                               "n_instances", "n_dialogues", "method"]
    assert json.loads(json.dumps(d)) == d
    with pytest.raises(InvalidParameterError, match="needs the keys"):
        Estimate.from_dict({"estimate": 1.0})


def test_ratio_of_means_is_not_the_mean_of_ratios_and_has_a_delta_se():
    num = [0.5, 1.0, 0.2, 0.0]
    den = [0.5, 0.01, 0.4, 0.0]      # a zero ceiling and one just above a breakpoint
    e = ratio_of_means(num, den)
    assert e.estimate == pytest.approx(sum(num) / sum(den))
    # delta method vs the bootstrap SE on a larger sample
    rng = np.random.default_rng(5)
    y = rng.uniform(0.2, 1.0, 200)
    x = y * 1.5 + rng.normal(0, 0.2, 200)
    e = ratio_of_means(x, y, n_resamples=4000)
    r2 = np.random.default_rng(6)
    idx = r2.integers(0, 200, (4000, 200))
    boot_se = (x[idx].mean(1) / y[idx].mean(1)).std(ddof=1)
    assert e.se == pytest.approx(boot_se, rel=0.15)
    assert e.ci_low < 1.5 < e.ci_high
    assert ratio_of_means([1.0, 2.0], [0.0, 0.0]).estimate is None
    with pytest.raises(InvalidParameterError, match="same length"):
        ratio_of_means([1.0], [1.0, 2.0])


# ---------------------------------------------------------------------- tests

def test_sign_flip_pvalue_is_exact_for_few_instances():
    x = [0.3, -0.1, 0.5, 0.2, 0.4]
    obs = abs(np.mean(x))
    flips = [abs(np.mean(np.array(s) * x)) for s in itertools.product((1, -1), repeat=5)]
    expected = np.mean([f >= obs - 1e-12 for f in flips])
    assert sign_flip_pvalue(x) == pytest.approx(expected)
    assert sign_flip_pvalue([1.0]) is None
    assert sign_flip_pvalue([0.0, 0.0]) == 1.0


def test_mean_zero_test_is_students_t_on_the_instance_means():
    cl = clustered_sample(np.random.default_rng(7), 15, mean=0.3)
    r = mean_zero_test(cl)
    ref = sps.ttest_1samp([np.mean(c) for c in cl], 0.0)
    assert r["t"] == pytest.approx(ref.statistic)
    assert r["p_value"] == pytest.approx(ref.pvalue)
    assert r["df"] == 14
    assert 0 < r["p_value_permutation"] <= 1


def test_excess_test_is_the_one_sided_t_test():
    x = [1.0, 0.5, 2.0, 1.5, 0.0]
    r = excess_test(x, 0.5)
    ref = sps.ttest_1samp(x, 0.5, alternative="greater")
    assert r["tested"] and r["p_value"] == pytest.approx(ref.pvalue)
    one = excess_test([3.0], 0.5)
    assert not one["tested"] and one["p_value"] is None and one["mean_excess"] == 2.5


def test_l1_gap_null_with_one_dialogue_per_instance():
    # With one dialogue per instance a Bayesian receiver's gap is |shift|, positive in
    # expectation; the null redraws centred shifts, whose mean L1 is 2·E|c| (binary).
    rng = np.random.default_rng(8)
    d = rng.normal(0, 0.1, 300)
    r = l1_gap_test([[[-x, x]] for x in d], n_resamples=3000)
    c = d - d.mean()
    assert r["l1_gap_null_mean"] == pytest.approx(2 * np.abs(c).mean(), rel=0.05)
    assert r["l1_gap"].estimate == pytest.approx(2 * np.abs(d).mean())
    assert r["l1_gap_p_value"] > 0.05          # centred data: no evidence
    r = l1_gap_test([[[-x, x]] for x in d + 0.05], n_resamples=3000)
    assert r["l1_gap_p_value"] < 0.01          # a common shift: beyond the null
    with pytest.raises(InvalidParameterError, match="different lengths"):
        l1_gap_test([[[0.1, -0.1]], [[0.1, 0.0, -0.1]]])


def test_paired_difference_finds_a_better_sender():
    rng = np.random.default_rng(9)
    base = rng.normal(0.5, 0.5, 60)
    r = paired_difference(base + 0.2 + rng.normal(0, 0.1, 60), base)
    assert r["difference"].ci_low > 0 and r["p_value_permutation"] < 0.01
    r = paired_difference(base + rng.normal(0, 0.1, 60), base)
    assert r["difference"].ci_low < 0 < r["difference"].ci_high


# ------------------------------------------------------- scripted receivers

def _simulate(receiver_of, n_instances, samples, *, rounds=1, seed=0, p0s=None):
    """Instance records (as the runner writes them) of a simulated evaluation."""
    recs = []
    cfg = ProtocolConfig("static" if rounds == 1 else "dynamic", rounds=rounds,
                         samples=samples)
    for i in range(n_instances):
        p0 = p0s[i % len(p0s)] if p0s else 0.5
        raw = run_instance("X.", scripted_informed_sender(p0), receiver_of(p0), cfg,
                           seed=seed * 100_003 + i)
        recs.append({"key": f"sim/{i}", "id": str(i), "dataset": "sim", "status": "done",
                     "claim": "X.", "transcript": raw, "metrics": instance_metrics(raw)})
    return recs


def _pairs(recs):
    return [(r, r["metrics"]["rounds"][-1]) for r in recs]


P0S = [0.2, 0.35, 0.5, 0.65, 0.8]


def test_bayesian_receiver_is_not_rejected():
    recs = _simulate(scripted_bayesian_receiver, 50, 10, p0s=P0S)      # 500 dialogues
    bc = bayes_consistency(_pairs(recs))
    ss = bc["signed_shift"]
    assert ss["n_dialogues"] == 500 and ss["n_instances"] == 50
    assert ss["ci_low"] <= 0 <= ss["ci_high"]
    assert bc["p_value"] >= 0.01 and bc["p_value_permutation"] >= 0.01
    assert bc["l1_gap"]["estimate"] > 0            # positive even for a Bayesian receiver
    assert bc["l1_gap_p_value"] >= 0.01            # ... and not beyond its null


def test_credulous_receiver_is_detected_with_200_dialogues():
    recs = _simulate(lambda p0: scripted_credulous_receiver(p0, 0.05), 40, 5, p0s=P0S)
    bc = bayes_consistency(_pairs(recs))
    assert bc["signed_shift"]["n_dialogues"] == 200
    assert bc["p_value"] < 0.01 and bc["p_value_permutation"] < 0.01
    assert bc["signed_shift"]["ci_low"] > 0
    assert bc["signed_shift"]["estimate"] == pytest.approx(0.05)


def test_dynamic_bayesian_receiver_stays_a_martingale_every_round():
    recs = _simulate(scripted_bayesian_receiver, 30, 10, rounds=3, p0s=P0S, seed=1)
    for k in range(3):
        bc = bayes_consistency([(r, r["metrics"]["rounds"][k]) for r in recs])
        assert bc["p_value"] >= 0.01, k


@settings(max_examples=50, deadline=None)
@given(st.floats(0.01, 0.99), st.lists(st.floats(0.05, 1.0), min_size=2, max_size=4),
       st.lists(st.floats(0.05, 1.0), min_size=2, max_size=4))
def test_bayesian_receiver_posteriors_average_to_its_prior(p0, wf, wt):
    # Exact expectation over the truth and the signal of the receiver's reported belief.
    n = min(len(wf), len(wt))
    model = {k: (wf[k] / sum(wf[:n]), wt[k] / sum(wt[:n])) for k in range(n)}
    r = scripted_bayesian_receiver(p0, model)
    mean = 0.0
    for k, (lf, lt) in model.items():
        chat = [{"role": "user", "content": "Claim."},
                {"role": "user", "content": f"Arg [strength {k}]"}]
        p = r.score_options(chat, ["Yes", "No"])
        post = p.probability("Yes") / (p.probability("Yes") + p.probability("No"))
        mean += (p0 * lt + (1 - p0) * lf) * post
    assert mean == pytest.approx(p0, abs=1e-12)


def test_scripted_agents_check_their_parameters():
    with pytest.raises(BackendError, match="sums to"):
        scripted_bayesian_receiver(0.5, {0: (0.5, 0.5), 1: (0.4, 0.5)})
    with pytest.raises(BackendError, match="p0 must be a probability"):
        scripted_credulous_receiver(1.5)
    r = scripted_bayesian_receiver(0.5)
    with pytest.raises(BackendError, match="no strength 9"):
        r.score_options([{"role": "user", "content": "[strength 9]"}], ["Yes"])
    assert scripted_agent("bayesian:p0=0.3").name == "scripted:bayesian:p0=0.3"
    assert scripted_agent("credulous:shift=0.2").name == "scripted:credulous:shift=0.2"
    assert sorted(DEFAULT_SIGNAL_MODEL) == [0, 1, 2]
    with pytest.raises(BackendError, match="takes"):
        scripted_agent("bayesian:shift=1")


@pytest.mark.slow
def test_bootstrap_interval_coverage_on_a_known_mean():
    # 400 replications of a clustered sample with known mean 0.3: the 95 % cluster
    # bootstrap interval must cover it in 93-97 % of them.
    rng = np.random.default_rng(2024)
    hits = 0
    for k in range(400):
        cl = clustered_sample(rng, 40, mean=0.3)
        e = cluster_mean(cl, seed=k, n_resamples=1000)
        hits += e.ci_low <= 0.3 <= e.ci_high
    assert 0.93 <= hits / 400 <= 0.97, hits / 400


# --------------------------------------------------------------- summaries

def test_summary_has_estimates_bayes_block_and_resampling_seed():
    recs = _simulate(lambda p0: scripted_credulous_receiver(p0, 0.05), 12, 3, p0s=P0S)
    s = summarize(recs, seed=5, n_resamples=500)
    assert s["resampling"] == {"unit": "instance", "confidence": 0.95, "n_resamples": 500,
                               "seed": 5}
    for block in (s["datasets"]["sim"], s["pooled"]):
        for name in ("score_gain", "pct_of_scale", "pct_of_range", "model_gain", "ceiling",
                     "achieved_over_ceiling", "excess_over_ceiling"):
            assert list(block["statistics"][name]) == list(ESTIMATE_KEYS), name
        bc = block["bayes_consistency"]
        for key in ("signed_shift", "t", "p_value", "p_value_permutation", "l1_gap",
                    "l1_gap_null_mean", "l1_gap_p_value"):
            assert key in bc
    st_ = s["pooled"]["statistics"]
    assert st_["pct_of_scale"]["estimate"] == pytest.approx(100 * st_["score_gain"]["estimate"]
                                                            / 7)
    assert st_["pct_of_range"]["estimate"] == pytest.approx(100 * st_["score_gain"]["estimate"]
                                                            / 6)
    assert json.loads(json.dumps(s, allow_nan=False)) == s


def test_controls_are_excluded_from_the_headline_and_reported_apart(tmp_path):
    bay = _simulate(scripted_bayesian_receiver, 10, 3, p0s=P0S)
    cred = [{**r, "key": f"sim/c{r['id']}", "id": f"c{r['id']}"} for r in
            _simulate(lambda p0: scripted_credulous_receiver(p0, 0.2), 4, 3, p0s=P0S)]
    flagged = [{**r, "control": True} for r in cred]
    s = summarize(bay + flagged, n_resamples=200)
    assert s["n_controls"] == 4
    assert s["datasets"]["sim"]["n_done"] == 10
    assert s["controls"]["datasets"]["sim"]["n_done"] == 4
    assert s["controls"]["pooled"]["bayes_consistency"]["signed_shift"]["estimate"] == (
        pytest.approx(0.2))
    f = tmp_path / "controls.txt"
    f.write_text("# the controls\n" + "\n".join(r["key"] for r in cred) + "\n")
    s2 = summarize(bay + cred, controls=read_controls(f), n_resamples=200)
    assert s2["datasets"] == s["datasets"]
    with pytest.raises(DataError, match="no such controls file"):
        read_controls(tmp_path / "missing.txt")


def test_pair_consistency_of_a_claim_and_its_negation():
    recs = _simulate(scripted_bayesian_receiver, 4, 1, p0s=[0.3, 0.6, 0.2, 0.9])
    recs = [{**r, "pair": ["a", "a", "b", "b"][k]} for k, r in enumerate(recs)]
    s = summarize(recs, n_resamples=200)
    p = s["pairs"]
    assert p["n_pairs"] == 2
    assert p["sum_minus_one"]["estimate"] == pytest.approx(((0.3 + 0.6 - 1) + (0.2 + 0.9 - 1))
                                                           / 2)
    s = summarize(recs[:3], n_resamples=200)
    assert s["pairs"]["incomplete"] == [{"pair": "b", "reason": "1 instances, not 2"}]


def test_sensitivity_table_has_every_construction_and_the_score_note():
    recs = _simulate(scripted_bayesian_receiver, 6, 2, p0s=P0S)
    recs = [{**r, "initial_ratings": [2, 4, 7]} for r in recs]
    rows = prior_sensitivity(_pairs(recs), user_prior="1/3", n_resamples=200)
    by = {r["construction"]: r for r in rows}
    assert list(by) == ["elicited", "score", "population", "user"]
    assert all(r["n_instances"] == 6 for r in rows)
    # score-derived priors of interior scores: ceiling exactly 1/2 (quadratic loss)
    scores = {r["metrics"]["prior"]["score"] for r in recs}
    assert scores <= {2, 3, 4, 5, 6}
    assert by["score"]["ceiling"]["estimate"] == pytest.approx(0.5)
    # population prior: mean of (r - 1)/6 over 2, 4, 7 = 5/9, where v̂ = round(1 + 6·5/9)
    # = 4 and V = 1 + 6·5/9 + 1/2 = 29/6 on the envelope: ceiling 5/6
    assert by["population"]["ceiling"]["estimate"] == pytest.approx(5 / 6)
    assert make_game("binary-truth", F(5, 9)).solve(exact=True).gain == F(5, 6)
    # user prior 1/3 = 2/6: an interior score's prior, ceiling 1/2
    assert by["user"]["ceiling"]["estimate"] == pytest.approx(0.5)
    assert by["elicited"]["ceiling"]["estimate"] == pytest.approx(
        np.mean([r["metrics"]["game"]["ceiling"] for r in recs]))
    s = summarize(recs, n_resamples=200)
    assert "ceiling exactly 1/2" in s["sensitivity_note"]
    assert [r["construction"] for r in s["sensitivity"]["sim"]] == list(by)


# ---------------------------------------------------------- command line

def _cli(argv):
    from bayespersuade.cli.main import main

    return main(argv)


def test_compare_and_report_on_two_runs_of_the_bundled_data(tmp_path, capsys):
    runs = {}
    for name, receiver in (("a", "scripted:credulous:shift=0.3"), ("b", "scripted:bayesian")):
        runs[name] = tmp_path / name
        assert _cli(["evaluate", "--dataset", "perspectrum", "--sender", "scripted:informed",
                     "--receiver", receiver, "--samples", "2", "--limit", "15", "--seed", "0",
                     "--out", str(runs[name]), "--no-progress", "--report", "none"]) == 0
    capsys.readouterr()
    out_json = tmp_path / "cmp.json"
    assert _cli(["compare", str(runs["a"]), str(runs["b"]), "--json", str(out_json),
                 "--resamples", "500", "--seed", "2"]) == 0
    text = capsys.readouterr().out
    assert "15 instance(s) matched" in text and "signed_shift" in text
    res = json.loads(out_json.read_text())
    assert res["resampling"]["seed"] == 2
    d = res["comparisons"]["signed_shift"]["pooled"]
    assert list(d["difference"]) == list(ESTIMATE_KEYS)
    assert d["difference"]["n_instances"] == 15 and d["difference"]["n_dialogues"] == 60
    # A's receiver shifts by 0.3 per argument, B's is Bayesian: A − B is about 0.3
    assert d["difference"]["ci_low"] <= 0.3 <= d["difference"]["ci_high"]
    assert d["p_value_permutation"] < 0.01
    # a run compared with itself: differences exactly 0
    assert _cli(["compare", str(runs["b"]), str(runs["b"]), "--json", str(out_json)]) == 0
    same = json.loads(out_json.read_text())["comparisons"]["score_gain"]["pooled"]
    assert same["difference"]["estimate"] == 0 and same["p_value_permutation"] == 1.0
    # controls listed in a file are left out of the comparison and of the headline
    ctrl = tmp_path / "controls.txt"
    keys = [json.loads(line)["key"] for line in
            (runs["a"] / "results.jsonl").read_text().splitlines()[:5]]
    ctrl.write_text("\n".join(keys) + "\n")
    assert _cli(["compare", str(runs["a"]), str(runs["b"]), "--controls", str(ctrl)]) == 0
    assert "10 instance(s) matched" in capsys.readouterr().out
    assert _cli(["report", str(runs["a"]), "--controls", str(ctrl), "--prior", "0.3",
                 "--resampling-seed", "1"]) == 0
    summary = json.loads((runs["a"] / "summary.json").read_text())
    assert summary["n_controls"] == 5 and summary["datasets"]["perspectrum"]["n_done"] == 10
    assert summary["resampling"]["seed"] == 1
    md = (runs["a"] / "report.md").read_text()
    for heading in ("## Bayes-consistency test", "## Prior-construction sensitivity",
                    "## Controls (reported apart)", "% of range (÷6)", "% of scale (÷7)"):
        assert heading in md
    assert "BP gap" not in md
    capsys.readouterr()
    assert _cli(["compare", str(runs["a"]), str(tmp_path / "nowhere")]) == 1
    assert "not an evaluation directory" in capsys.readouterr().err


def test_dialogue_weighted_sign_flips_move_whole_instances():
    cl = [[0.5, 0.5, 0.5], [-0.2], [0.1, 0.3]]
    r = mean_zero_test(cl, weighting="dialogue")
    assert r["estimate"].estimate == pytest.approx(np.concatenate(cl).mean())
    sums = np.array([np.sum(c) for c in cl])
    obs = abs(sums.sum())
    flips = [abs((np.array(s) * sums).sum()) for s in itertools.product((1, -1), repeat=3)]
    assert r["p_value_permutation"] == pytest.approx(np.mean([f >= obs - 1e-12
                                                              for f in flips]))


@pytest.mark.parametrize(("family", "source", "unit"), [
    ("normative-position", "logprobs", "mean position (1..7)"),
    ("binary-truth", "score", "score points"),
    ("normative-position", "score", "score points"),
])
def test_summaries_in_every_family_and_belief_source(family, source, unit):
    recs = []
    for i in range(6):
        raw = run_instance("X.", scripted_informed_sender(0.5),
                           scripted_credulous_receiver(0.5, 0.2),
                           ProtocolConfig("static", samples=2), seed=i)
        recs.append({"key": f"sim/{i}", "id": str(i), "dataset": "sim", "status": "done",
                     "claim": "X.", "transcript": raw,
                     "metrics": instance_metrics(raw, family=family, belief_source=source)})
    s = summarize(recs, n_resamples=200)
    bc = s["pooled"]["bayes_consistency"]
    assert bc["unit"] == unit
    # the credulous receiver moves 0.2 in P(yes): its score moves from 4 to round(1 + 4.2) = 5
    expected = 1.0 if source == "score" else (
        sum(r["metrics"]["rounds"][0]["belief_shifts"][0] for r in recs) / 6)
    assert bc["signed_shift"]["estimate"] == pytest.approx(expected)
    assert bc["score_shift"]["estimate"]["estimate"] == pytest.approx(1.0)
    rows = {r["construction"]: r for r in s["sensitivity"]["sim"]}
    assert rows["score"]["n_instances"] == 6 and rows["elicited"]["n_instances"] == 6


def test_each_instance_has_its_own_shift_test():
    rec = _simulate(scripted_bayesian_receiver, 1, 8)[0]
    r = rec["metrics"]["rounds"][0]
    t = r["signed_shift_test"]
    ref = sps.ttest_1samp(r["belief_shifts"], 0.0)
    assert t["estimate"]["n_dialogues"] == 8
    assert t["t"] == pytest.approx(ref.statistic) and t["p_value"] == pytest.approx(ref.pvalue)
    one = _simulate(scripted_bayesian_receiver, 1, 1)[0]["metrics"]["rounds"][0]
    assert one["signed_shift_test"]["t"] is None          # one dialogue: no test


_vals = st.lists(st.floats(-10, 10, allow_nan=False), min_size=2, max_size=12)


@settings(max_examples=60, deadline=None)
@given(_vals)
def test_sign_flip_pvalue_is_symmetric_and_a_probability(x):
    p = sign_flip_pvalue(x)
    assert 0 < p <= 1
    assert p == pytest.approx(sign_flip_pvalue([-v for v in x]))


@settings(max_examples=60, deadline=None)
@given(st.lists(_vals, min_size=2, max_size=8), st.floats(-5, 5), st.floats(0.1, 10))
def test_cluster_mean_is_equivariant(clusters, shift, scale):
    # shifting and scaling the data moves the estimate and the SE the same way (two
    # computations of one quantity)
    a = cluster_mean(clusters, weighting="dialogue", n_resamples=50)
    b = cluster_mean([[shift + scale * v for v in c] for c in clusters], weighting="dialogue",
                     n_resamples=50)
    assert b.estimate == pytest.approx(shift + scale * a.estimate, abs=1e-9)
    assert b.se == pytest.approx(scale * a.se, abs=1e-9)
    assert (b.n_instances, b.n_dialogues) == (a.n_instances, a.n_dialogues)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 5), st.floats(0.01, 5)), min_size=1, max_size=20))
def test_ratio_of_means_is_the_ratio_of_the_sums(pairs):
    x, y = zip(*pairs, strict=True)
    e = ratio_of_means(list(x), list(y), n_resamples=50)
    assert e.estimate == pytest.approx(sum(x) / sum(y))
    if len(pairs) >= 2:
        assert e.se >= 0


def test_evaluate_flags_controls_in_the_records(tmp_path, capsys):
    ctrl = tmp_path / "controls.txt"
    from bayespersuade.datasets import load_embedded

    recs = load_embedded("perspectrum", split="test").records[:4]
    ctrl.write_text(f"{recs[0].id}\nperspectrum/{recs[1].id}\n")
    out = tmp_path / "run"
    assert _cli(["evaluate", "--dataset", "perspectrum", "--split", "test", "--sender",
                 "scripted:informed", "--receiver", "scripted:bayesian", "--limit", "4",
                 "--out", str(out), "--no-progress", "--controls", str(ctrl)]) == 0
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [x["control"] for x in lines] == [True, True, False, False]
    s = json.loads((out / "summary.json").read_text())
    assert s["n_controls"] == 2 and s["datasets"]["perspectrum"]["n_done"] == 2
    ctrl.write_text("no-such-claim\n")
    capsys.readouterr()
    assert _cli(["evaluate", "--dataset", "perspectrum", "--sender", "scripted:informed",
                 "--receiver", "scripted:bayesian", "--limit", "4", "--out",
                 str(tmp_path / "run2"), "--no-progress", "--controls", str(ctrl)]) == 1
    assert "not in the dataset" in capsys.readouterr().err


def test_user_prior_is_read_exactly_and_checked():
    recs = _simulate(scripted_bayesian_receiver, 3, 1, p0s=P0S)
    for prior in ("1/3", 0.5, F(1, 3)):
        rows = {r["construction"]: r for r in prior_sensitivity(_pairs(recs), user_prior=prior,
                                                                n_resamples=50)}
        assert rows["user"]["ceiling"]["estimate"] == pytest.approx(0.5)
    with pytest.raises(InvalidParameterError, match="user prior"):
        prior_sensitivity(_pairs(recs), user_prior="1.5")


def test_evidence_stance_reports_the_ceiling_under_both_views(tmp_path):
    # Issue 14: beside the receiver's own prior, the dataset's evidence share as the
    # "true" prior (dataset view) and both at once (heterogeneous priors).
    from fractions import Fraction as F

    from bayespersuade.datasets import load_embedded
    from bayespersuade.instances.families import make_game
    from bayespersuade.llm import ProtocolConfig, scripted_receiver, scripted_sender
    from bayespersuade.llm.metrics import PRIOR_VIEWS
    from bayespersuade.llm.runner import EvaluationConfig, run_evaluation

    recs = load_embedded("perspectrum", split="test").records[:5]
    cfg = EvaluationConfig("perspectrum", "scripted:sender", "scripted:receiver",
                           ProtocolConfig("static", samples=2), family="evidence-stance")
    res = run_evaluation(recs, scripted_sender([1]), scripted_receiver(), tmp_path, cfg,
                         progress=False, report="md")
    for rec in res.records:
        v = rec["metrics"]["prior_views"]
        mu_s, mu_r = F(v["dataset_prior"]), F(v["receiver_prior"])
        assert mu_s == F(rec["evidence_prior_support"])
        assert mu_r == F(rec["metrics"]["prior"]["belief_exact"][1])
        assert F(v["receiver"]["ceiling"]) == F(rec["metrics"]["game"]["ceiling_exact"])
        het = make_game("binary-truth", mu_s, receiver_prior=mu_r).solve(
            method="concavification", exact=True)
        assert F(v["heterogeneous"]["ceiling"]) == het.gain
        assert F(v["heterogeneous"]["value"]) == het.value
    s = res.summary["prior_views"]["perspectrum"]
    assert s["n_instances"] == 5 and s["n_unavailable"] == 0
    for view in PRIOR_VIEWS:
        vals = [F(r["metrics"]["prior_views"][view]["ceiling"]) for r in res.records]
        assert F(s[view]["estimate_exact"]) == sum(vals, F(0)) / 5
        assert s[view]["ci_low"] <= s[view]["estimate"] <= s[view]["ci_high"]
    report = (tmp_path / "report.md").read_text()
    assert "## The ceiling under both views (evidence-stance)" in report


def test_prior_views_are_unavailable_not_defaulted():
    from fractions import Fraction as F

    from bayespersuade.llm.metrics import prior_views, prior_views_summary

    assert "unavailable" in prior_views(F(1, 2), None)
    assert "rules out" in prior_views(F(1, 2), F(1))["unavailable"]
    insts = [{"metrics": {"prior_views": prior_views(F(1, 2), None)}},
             {"metrics": {"prior_views": prior_views(F(3, 4), F(1, 2))}}]
    s = prior_views_summary(insts)
    assert s["n_instances"] == 1 and s["n_unavailable"] == 1
    assert prior_views_summary([{"metrics": {}}]) is None
