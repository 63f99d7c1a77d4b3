"""Ceiling tables: hand-computed rows, batch vs one LP per instance, exact columns."""

from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayespersuade.ceilings import (
    AVERAGE_LABEL,
    base_game,
    ceiling_table,
    summarize_ceilings,
    write_ceilings,
)
from bayespersuade.datasets import load_anthropic, load_cmv, load_embedded, load_perspectrum
from bayespersuade.exceptions import InvalidParameterError

FIX = Path(__file__).parent / "fixtures" / "datasets"


@pytest.fixture(scope="module")
def persp():
    return load_perspectrum(FIX / "perspectrum").records      # claims 10, 11, 16


@pytest.fixture(scope="module")
def sample():
    recs = load_embedded(split="all").records
    return recs[::23]                                         # 40 real claims


def test_evidence_stance_rows_by_hand(persp):
    t = ceiling_table(persp, "evidence-stance", exact=True)
    assert list(t["id"]) == ["10", "11"]
    assert t.attrs["skipped"] == [("16", "record '16' has no prior for the evidence-stance "
                                   "family (evidence: the record has no evidence; user: the "
                                   "record gives no user prior (prior))")]
    r10, r11 = t.iloc[0], t.iloc[1]
    # claim 10: μ0 = 4/7; v̂ = round(1 + 24/7) = 4; V = 3/2 + 24/7 = 69/14
    assert (r10["prior"], r10["vhat_exact"], r10["V_exact"], r10["ceiling_exact"]) == (
        "4/7", "4", "69/14", "13/14")
    assert r10["ceiling"] == pytest.approx(13 / 14, abs=1e-12)
    # split μ0 = 4/7 between 1/12 (answer 2) and 11/12 (answer 7): weight of 11/12 is 41/70
    assert r10["n_signals"] == 2
    assert r10["actions"] == "2;7"
    w = [float(x) for x in r10["signal_probabilities"].split(";")]
    assert w == pytest.approx([29 / 70, 41 / 70], abs=1e-12)
    post = [float(x) for x in r10["posteriors"].split(";")]
    assert post == pytest.approx([1 / 12, 11 / 12], abs=1e-12)
    # claim 11: μ0 = 1/2: v̂ = 4, V = 9/2
    assert (r11["prior"], r11["ceiling_exact"]) == ("1/2", "1/2")
    assert r11["prior_origin"] == "evidence"


def test_absolute_loss_and_label_weighting_by_hand(persp):
    t = ceiling_table(persp, "evidence-stance", loss="absolute", weighting="labels",
                      exact=True)
    # both claims have 1 SUPPORT cluster of 3: μ0 = 1/3; v̂ = 1; V = 1 + 12/3 = 5
    assert list(t["prior"]) == ["1/3", "1/3"]
    assert list(t["ceiling_exact"]) == ["4", "4"]
    assert list(t["actions"]) == ["1;7", "1;7"]
    assert t.attrs["p"] == 1


def test_anthropic_histogram_rows_by_hand():
    recs = load_anthropic(FIX / "anthropic" / "persuasion_data.csv").records
    t = ceiling_table(recs, "binary-truth", exact=True)
    # claim 001: initial 2, 4, 4 -> μ0 = 7/18; v̂ = round(10/3) = 3; V = 3/2 + 7/3 = 23/6
    row = t.set_index("id").loc["001"]
    assert (row["prior"], row["vhat_exact"], row["V_exact"], row["ceiling_exact"]) == (
        "7/18", "3", "23/6", "5/6")
    assert row["prior_origin"] == "histogram"
    # normative-position: prior (0, 1/3, 0, 2/3, 0, 0, 0)
    tn = ceiling_table(recs, "normative-position", exact=True)
    assert tn.set_index("id").loc["001", "prior"] == "[0, 1/3, 0, 2/3, 0, 0, 0]"


def test_override_prior_for_datasets_without_one():
    recs = load_cmv(FIX / "cmv").records
    t = ceiling_table(recs, "binary-truth")
    assert len(t) == 0
    assert len(t.attrs["skipped"]) == len(recs) == 4
    t = ceiling_table(recs, "binary-truth", prior="1/2", exact=True)
    assert len(t) == 4
    assert set(t["ceiling_exact"]) == {"1/2"}
    assert set(t["prior_origin"]) == {"user"}


@pytest.mark.parametrize("family", ["binary-truth", "evidence-stance", "normative-position"])
@pytest.mark.parametrize("loss", ["quadratic", "absolute"])
def test_batch_agrees_with_one_lp_per_instance(sample, family, loss):
    batch = ceiling_table(sample, family, loss=loss)
    lp = ceiling_table(sample, family, loss=loss, method="lp")
    assert lp.attrs["method"] == "lp per instance"
    assert batch.attrs["method"] in ("two-state envelope", "upper hull")
    for col in ("vhat", "V", "ceiling", "full_disclosure"):
        np.testing.assert_allclose(batch[col], lp[col], atol=1e-7, err_msg=col)
    assert (batch["ceiling"] >= -1e-12).all()


def test_batch_matches_concavification_per_prior(sample):
    game = base_game("normative-position")
    t = ceiling_table(sample[:8], "normative-position")
    for row in t.to_dict("records"):
        prior = [row[f"prior[{k}]"] for k in range(1, 8)]
        sol = game.with_prior(prior).solve(method="concavification")
        assert sol.value == pytest.approx(row["V"], abs=1e-7)
        assert sol.no_disclosure_value == pytest.approx(row["vhat"], abs=1e-9)


def test_exact_normative_columns(sample):
    t = ceiling_table(sample[:5], "normative-position", exact=True)
    for row in t.itertuples():
        assert float(F(row.V_exact)) == pytest.approx(row.V, abs=1e-9)
        assert F(row.ceiling_exact) == F(row.V_exact) - F(row.vhat_exact)


def test_float_priors_have_no_exact_columns():
    recs = load_cmv(FIX / "cmv").records
    t = ceiling_table(recs, "binary-truth", prior=0.3, exact=True)
    assert t["V_exact"].isna().all()
    assert t["V"].iloc[0] == pytest.approx(1.5 + 1.8)


def test_scheme_is_bayes_plausible(sample):
    t = ceiling_table(sample, "evidence-stance")
    for row in t.to_dict("records"):
        w = np.array([float(x) for x in row["signal_probabilities"].split(";")])
        post = np.array([float(x) for x in row["posteriors"].split(";")])
        assert w.sum() == pytest.approx(1)
        assert w @ post == pytest.approx(row["prior[support]"])
        assert row["n_signals"] == len(w)


def test_summary_and_unweighted_average(persp):
    a = ceiling_table(persp, "evidence-stance", exact=True)
    recs = load_anthropic(FIX / "anthropic" / "persuasion_data.csv").records
    b = ceiling_table(recs, "evidence-stance", prior="1/2", exact=True)
    s = summarize_ceilings({"perspectrum": a, "anthropic": b})
    assert list(s["dataset"]) == ["perspectrum", "anthropic", AVERAGE_LABEL]
    pa = s.set_index("dataset")
    # perspectrum: ceilings 13/14 and 1/2 -> mean 5/7; anthropic: 1/2 for all 3 claims
    assert pa.loc["perspectrum", "mean_ceiling_exact"] == "5/7"
    assert pa.loc["anthropic", "mean_ceiling_exact"] == "1/2"
    assert pa.loc[AVERAGE_LABEL, "mean_ceiling_exact"] == "17/28"   # (5/7 + 1/2)/2
    assert pa.loc[AVERAGE_LABEL, "mean_ceiling"] == pytest.approx(17 / 28)
    assert pa.loc["perspectrum", "n_skipped"] == 1
    assert pa.loc[AVERAGE_LABEL, "n_instances"] == 5
    assert pa.loc["perspectrum", "mean_ceiling_pct_of_scale"] == pytest.approx(5 / 7 / 7 * 100)
    assert pa.loc["perspectrum", "share_positive"] == 1.0
    one = summarize_ceilings(a)
    assert len(one) == 1


def test_csv_round_trip_keeps_full_precision(tmp_path, persp):
    t = ceiling_table(persp, "evidence-stance")
    paths = write_ceilings(t, tmp_path, "x", summarize_ceilings(t))
    back = pd.read_csv(paths["table"], dtype={"id": str})
    assert (back["ceiling"].to_numpy() == t["ceiling"].to_numpy()).all()
    skipped = pd.read_csv(paths["skipped"], dtype={"id": str})
    assert list(skipped["id"]) == ["16"]
    assert paths["summary"].exists()


def test_bad_method(persp):
    with pytest.raises(InvalidParameterError):
        ceiling_table(persp, "evidence-stance", method="simplex")
