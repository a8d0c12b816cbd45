"""The Brygga process of the fault campaign: every pair's integration synced once, side by side,
as `brygga run` would. The campaign SIGKILLs it at random moments and starts it again.

    python -m tests.support.campaign.child --home H --flows customers,orders NAME...

Prints one JSON line (per integration: flows that stopped early, requests per system) and exits
0 when every flow of every integration ran to its end, 1 when one stopped early.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from brygga.engine.integrations import SyncReport, sync
from brygga.store import Database, SecretBox


async def sync_all(home: Path, names: list[str], flows: list[str] | None) -> dict[str, SyncReport]:
    db = Database(f"sqlite:///{home / 'brygga.db'}")
    box = SecretBox.from_environment(home)
    try:
        reports = await asyncio.gather(*(sync(db, box, name, flows=flows) for name in names))
    finally:
        db.dispose()
    return dict(zip(names, reports, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--flows", help="comma-separated; default: every enabled flow")
    parser.add_argument("names", nargs="+", help="integrations to sync")
    options = parser.parse_args(argv)
    flows = options.flows.split(",") if options.flows else None
    reports = asyncio.run(sync_all(options.home, options.names, flows))
    summary = {
        name: {
            "errors": report.errors,
            "requests": {system: stats.counts() for system, stats in report.requests.items()},
        }
        for name, report in reports.items()
    }
    print(json.dumps(summary))
    return 0 if all(report.ok for report in reports.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
