"""`brygga dedupe evaluate`: the customer matcher measured on a merchant's own labelled pairs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

dedupe_app = typer.Typer(no_args_is_help=True, help="Customer de-duplication (docs/dedupe.md).")


@dedupe_app.command("evaluate")
def evaluate(
    path: Path = typer.Argument(
        ..., help='JSON lines {"a": {customer}, "b": {customer}, "same": true|false}; - for stdin'
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the figures as JSON"),
    link_score: float | None = typer.Option(
        None, help="Test another dedupe_link_score (the customers flow's setting)"
    ),
    review_score: float | None = typer.Option(None, help="Test another dedupe_review_score"),
) -> None:
    """How often the matcher would link each pair automatically, right and wrong: precision,
    recall and the four counts ("positive" means linked automatically)."""
    from brygga.engine.dedupe import LINK_SETTING, REVIEW_SETTING, Policy
    from brygga.engine.dedupe.evaluation import PairsError, evaluate, read_pairs

    settings = {LINK_SETTING: link_score, REVIEW_SETTING: review_score}
    try:
        policy = Policy.of({name: value for name, value in settings.items() if value is not None})
        if str(path) == "-":
            pairs = read_pairs(sys.stdin)
        else:
            with path.open(encoding="utf-8") as lines:
                pairs = read_pairs(lines)
    except (OSError, ValueError) as exc:  # PairsError is a ValueError, as are bad thresholds
        what = f"{path}:\n" if isinstance(exc, PairsError) else ""
        print(f"brygga dedupe evaluate: {what}{exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    confusion = evaluate(((p.a, p.b, p.same) for p in pairs), policy)
    figures = confusion.as_dict()
    if json_output:
        print(json.dumps(figures))
        return
    print(f"{figures['pairs']} pairs: precision {figures['precision']}, recall {figures['recall']}")
    print(
        f"linked rightly {confusion.true_positive}, wrongly {confusion.false_positive}; "
        f"missed {confusion.false_negative}; kept apart rightly {confusion.true_negative}"
    )
