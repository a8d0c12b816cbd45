"""The full fault campaign (issue 6): every pair's flows against sandboxes on a bad day —
10 % 5xx, dropped connections, 200 ms ± 100 ms latency, 429 storms, token expiry and a grant
revoked mid-run — with the Brygga process SIGKILLed at random moments (20 times by default)
and restarted each time. Afterwards the sandboxes' state is compared with the source. It prints
measured figures; it is not a pass/fail test (tests/e2e/test_fault_campaign.py is, bounded).

make bench-faults
.venv/bin/python bench/faults.py --orders 300 --kills 30 --seed 11
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's `tests`

from tests.support.campaign import CampaignOptions, CampaignReport, Weather, run_campaign


def figures(report: CampaignReport) -> dict[str, object]:
    ledger = report.ledger
    return {
        "records_attempted": ledger.limbo.records_attempted,
        "records_compared": ledger.expected,
        "faults_injected": dict(sorted(report.faults.items())),
        "kills": report.kills,
        "kills_with_a_create_in_flight": report.kills_mid_create,
        "brygga_runs": report.brygga_runs,
        "reconnects": report.reconnects,
        "duplicates": report.duplicates,
        "lost": report.lost,
        "amounts_differing": ledger.total("wrong_amounts"),
        "pending_cross_references": len(ledger.limbo.pending),
        "open_errors_not_parked": len(ledger.limbo.unparked),
        "parked_with_reason": dict(ledger.limbo.parked),
        "429_answered": report.faults.get("storm", 0),
        "429_seen_by_completed_runs": report.throttled_seen,
        "wall_seconds": round(report.wall_seconds, 1),
    }


def print_table(found: dict[str, object], problems: dict[str, list[str]]) -> None:
    width = max(len(key) for key in found)
    for key, value in found.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
        elif isinstance(value, list):
            value = f"{len(value)}" + (f" ({'; '.join(value)})" if value else "")
        print(f"{key.replace('_', ' '):<{width}}  {value}")
    for where, items in problems.items():
        print(f"PROBLEM {where}: {'; '.join(items[:20])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--orders", type=int, default=200, help="each shop starts with")
    parser.add_argument("--new-orders", type=int, default=20, help="per shop and later round")
    parser.add_argument("--rounds", type=int, default=2, help="merchant days")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs of Brygga")
    parser.add_argument("--error-rate", type=float, default=0.10)
    parser.add_argument("--drop-rate", type=float, default=0.02)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--jitter-ms", type=int, default=100)
    parser.add_argument("--workdir", type=Path, help="keep the sandboxes and database here")
    options = parser.parse_args()
    campaign = CampaignOptions(
        seed=options.seed,
        orders=options.orders,
        new_orders=options.new_orders,
        rounds=options.rounds,
        kills=options.kills,
        weather=Weather(
            error_rate=options.error_rate,
            drop_rate=options.drop_rate,
            latency_ms=options.latency_ms,
            latency_jitter_ms=options.jitter_ms,
        ),
    )
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:7.1f} s] {message}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="brygga-faults-") as scratch:
        report = run_campaign(options.workdir or Path(scratch), campaign, log)
    found = figures(report)
    print_table(found, report.ledger.problems())
    print(json.dumps(found | {"problems": report.ledger.problems()}))


if __name__ == "__main__":
    main()
