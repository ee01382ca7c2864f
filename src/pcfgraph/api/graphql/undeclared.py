"""Variables a request sends that no operation of its document declares: run without, as the
GraphQL spec says (its CoerceVariableValues reads the declared ones only; graphql-js and
graphql-core do the same, and GraphiQL sends every variable of its editor whichever operation
runs), but said in the answer's ``extensions.warnings``. Nothing read them before, and
nothing said so: ``framwork`` sent for an operation declaring ``$framework: ID`` answered the
elements of every framework as if they had been asked for.

A variable another operation of the same document declares is that operation's (GraphiQL's
editor), not warned about.
"""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

#: ``extensions.warnings[].code`` of the warning.
CODE = "undeclared-variables"


def _declared(operation: OperationDefinitionNode) -> list[str]:
    return [d.variable.name.value for d in operation.variable_definitions or ()]


def undeclared_warning(
    document: DocumentNode, operation_name: str | None, variables: dict[str, Any]
) -> dict[str, Any] | None:
    """The warning about ``variables`` no operation of ``document`` declares, or None."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    declared = {name for operation in operations for name in _declared(operation)}
    extra = sorted(name for name in variables if name not in declared)
    if not extra:
        return None
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name is not None and o.name.value == operation_name)
    ]
    what = ""
    if len(chosen) == 1:
        own = _declared(chosen[0])
        name = f"operation {chosen[0].name.value}" if chosen[0].name else "the operation"
        what = (
            f" ({name} declares {', '.join('$' + v for v in own)})"
            if own
            else f" ({name} declares no variables)"
        )
    sent = ", ".join("$" + v for v in extra)
    said = (
        f"variables {sent} were sent, but no operation of the document declares them, so "
        "nothing read them"
        if len(extra) > 1
        else f"variable {sent} was sent, but no operation of the document declares it, so "
        "nothing read it"
    )
    return {"code": CODE, "message": said + what, "variables": extra}


class UndeclaredVariables(SchemaExtension):
    """Adds the warning of :func:`undeclared_warning` to an executed request's answer."""

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context
        document = context.graphql_document
        warnings: list[dict[str, Any]] = []
        if document is not None and isinstance(context.variables, dict) and context.variables:
            warning = undeclared_warning(document, context.operation_name, context.variables)
            if warning is not None:
                warnings.append(warning)
        # and those resolvers said (GraphQLContext.warnings: mappings asked the other way round)
        warnings.extend(getattr(context.context, "warnings", None) or ())
        return {"warnings": warnings} if warnings else {}
