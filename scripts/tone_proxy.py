#!/usr/bin/env python3
"""Sentence tone on news sentences, measured against NewsMTSC as a proxy.

NewsMTSC rates sentiment toward named people, not sentence tone; the mean of a sentence's
target polarities (-1 negative, 0 neutral, +1 positive) is still a rough gold for the tone of
political news sentences, and thousands of them make differences between lexicon versions
visible that the 250 SemEval trial headlines do not. Prints Pearson r of document compound
against that mean for each file.

    python3 scripts/tone_proxy.py target/release/parleywire [--config-dir DIR] \
        ../shared/data/train/newsmtsc_rw_train.jsonl ../shared/data/train/newsmtsc_rw_dev.jsonl

Standard library only. The data is read in place and never copied into the repository.
"""
import json
import math
import subprocess
import sys


def pearson(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy) if sxx and syy else 0.0


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    binary, rest = args[0], args[1:]
    extra = []
    if rest[:1] == ["--config-dir"]:
        extra, rest = rest[:2], rest[2:]
    for path in rest:
        gold, lines = [], []
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f):
                item = json.loads(line)
                pols = [(t["polarity"] - 4.0) / 2.0 for t in item["targets"]]
                gold.append(sum(pols) / len(pols))
                lines.append(json.dumps({"id": str(i), "body": item["sentence_normalized"]}))
        out = subprocess.run(
            [binary, "enrich", *extra],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        pred = [json.loads(l)["sentiment"]["compound"] for l in out]
        print(f"{path}: {len(pred)} sentences, Pearson r {pearson(pred, gold):.3f}")


if __name__ == "__main__":
    main()
