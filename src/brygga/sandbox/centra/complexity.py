"""Query cost, as reported in `extensions.complexity` and charged to QUERY_COMPLEXITY.

Centra does not publish its formula; like it (fact sheet §2) this model makes nested lists
drive the cost: 1 per selected field, and a paged list field multiplies what it selects by its
`limit`. It reads the parsed, validated document only.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.utilities import get_operation_ast

from brygga.sandbox.centra.queries import DEFAULT_LIMIT, MAX_LIMIT


def complexity(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any],
) -> int:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    fragments = {
        node.name.value: node
        for node in document.definitions
        if isinstance(node, FragmentDefinitionNode)
    }
    root = schema.get_root_type(operation.operation)
    return _Cost(schema, fragments, variables).of(root, operation.selection_set)


def mutation_count(document: DocumentNode, operation_name: str | None) -> int:
    """Each mutation field in a request counts against MUTATION_COUNT (§2)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation != OperationType.MUTATION:
        return 0
    return len(operation.selection_set.selections)


class _Cost:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def of(self, parent: GraphQLNamedType | None, selection_set: SelectionSetNode) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(parent, selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.of(target, selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self.of(target, fragment.selection_set)
        return total

    def _field(self, parent: GraphQLNamedType | None, node: FieldNode) -> int:
        # Meta fields (`__typename`, introspection) are not in the type's field map.
        definition: GraphQLField | None = getattr(parent, "fields", {}).get(node.name.value)
        if node.selection_set is None:
            return 1
        child = get_named_type(definition.type) if definition else None
        return 1 + self.of(child, node.selection_set) * self._limit(definition, node)

    def _limit(self, definition: GraphQLField | None, node: FieldNode) -> int:
        if definition is None or "limit" not in definition.args:
            return 1
        for argument in node.arguments or ():
            if argument.name.value != "limit":
                continue
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            if isinstance(value, int):
                # Out-of-range limits are refused by the resolver; charge them as the nearest.
                return min(max(value, 1), MAX_LIMIT)
        return DEFAULT_LIMIT
