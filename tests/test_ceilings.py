"""Ceiling tables: hand-computed rows, batch vs one LP per instance, exact columns."""

from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayespersuade.datasets import load_anthropic, load_cmv, load_embedded, load_perspectrum
from bayespersuade.exceptions import InvalidParameterError
from bayespersuade.instances.ceilings import (
    AVERAGE_LABEL,
    base_game,
    ceiling_table,
    summarize_ceilings,
    write_ceilings,
)

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
        "4/7", F(4), F(69, 14), F(13, 14))
    assert r10["ceiling"] == pytest.approx(13 / 14, abs=1e-12)
    # split μ0 = 4/7 between 1/12 (answer 2) and 11/12 (answer 7): weight of 11/12 is 41/70
    assert r10["n_signals"] == 2
    assert r10["actions"] == "2;7"
    w = [float(x) for x in r10["signal_probabilities"].split(";")]
    assert w == pytest.approx([29 / 70, 41 / 70], abs=1e-12)
    post = [float(x) for x in r10["posteriors"].split(";")]
    assert post == pytest.approx([1 / 12, 11 / 12], abs=1e-12)
    # claim 11: μ0 = 1/2: v̂ = 4, V = 9/2
    assert (r11["prior"], r11["ceiling_exact"]) == ("1/2", F(1, 2))
    assert r11["prior_origin"] == "evidence"


def test_absolute_loss_and_label_weighting_by_hand(persp):
    t = ceiling_table(persp, "evidence-stance", loss="absolute", weighting="labels",
                      exact=True)
    # both claims have 1 SUPPORT cluster of 3: μ0 = 1/3; v̂ = 1; V = 1 + 12/3 = 5
    assert list(t["prior"]) == ["1/3", "1/3"]
    assert list(t["ceiling_exact"]) == [F(4), F(4)]
    assert all(type(x) is F for x in t["ceiling_exact"])
    assert list(t["actions"]) == ["1;7", "1;7"]
    assert t.attrs["p"] == 1


def test_anthropic_histogram_rows_by_hand():
    recs = load_anthropic(FIX / "anthropic" / "persuasion_data.csv").records
    t = ceiling_table(recs, "binary-truth", exact=True)
    # claim 001: initial 2, 4, 4 -> μ0 = 7/18; v̂ = round(10/3) = 3; V = 3/2 + 7/3 = 23/6
    row = t.set_index("id").loc["001"]
    assert (row["prior"], row["vhat_exact"], row["V_exact"], row["ceiling_exact"]) == (
        "7/18", F(3), F(23, 6), F(5, 6))
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
    assert set(t["ceiling_exact"]) == {F(1, 2)}
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
    assert pa.loc["perspectrum", "mean_ceiling_exact"] == F(5, 7)
    assert pa.loc["anthropic", "mean_ceiling_exact"] == F(1, 2)
    assert pa.loc[AVERAGE_LABEL, "mean_ceiling_exact"] == F(17, 28)   # (5/7 + 1/2)/2
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


# ---------------------------------------------------------------- the CLI


def _run_cli(argv, capsys):
    import argparse

    from bayespersuade.cli.ceilings import add_parser

    parser = argparse.ArgumentParser(prog="bayespersuade")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["ceilings", *argv])
    status = args.func(args)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_cli_default_job_on_the_bundled_data(tmp_path, capsys):
    status, out, _ = _run_cli(["--split", "test", "--out", str(tmp_path)], capsys)
    assert status == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "distribution_evidence-stance_p2.png", "perspectrum_evidence-stance_p2_ceilings.csv",
        "perspectrum_evidence-stance_p2_envelope.png",
        "perspectrum_evidence-stance_p2_prior_sensitivity.csv",
        "perspectrum_evidence-stance_p2_rejections.csv",
        "perspectrum_evidence-stance_p2_skipped.csv", "run.json",
        "summary_evidence-stance_p2.csv"]
    table = pd.read_csv(tmp_path / "perspectrum_evidence-stance_p2_ceilings.csv",
                        dtype={"id": str})
    expected = ceiling_table(load_embedded(split="test").records, "evidence-stance")
    assert len(table) == 227
    np.testing.assert_array_equal(table["ceiling"].to_numpy(), expected["ceiling"].to_numpy())
    summary = pd.read_csv(tmp_path / "summary_evidence-stance_p2.csv")
    assert summary["mean_ceiling"].iloc[0] == pytest.approx(expected["ceiling"].mean())
    m = expected["ceiling"].mean()
    row = summary.iloc[0]
    assert (f"{m:.4f} [{row['mean_ceiling_ci_low']:.4f}, {row['mean_ceiling_ci_high']:.4f}]"
            in out)
    assert "range (descriptive)" in out and "min_ceiling and max_ceiling are descriptive" in out
    assert row["median_ceiling_ci_low"] <= row["median_ceiling"] <= row["median_ceiling_ci_high"]
    import json

    info = json.loads((tmp_path / "run.json").read_text())
    assert info["datasets"]["perspectrum"]["records"] == 227
    assert info["family"] == "evidence-stance"


def test_cli_several_datasets_with_baselines(tmp_path, capsys):
    status, out, _ = _run_cli([
        "--dataset", "perspectrum", "anthropic", "--split", "test", "--loss", "absolute",
        "--data-file", f"anthropic={FIX / 'anthropic' / 'persuasion_data.csv'}",
        "--exact", "--no-plots", "--out", str(tmp_path)], capsys)
    assert status == 0
    summary = pd.read_csv(tmp_path / "summary_binary-truth_p1.csv")
    assert list(summary["dataset"]) == ["perspectrum", "anthropic", AVERAGE_LABEL]
    means = summary["mean_ceiling"]
    assert means.iloc[2] == pytest.approx(means.iloc[:2].mean())
    by_source = pd.read_csv(tmp_path / "anthropic_binary-truth_p1_baselines_by_source.csv")
    assert set(by_source["source"]) == {"Human", "Claude 3 Opus"}
    rej = pd.read_csv(tmp_path / "anthropic_binary-truth_p1_rejections.csv")
    assert list(rej["row"]) == [7, 8, 9, 10, 11]
    assert "human baselines" in out
    assert not any(p.suffix == ".png" for p in tmp_path.iterdir())


def test_cli_errors(tmp_path, capsys):
    status, _, err = _run_cli(["--dataset", "cmv", "--out", str(tmp_path)], capsys)
    assert status == 2
    assert "--data-file cmv=PATH" in err
    status, _, err = _run_cli(["--dataset", "cmv", "--data-file", str(FIX / "cmv"),
                               "--no-plots", "--out", str(tmp_path)], capsys)
    assert status == 1
    assert "--prior" in err
    status, _, _ = _run_cli(["--dataset", "cmv", "--data-file", str(FIX / "cmv"), "--prior",
                             "1/3", "--no-plots", "--out", str(tmp_path)], capsys)
    assert status == 0
    t = pd.read_csv(tmp_path / "cmv_binary-truth_p2_ceilings.csv")
    assert list(t["prior"]) == ["1/3"] * 4
    status, _, err = _run_cli(["--dataset", "anthropic", "--data-file",
                               str(FIX / "anthropic" / "persuasion_data.csv"), "--strict",
                               "--out", str(tmp_path)], capsys)
    assert status == 1
    assert "row 7" in err
    status, _, err = _run_cli(["--prior", "1/2,1/2", "--out", str(tmp_path)], capsys)
    assert status == 2
    status, _, err = _run_cli(["--p", "0.5", "--out", str(tmp_path)], capsys)
    assert status == 2


# ---------------------------------------------------------------- plots


def test_plots(persp, sample):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bayespersuade.plots.ceilings import plot_ceiling_distribution, plot_envelope_with_priors

    a = ceiling_table(sample, "evidence-stance")
    b = ceiling_table(sample, "evidence-stance", loss="absolute")
    fig, ax = plt.subplots()
    assert plot_ceiling_distribution({"q": a, "abs": b}, ax=ax) is ax
    means = ax.collections[0].get_offsets()[:, 1]
    np.testing.assert_allclose(means, [a["ceiling"].mean(), b["ceiling"].mean()])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["q\n(n=40)", "abs\n(n=40)"]
    plt.close(fig)

    ax = plot_envelope_with_priors(a)
    env_line = next(ln for ln in ax.get_lines() if ln.get_linestyle() == "--")
    assert env_line.get_xdata().tolist() == pytest.approx([0, 1 / 12, 11 / 12, 1])
    assert env_line.get_ydata().tolist() == pytest.approx([1, 2, 7, 7])
    marks = ax.collections[1].get_offsets()
    np.testing.assert_allclose(marks[:, 0], a["prior[support]"])
    np.testing.assert_allclose(marks[:, 1], a["V"])             # priors marked on V
    plt.close(ax.figure)
    with pytest.raises(InvalidParameterError, match="two-state"):
        plot_envelope_with_priors(ceiling_table(sample[:3], "normative-position"))


def test_summary_intervals_of_the_mean_ceiling():
    import pandas as pd

    t = pd.DataFrame({"vhat": [4.0, 1.0, 3.0], "V": [4.5, 1.5, 3.0],
                      "ceiling": [0.5, 0.5, 0.0], "n_signals": [2, 2, 1],
                      "family": "binary-truth", "p": 2})
    s = summarize_ceilings({"a": t, "b": t.assign(ceiling=[1.0, 0.0, 0.5])}, seed=4)
    a = s.iloc[0]
    assert a["mean_ceiling_se"] == pytest.approx(np.std([0.5, 0.5, 0.0], ddof=1) / np.sqrt(3))
    assert a["mean_ceiling_ci_low"] <= a["mean_ceiling"] <= a["mean_ceiling_ci_high"]
    assert "seed 4" in a["ci_method"]
    assert a["mean_ceiling_pct_of_range"] == pytest.approx(a["mean_ceiling"] / 6 * 100)
    avg = s.iloc[-1]
    assert avg["mean_ceiling_se"] == pytest.approx(
        np.sqrt(a["mean_ceiling_se"] ** 2 + s.iloc[1]["mean_ceiling_se"] ** 2) / 2)
    # every mean over instances has its SE and interval, mean_n_signals included
    assert a["mean_n_signals"] == pytest.approx(5 / 3)
    assert a["mean_n_signals_se"] == pytest.approx(np.std([2, 2, 1], ddof=1) / np.sqrt(3))
    assert a["mean_n_signals_ci_low"] <= 5 / 3 <= a["mean_n_signals_ci_high"]
    assert not np.isnan(avg["share_positive_ci_low"]) and not np.isnan(avg["mean_n_signals_se"])
    # three instances are too few for a distribution-free 95% interval of the median
    assert a["median_ceiling"] == 0.5 and np.isnan(a["median_ceiling_ci_low"])
    assert "no interval" in a["median_ceiling_method"]
    # the range is descriptive, and not averaged over datasets
    assert (a["min_ceiling"], a["max_ceiling"]) == (0.0, 0.5)
    assert "descriptive" in a["range_note"]
    assert np.isnan(avg["max_ceiling"]) and np.isnan(avg["median_ceiling"])


def test_summary_median_and_upper_quantile_intervals_are_order_statistics():
    import pandas as pd

    # 40 instances with ceilings 0, 1/40, ..., 39/40 (sorted: x_(k) = (k - 1)/40)
    c = [k / 40 for k in range(40)]
    t = pd.DataFrame({"vhat": 1.0, "V": 1.0, "ceiling": c, "n_signals": 2,
                      "family": "binary-truth", "p": 2})
    row = summarize_ceilings(t).iloc[0]
    # n = 40, median at 95%: P(B <= 13) = 0.0192 <= 0.025 < P(B <= 14) = 0.0403 for
    # B ~ Binomial(40, 1/2): [x_(14), x_(27)]
    assert row["median_ceiling_ci_low"] == pytest.approx(13 / 40)
    assert row["median_ceiling_ci_high"] == pytest.approx(26 / 40)
    assert "[x_(14), x_(27)]" in row["median_ceiling_method"]
    # the 0.9-quantile: B ~ Binomial(40, 0.9); l = 32 (P(B <= 31) = 0.0155), and
    # u = 40 (P(B >= 40) = 0.0148 <= 0.025 < P(B >= 39) = 0.0805)
    assert row["q90_ceiling_ci_low"] == pytest.approx(31 / 40)
    assert row["q90_ceiling_ci_high"] == pytest.approx(39 / 40)


def test_prior_sensitivity_table_side_by_side():
    from bayespersuade.datasets import load_anthropic
    from bayespersuade.instances.ceilings import prior_sensitivity_table

    recs = load_anthropic(Path(__file__).parent / "fixtures" / "datasets" / "anthropic"
                          / "persuasion_data.csv").records
    t = prior_sensitivity_table(recs, prior="2/3").set_index("construction")
    hist = ceiling_table(recs, prior_source="histogram")
    assert t.loc["population", "estimate"] == pytest.approx(hist["ceiling"].mean())
    assert t.loc["population", "n_instances"] == len(hist)
    # score: each rater's own (r - 1)/6; interior ratings have ceiling 1/2, 1 and 7 have 0
    per_claim = [np.mean([0.0 if r in (1, 7) else 0.5 for r in rec.initial_ratings()])
                 for rec in recs]
    assert t.loc["score", "estimate"] == pytest.approx(np.mean(per_claim))
    assert t.loc["user", "estimate"] == pytest.approx(0.5)        # 2/3 = 4/6
    assert t.loc["evidence", "n_instances"] == 0 and t.loc["evidence", "reason"]
    assert "ceiling 1/2" in t.attrs["note"]
def test_exact_columns_are_fractions_written_as_p_over_q(tmp_path):
    recs = load_embedded("perspectrum", split="test").records[:5]
    t = ceiling_table(recs, "evidence-stance", exact=True)
    assert all(type(x) is F for c in ("V_exact", "vhat_exact", "ceiling_exact") for x in t[c])
    paths = write_ceilings(t, tmp_path, "demo")
    back = pd.read_csv(paths["table"], dtype=str)
    assert list(back["ceiling_exact"]) == [str(x) for x in t["ceiling_exact"]]
    assert [F(x) for x in back["V_exact"]] == list(t["V_exact"])
