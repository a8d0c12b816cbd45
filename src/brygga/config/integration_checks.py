"""The integrations of `brygga.yaml`: a known pair on connections of its systems, and flows
that can run as asked, with settings, value maps and schedules checked as the engine and the
runtime check them."""

from __future__ import annotations

import difflib

from brygga.config.loading import Document, Path, Problem
from brygga.config.names import duplicates, unknown
from brygga.config.schema import ConnectionSpec, FlowSpec, IntegrationSpec
from brygga.connectors import registry
from brygga.engine import flow_settings, value_maps
from brygga.pairs import ENTITIES, PAIRS
from brygga.runtime import schedules


def integration_problems(
    document: Document,
    integrations: dict[int, IntegrationSpec],
    connections: dict[int, ConnectionSpec],
) -> list[Problem]:
    problems = duplicates(document, "integrations", integrations)
    systems = {connection.name: connection.system for connection in connections.values()}
    declared = _declared_names(document)
    for index, integration in integrations.items():
        at: Path = ("integrations", index)
        template = PAIRS.get(integration.pair)
        if template is None:
            message = unknown(f"pair {integration.pair!r}", integration.pair, PAIRS)
            problems.append(document.problem((*at, "pair"), message))
        for side in ("shop", "erp"):
            name = getattr(integration, side)
            expected = getattr(template, side) if template else systems.get(name)
            if name not in declared:
                message = unknown(f"connection {name!r}", name, declared) + (
                    "; declare it under `connections:` (with `existing: true` if it was "
                    "connected in the setup wizard)"
                )
                problems.append(document.problem((*at, side), message))
            elif systems.get(name, expected) != expected:
                message = (
                    f"{integration.pair} needs a {expected} connection as {side}; "
                    f"{name} is a {systems[name]} connection"
                )
                problems.append(document.problem((*at, side), message))
        for flow, choice in integration.flows.items() if template else ():
            path = (*at, "flows", flow)
            if flow not in {f.name for f in template.flows}:
                message = unknown(f"flow {flow!r}", flow, (f.name for f in template.flows))
                problems.append(document.problem(path, message, key=True))
                continue
            problems += _flow_problems(document, path, integration.pair, flow, choice)
    return problems


def _declared_names(document: Document) -> list[str]:
    """Names of the file's connections, of the right shape or not (a connection with another
    mistake is reported once, not again by each integration that names it)."""
    items = document.data.get("connections") if isinstance(document.data, dict) else None
    names = [
        item["name"]
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    ]
    return list(dict.fromkeys(names))


def _flow_problems(
    document: Document, path: Path, pair: str, flow: str, choice: FlowSpec
) -> list[Problem]:
    template, entity = PAIRS[pair], ENTITIES[flow]
    problems = []
    if choice.reversed:
        source, target = template.systems(template.flow(flow), reversed=True)
        why = (
            f"Brygga cannot read {flow} from {source}"
            if not registry.can_read(source, entity)
            else f"Brygga cannot write {flow} to {target}"
            if not registry.can_write(target, entity)
            else None
        )
        if why:
            message = f"{flow} cannot run reversed ({why}); remove `reversed: true`"
            problems.append(document.problem((*path, "reversed"), message))
    for name, value in choice.settings.items():
        at = (*path, "settings", name)
        if name in (value_maps.SETTING, "schedule"):
            message = f"write {name} beside `settings`, as `flows.{flow}.{name}`, not in them"
            problems.append(document.problem(at, message, key=True))
            continue
        try:
            flow_settings.checked(pair, flow, {name: value})
        except flow_settings.SettingsError as error:
            if flow_settings.kind_of(pair, flow, name) is not None:
                problems.append(document.problem(at, str(error)))
                continue
            names = [*flow_settings.defaults(pair, flow), *flow_settings.DOCUMENTED]
            problems.append(document.problem(at, _guessed(name, names) + str(error), key=True))
    for field_path, table in choice.value_maps.items():
        try:
            value_maps.checked(entity, {field_path: table})
        except value_maps.ValueMapError as error:
            fields = value_maps.text_paths(value_maps.MODELS[entity])
            guess = _guessed(field_path, fields) if field_path not in fields else ""
            at = (*path, "value_maps", field_path)
            problems.append(document.problem(at, guess + str(error), key=True))
    if choice.schedule is not None:
        try:
            schedules.parse(choice.schedule, flow)
        except schedules.ScheduleError as error:
            problems.append(document.problem((*path, "schedule"), str(error), key=True))
    return problems


def _guessed(name: str, known: list[str]) -> str:
    """'did you mean …? ' before the engine's own message, where a known name is close."""
    close = difflib.get_close_matches(str(name), known, n=1)
    return f"did you mean {close[0]!r}? " if close else ""
