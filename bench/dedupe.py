"""Customer de-duplication on the labelled pairs (brygga.sandbox.dedupe_pairs): would the matcher
link each shop customer to the ERP customer automatically, and should it have?

Generates the set (`--size`, `--seed`; the same seed gives the same pairs), optionally writes it
as JSON lines (`--write`), and evaluates it with the matcher's default policy
(brygga.engine.dedupe.evaluation). Prints precision and recall against their targets, the four
confusion counts, and per variation of the positives and per kind of negative the pairs, how
many were linked and how many of them the matcher got wrong (a positive not linked, a negative
linked); a pair with two variations counts under both. `--json` prints the same as JSON. Exit
code 1 when precision or recall misses its target.

make bench-dedupe
.venv/bin/python bench/dedupe.py --size 20000 --seed 3 --write pairs.jsonl --json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from typing import Any, Protocol

from brygga.engine.dedupe import would_link
from brygga.engine.dedupe.evaluation import evaluate
from brygga.sandbox.dedupe_pairs import LabelledPair, labelled_pairs, write_jsonl

TARGETS = {"precision": 0.995, "recall": 0.95}


class Confusion(Protocol):  # what brygga.engine.dedupe.evaluation.evaluate returns
    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int
    precision: float
    recall: float


def by_kind(pairs: list[LabelledPair]) -> dict[str, dict[str, dict[str, int]]]:
    """Per part of the kinds ("other_email+abbreviation" counts under both), apart for the
    positives ("same") and negatives ("different"): pairs, linked, wrong."""
    table: dict[str, dict[str, dict[str, int]]] = {"same": {}, "different": {}}
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"pairs": 0, "linked": 0, "wrong": 0}
    )
    for pair in pairs:
        linked = would_link(pair.a, pair.b)
        side = "same" if pair.same else "different"
        for part in (pair.kind or "(none)").split("+"):
            row = counts[side, part]
            row["pairs"] += 1
            row["linked"] += linked
            row["wrong"] += linked != pair.same
    for (side, part), row in sorted(counts.items()):
        table[side][part] = row
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000, help="pairs to generate (5000)")
    parser.add_argument("--seed", type=int, default=7, help="the set's seed (7)")
    parser.add_argument("--write", metavar="FILE", help="also write the pairs here as JSON lines")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    arguments = parser.parse_args()

    started = time.perf_counter()
    pairs = labelled_pairs(arguments.seed, arguments.size)
    generated = time.perf_counter() - started
    if arguments.write:
        write_jsonl(pairs, arguments.write)
    started = time.perf_counter()
    confusion = evaluate((pair.a, pair.b, pair.same) for pair in pairs)
    evaluated = time.perf_counter() - started
    results: dict[str, Any] = {
        "seed": arguments.seed,
        "pairs": len(pairs),
        "targets": TARGETS,
        "confusion": confusion.as_dict(),
        "kinds": by_kind(pairs),
        "seconds": {"generating": round(generated, 2), "evaluating": round(evaluated, 2)},
    }
    met = confusion.precision >= TARGETS["precision"] and confusion.recall >= TARGETS["recall"]
    if arguments.json:
        print(json.dumps(results | {"met": met}, indent=2, ensure_ascii=False))
    else:
        report(results, confusion)
    sys.exit(0 if met else 1)


def report(results: dict[str, Any], confusion: Confusion) -> None:
    same = confusion.true_positive + confusion.false_negative
    print(f"dedupe: {results['pairs']} labelled pairs (seed {results['seed']}), {same} of one "
          f"customer; generated in {results['seconds']['generating']} s, evaluated in "
          f"{results['seconds']['evaluating']} s")  # fmt: skip
    for name, target in TARGETS.items():
        value = getattr(confusion, name)
        verdict = "met" if value >= target else "MISSED"
        print(f"  {name:9} {value:.4f}  (target ≥ {target}: {verdict})")
    print(f"  true positives {confusion.true_positive}, false positives "
          f"{confusion.false_positive}, false negatives {confusion.false_negative}, "
          f"true negatives {confusion.true_negative}")  # fmt: skip
    titles = {"same": "one customer, by variation", "different": "two customers, by kind"}
    for side, title in titles.items():
        rows = results["kinds"][side]
        width = max([len(title), *map(len, rows)])
        print(f"\n  {title:{width}}  {'pairs':>6}  {'linked':>6}  {'wrong':>6}")
        for part, row in rows.items():
            print(f"  {part:{width}}  {row['pairs']:6}  {row['linked']:6}  {row['wrong']:6}")


if __name__ == "__main__":
    main()
