"""`brygga dedupe evaluate FILE --json` as a merchant runs it: the documented line format in,
the documented figures out; a bad file is named line by line and nothing is evaluated."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from brygga.sandbox.dedupe_pairs import labelled_pairs, write_jsonl


def evaluate(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "brygga", "dedupe", "evaluate", *args]
    return subprocess.run(command, capture_output=True, text=True, input=stdin, timeout=120)


def test_a_labelled_file_gives_precision_recall_and_the_four_counts(tmp_path: Path):
    pairs = labelled_pairs(seed=5, size=400)
    path = tmp_path / "pairs.jsonl"
    write_jsonl(pairs, path)
    done = evaluate(str(path), "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert list(figures) == ["pairs", "precision", "recall", "true_positive", "false_positive",
                             "false_negative", "true_negative"]  # fmt: skip
    same = sum(pair.same for pair in pairs)
    assert figures["pairs"] == len(pairs)
    assert figures["true_positive"] + figures["false_negative"] == same
    assert figures["false_positive"] + figures["true_negative"] == len(pairs) - same
    assert figures["precision"] >= 0.995 and figures["recall"] >= 0.95
    # Thresholds a merchant tries: linking on anything above 0.3 costs precision.
    loose = json.loads(evaluate(str(path), "--json", "--link-score", "0.3",
                                "--review-score", "0.2").stdout)  # fmt: skip
    assert loose["false_positive"] > figures["false_positive"]


def test_the_issue_line_format_read_from_stdin():
    lines = [
        {"a": {"name": "Åsa Lindqvist", "email": "asa@example.se"},
         "b": {"name": "Asa Lindqvist", "email": "ASA@example.se "}, "same": True},
        {"a": {"company": "Nordljus AB", "organisation_number": "556677-8899"},
         "b": {"company": "Nordljus Design AB", "organisation_number": "556016-0680"},
         "same": False},
    ]  # fmt: skip
    done = evaluate("-", "--json", stdin="\n".join(json.dumps(line) for line in lines))
    assert json.loads(done.stdout) == {
        "pairs": 2, "precision": 1.0, "recall": 1.0, "true_positive": 1, "false_positive": 0,
        "false_negative": 0, "true_negative": 1,
    }  # fmt: skip


def test_every_bad_line_is_named_and_nothing_is_evaluated(tmp_path: Path):
    path = tmp_path / "pairs.jsonl"
    path.write_text(
        '{"a": {"name": "A"}, "b": {"name": "B"}, "same": false}\n'
        "\n"
        '{"a": {"nmae": "A"}, "b": {}, "same": true}\n'
        '{"a": {}, "b": {}, "same": "yes"}\n'
        "not json\n"
    )
    done = evaluate(str(path), "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "line 3: a.nmae: Extra inputs are not permitted" in done.stderr
    assert "line 4: same: Input should be a valid boolean" in done.stderr
    assert "line 5: not JSON" in done.stderr
    assert "line 1" not in done.stderr
    missing = evaluate(str(tmp_path / "nowhere.jsonl"))
    assert missing.returncode == 2 and "nowhere.jsonl" in missing.stderr
