#!/usr/bin/env bash
# The main job on the embedded default data, on a fresh machine:
#   1. solve the prosecutor example of Kamenica & Gentzkow (2011) exactly;
#   2. the persuasion-gain ceiling of every bundled PERSPECTRUM claim (907), with
#      tables and plots;
#   3. a short end-to-end LLM evaluation: SmolLM2-135M-Instruct as sender and as
#      receiver on the embedded PERSPECTRUM test claims, with a report.
# Everything is written under results/ (override with OUT=...).
EXTRAS="llm"
# shellcheck source=scripts/_env.sh
. "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
OUT="${OUT:-results}"
mkdir -p "$OUT"

echo
echo "== 1. The prosecutor example, solved exactly"
bayespersuade solve prosecutor --exact --json "$OUT/prosecutor_solution.json" \
  --plot "$OUT/prosecutor.png"

echo
echo "== 2. Persuasion-gain ceilings of the bundled PERSPECTRUM claims"
bayespersuade ceilings --dataset perspectrum --out "$OUT/ceilings"

echo
echo "== 3. SmolLM2 persuading SmolLM2 (static protocol, 2 claims; resumable)"
# --prefill starts the sender's reply with <argument> (and the receiver's with
# <thinking>): without it this 135M model rarely writes the tags, and every
# answer would be recorded (and counted) as unparsable. One thread: faster on a
# shared 2-core machine.
bayespersuade evaluate --dataset perspectrum --split test --sender smollm2 --receiver smollm2 \
  --protocol static --samples 1 --limit 2 --seed 0 --prefill --threads 1 \
  --sender-max-new-tokens 96 --receiver-max-new-tokens 64 --out "$OUT/evaluate"

echo
echo "Done. Results are in $OUT/"
