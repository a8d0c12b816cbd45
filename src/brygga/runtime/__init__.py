"""Who runs the engine: `local` (the asyncio runtime of `brygga run`, the default), with the
flows' schedules, the owners of runs, the metrics, and the event feeds it follows."""
