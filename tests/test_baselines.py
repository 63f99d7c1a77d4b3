"""Human baselines: achieved gains against ceilings, checked by hand on the fixtures."""

from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from bayespersuade.datasets import load_anthropic, load_cmv, load_ddo
from bayespersuade.exceptions import InvalidParameterError
from bayespersuade.instances.baselines import human_baselines

FIX = Path(__file__).parent / "fixtures" / "datasets"


@pytest.fixture(scope="module")
def anthropic():
    return load_anthropic(FIX / "anthropic" / "persuasion_data.csv").records


def test_observation_level_quadratic(anthropic):
    b = human_baselines(anthropic)
    o = b.observations
    # control row w06 left out; kept: 001 (2->5, 4->4, 4->6), 002 (1->2, 7->7)
    assert b.n_control_excluded == 1
    assert list(zip(o["rating_initial"], o["rating_final"], strict=True)) == [
        (2, 5), (4, 4), (4, 6), (1, 2), (7, 7)]
    # quadratic loss: v̂((r - 1)/6) = r, so the achieved gain is the rating change
    assert list(o["achieved_gain_exact"]) == ["3", "0", "2", "1", "0"]
    assert (o["achieved_gain"] == o["rating_change"]).all()
    # ceiling at an interior rating is V - v̂ = (r + 1/2) - r = 1/2; 0 at r = 1 or 7
    assert list(o["ceiling_exact"]) == ["1/2", "1/2", "1/2", "0", "0"]


def test_group_statistics_by_hand(anthropic):
    b = human_baselines(anthropic)
    src = b.by_source.set_index("source")
    assert src.loc["Human", "n"] == 2
    assert src.loc["Human", "mean_achieved_gain_exact"] == "2"       # (3 + 1)/2
    assert src.loc["Human", "mean_ceiling_exact"] == "1/4"           # (1/2 + 0)/2
    assert src.loc["Claude 3 Opus", "mean_achieved_gain_exact"] == "2/3"
    assert src.loc["Claude 3 Opus", "mean_ceiling_exact"] == "1/3"
    c = b.by_claim.set_index("id").loc["001"]
    # differences gain - ceiling: 5/2, -1/2, 3/2 -> mean 7/6, sd sqrt(7/3)
    assert c["excess"] == pytest.approx(7 / 6)
    assert c["se"] == pytest.approx((7 / 3) ** 0.5 / 3 ** 0.5)
    assert c["t"] == pytest.approx((7 / 6) / ((7 / 3) ** 0.5 / 3 ** 0.5))
    assert 0 < c["p_value"] < 0.5
    assert c["signed_shift"] == pytest.approx(5 / 18)                # (3 + 0 + 2)/6/3
    assert c["claim_ceiling"] == pytest.approx(5 / 6)                # μ0 = 7/18
    assert bool(c["exceeds_ceiling"])
    cs = b.by_claim_source
    one = cs[(cs["id"] == "002") & (cs["source"] == "Human")].iloc[0]
    assert one["n"] == 1
    assert one["se"] != one["se"]                                    # NaN with n = 1
    assert "Human: n=2" in b.summary()


def test_absolute_loss_by_hand(anthropic):
    b = human_baselines(anthropic, loss="absolute")
    o = b.observations
    # v̂ = 7 iff r >= 4; ceiling 2(r - 1) for r <= 3, else 0
    assert list(o["achieved_gain_exact"]) == ["6", "0", "0", "0", "0"]
    assert list(o["ceiling_exact"]) == ["2", "0", "0", "0", "0"]
    src = b.by_source.set_index("source")
    assert src.loc["Human", "mean_achieved_gain_exact"] == "3"
    assert src.loc["Human", "mean_ceiling_exact"] == "1"
    assert not bool(src.loc["Claude 3 Opus", "exceeds_ceiling"])


def test_include_control(anthropic):
    b = human_baselines(anthropic, include_control=True)
    assert len(b.observations) == 6
    assert b.by_source.set_index("source").loc["Control", "mean_ceiling_exact"] == "1/2"


def test_ddo_votes():
    b = human_baselines(load_ddo(FIX / "ddo").records)
    o = b.observations
    # tea: tied->pro (4->7), con->con, tied->tied, pro->pro; god: con->pro (1->7)
    assert list(o["achieved_gain_exact"]) == ["3", "0", "0", "0", "6"]
    assert list(o["ceiling_exact"]) == ["1/2", "0", "1/2", "0", "0"]
    assert F(b.by_source.iloc[0]["mean_achieved_gain_exact"]) == F(9, 5)


def test_float_exponent_has_no_exact_columns(anthropic):
    b = human_baselines(anthropic, p=1.5)
    assert "achieved_gain_exact" not in b.observations
    assert b.p == 1.5


def test_no_ratings_and_unsupported_family(anthropic):
    b = human_baselines(load_cmv(FIX / "cmv").records)
    assert b.observations.empty
    assert b.n_without_ratings == 8
    with pytest.raises(InvalidParameterError, match="two-state"):
        human_baselines(anthropic, "normative-position")


def test_achieved_vs_ceiling_plot(anthropic):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bayespersuade.plots.ceilings import plot_achieved_vs_ceiling

    b = human_baselines(anthropic)
    fig, ax = plt.subplots()
    assert plot_achieved_vs_ceiling(b, ax=ax) is ax
    pts = sorted(map(tuple, np.concatenate([c.get_offsets() for c in ax.collections])))
    expected = sorted(zip(b.by_claim_source["mean_ceiling"],
                          b.by_claim_source["mean_achieved_gain"], strict=True))
    np.testing.assert_allclose(pts, expected)
    plt.close(fig)
    with pytest.raises(InvalidParameterError):
        plot_achieved_vs_ceiling(b, level="claim")


def test_intervals_cluster_by_claim_and_leave_estimates_alone(anthropic):
    b = human_baselines(anthropic, seed=3)
    src = b.by_source.set_index("source")
    h = src.loc["Human"]
    assert h["n_claims"] == 2
    # Human: one observation in each of two claims, gains 3 and 1 -> SE of two clusters
    assert h["mean_achieved_gain_se"] == pytest.approx(np.std([3, 1], ddof=1) / np.sqrt(2))
    assert h["mean_achieved_gain_ci_low"] <= h["mean_achieved_gain"] <= (
        h["mean_achieved_gain_ci_high"])
    c = src.loc["Claude 3 Opus"]
    # Claude: claim 001 has gains 0 and 2, claim 002 has 0: CR1 SE of the pooled mean
    y = {"001": [0.0, 2.0], "002": [0.0]}
    mean = 2 / 3
    meat = sum(sum(v - mean for v in g) ** 2 for g in y.values())
    assert c["mean_achieved_gain_se"] == pytest.approx(np.sqrt(2 * meat) / 3)
    t = b.summary_table()
    assert set(t.columns) >= {"estimate", "se", "ci_low", "ci_high", "n_instances",
                              "n_dialogues", "method"}
    row = t[(t["group"] == "pooled") & (t["statistic"] == "signed_shift")].iloc[0]
    assert row["estimate"] == pytest.approx(b.observations["mu_final"].sub(
        b.observations["mu_initial"]).mean())
    assert "seed 3" in row["method"]
    bc = b.bayes_consistency()
    assert set(bc) == {"Human", "Claude 3 Opus", "pooled"}
    assert bc["Human"]["signed_shift"]["estimate"] == pytest.approx(src.loc["Human",
                                                                            "signed_shift"])
    assert "claims above the ceiling" in b.summary() and "groups above" not in b.summary()


def test_controls_are_reported_apart(anthropic):
    b = human_baselines(anthropic)
    assert b.controls_by_source is not None
    assert b.controls_by_source["n"].sum() == b.n_control_excluded == 1
    assert "control (Control)" in b.summary()
    # a claim listed as a control leaves every one of its observations out of the headline
    b2 = human_baselines(anthropic, controls=["002"])
    assert set(b2.observations["id"]) == {"001"}
    assert b2.n_control_excluded == 1 + 2


def test_control_column_of_a_claims_file():
    from bayespersuade.datasets import ClaimRecord
    from bayespersuade.datasets import RatingObservation as O

    recs = [ClaimRecord("claims", "t", "A triangle has three sides.", metadata={"control": "1"},
                        observations=(O(initial=6, final=7, source="H"),)),
            ClaimRecord("claims", "o", "Tea beats coffee.", metadata={"control": "no"},
                        observations=(O(initial=3, final=5, source="H"),))]
    b = human_baselines(recs)
    assert list(b.observations["id"]) == ["o"] and b.n_control_excluded == 1
    bad = [ClaimRecord("claims", "x", "X.", metadata={"control": "maybe"},
                       observations=(O(initial=3, final=5, source="H"),))]
    with pytest.raises(InvalidParameterError, match="claims/x: a control flag"):
        human_baselines(bad)
def test_to_frame_keeps_exact_columns_as_fractions(anthropic):
    b = human_baselines(anthropic)
    df = b.to_frame()
    assert len(df) == len(b.observations) == 5
    assert df["ceiling_exact"].tolist() == [F(1, 2), F(1, 2), F(1, 2), F(0), F(0)]
    assert all(type(x) is F for x in df["achieved_gain_exact"])
    assert [float(x) for x in df["achieved_gain_exact"]] == df["achieved_gain"].tolist()
    assert b.observations["ceiling_exact"].iloc[0] == "1/2"   # the stored table is unchanged
