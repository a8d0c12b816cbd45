"""One package per system; each speaks its API and maps to and from `brygga.model`."""
