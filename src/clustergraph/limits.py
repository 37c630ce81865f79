"""Limits on what one GraphQL request may ask for, all enforced before any resolver runs (so before any Cypher).

In the order they apply:

1. tokens: parsing stops past `max_tokens` lexical tokens (Strawberry's `MaxTokensLimiter`);
2. size: a document whose fragments, spread into one another, expand to more than `max_query_cost` fields is
   refused as soon as it is parsed, so that no later check walks an exponentially large tree;
3. depth and aliases: Strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter` validation rules, their errors
   given a code and the limit;
4. introspection, refused in production (graphql-core's `NoSchemaIntrospectionCustomRule`);
5. cost: `estimate_cost` on the validated document, with the request's variables; introspection counts what it
   answers (walked over the schema, and only until past the limit).

Every refusal is a GraphQL error with `extensions.code` and, where a number is exceeded, `extensions.limit`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

import orjson
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.types import ExecutionContext

from .cypher.statements import MAX_PATH_LENGTH
from .lru import LRUCache
from .settings import Settings

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
BAD_USER_INPUT = "BAD_USER_INPUT"

ExtensionFactory = Callable[[], SchemaExtension]


# --- the cost estimate ---------------------------------------------------------------------------------------


#: GraphQL's Int: a 32-bit signed integer.
_INT_RANGE = range(-(2**31), 2**31)
#: The largest integer a JSON number carries exactly (to a JavaScript client too): larger counts are reported as it.
_JSON_SAFE_INT = 2**53


def _as_int(raw: object) -> int | None:
    """An integer as GraphQL's Int coerces it (5.0 is 5), else None (the variable's coercion then refuses it)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int) and raw in _INT_RANGE:
        return raw
    return None


_ABSENT = object()

#: How many items a list without a page (no `first`, no `ids`) can hold, where the schema bounds it; every other
#: such list (a city's industries, the lists of `stats`) counts as a full page of `max_page_size`.
LIST_BOUNDS: dict[tuple[str, str], int] = {
    ("Path", "nodes"): MAX_PATH_LENGTH + 1,
    ("Path", "relationships"): MAX_PATH_LENGTH,
}


class CostOverLimit(Exception):
    """The estimate stopped once past the limit: `counted` is what it had counted so far (already over it)."""

    def __init__(self, counted: int) -> None:
        super().__init__(counted)
        self.counted = counted


class _IntrospectionInfo:
    """What graphql-core's introspection resolvers read of their `info` argument: the schema."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema


class _Walker:
    """Sums the cost of selection sets, expanding fragments; each fragment is costed once (memoised).

    Introspection (`__schema`, `__type`) is costed by what it answers: its selection is walked over the schema
    itself, as graphql-core's resolvers would answer it, each value counted once. That walk stops with
    `CostOverLimit` as soon as it has counted more than `limit`, so an introspection bomb costs the estimate no more
    than `limit` steps."""

    def __init__(
        self,
        document: DocumentNode,
        schema: GraphQLSchema | None,
        default_page_size: int,
        variables: Mapping[str, Any],
        variable_defaults: Mapping[str, ValueNode],
        max_page_size: int | None = None,
        limit: int | None = None,
    ) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.schema = schema  # None: count fields only, every page size taken as 1
        self.default_page_size = default_page_size
        self.max_page_size = max_page_size if max_page_size is not None else default_page_size
        self.variables = variables
        self.variable_defaults = variable_defaults
        self.memo: dict[str, int] = {}
        self.active: set[str] = set()
        self.limit = limit
        self.introspection_steps = 0
        #: (selection set, value) -> (value, cost): the value is kept so that its id is not reused meanwhile.
        self.introspection_memo: dict[tuple[int, int], tuple[object, int]] = {}
        self.info = _IntrospectionInfo(schema) if schema is not None else None

    def selection_set(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = self.named_type(selection.type_condition)
                total += self.selection_set(selection.selection_set, condition or parent)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def fragment(self, name: str) -> int:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.active:
            return 0  # unknown or cyclic: validation reports it
        self.active.add(name)
        try:
            cost = self.selection_set(definition.selection_set, self.named_type(definition.type_condition))
        finally:
            self.active.discard(name)
        self.memo[name] = cost
        return cost

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> int:
        if node.selection_set is None:
            return 1
        definition = self.field_definition(parent, node.name.value)
        if definition is not None and definition in (SchemaMetaFieldDef, TypeMetaFieldDef):
            return self.introspected(node, definition, None)
        child = get_named_type(definition.type) if definition is not None else None
        inner = self.selection_set(node.selection_set, child)
        return 1 + self.page_size(definition, node, parent) * inner

    # --- introspection: what the schema answers -------------------------------------------------------------

    def introspected(self, node: FieldNode, definition: GraphQLField, source: object) -> int:
        """1 for the field, plus what its selection costs on each value the introspection resolver answers."""
        self.introspection_steps += 1
        if self.limit is not None and self.introspection_steps > self.limit:
            raise CostOverLimit(self.introspection_steps)
        if node.selection_set is None or definition.resolve is None or self.info is None:
            return 1
        args: dict[str, Any] = {}
        if "includeDeprecated" in definition.args:
            given = self.argument(node, "includeDeprecated")
            # As written (absent: the argument's default, false); a value not known here counts the larger answer.
            args["includeDeprecated"] = (
                False if given is _ABSENT else given if isinstance(given, bool) else True
            )
        if definition is TypeMetaFieldDef:
            name = self.argument(node, "name")
            if not isinstance(name, str):
                return 1
            args["name"] = name
        value = definition.resolve(source, self.info, **args)
        if value is None:
            return 1
        child = get_named_type(definition.type)
        if not isinstance(child, GraphQLObjectType):
            return 1
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            return 1 + sum(self.introspected_set(node.selection_set, child, item) for item in value)
        return 1 + self.introspected_set(node.selection_set, child, value)

    def introspected_set(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType, source: object
    ) -> int:
        key = (id(selection_set), id(source))
        if key in self.introspection_memo:
            return self.introspection_memo[key][1]
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                definition = parent.fields.get(selection.name.value)
                total += 1 if definition is None else self.introspected(selection, definition, source)
            elif isinstance(selection, InlineFragmentNode):
                total += self.introspected_set(selection.selection_set, parent, source)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in self.active:
                    continue  # unknown or cyclic: validation reports it
                self.active.add(name)
                try:
                    total += self.introspected_set(fragment.selection_set, parent, source)
                finally:
                    self.active.discard(name)
        self.introspection_memo[key] = (source, total)
        return total

    def named_type(self, node: NamedTypeNode | None) -> GraphQLNamedType | None:
        if node is None or self.schema is None:
            return None
        return self.schema.get_type(node.name.value)

    def field_definition(self, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
        if self.schema is None:
            return None
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent is not None and parent is self.schema.query_type:
            if name == "__schema":
                return SchemaMetaFieldDef
            if name == "__type":
                return TypeMetaFieldDef
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            field: GraphQLField | None = parent.fields.get(name)
            return field
        return None

    def page_size(
        self, definition: GraphQLField | None, node: FieldNode, parent: GraphQLNamedType | None
    ) -> int:
        """How many items the field can return: what multiplies the cost of its selection (at least 1: a page of
        0 still plans, and runs, what is selected under it)."""
        if definition is None:
            return 1
        if "first" in definition.args:
            given = [
                size
                for size in (_as_int(self.argument(node, "first")), _as_int(self.argument(node, "last")))
                if size is not None
            ]
            if given:
                return max(1, *given)
            default = _as_int(definition.args["first"].default_value)
            return max(default, 1) if default is not None else self.default_page_size
        if "ids" in definition.args:
            ids = self.argument(node, "ids")
            return max(len(ids), 1) if isinstance(ids, list) else 1
        if self.schema is None or not isinstance(get_nullable_type(definition.type), GraphQLList):
            return 1
        if isinstance(parent, GraphQLObjectType) and "pageInfo" in parent.fields:
            return 1  # a connection's nodes or edges: the page that the connection's field multiplied by
        name = parent.name if parent is not None else ""
        return LIST_BOUNDS.get((name, node.name.value), self.max_page_size)

    def argument(self, node: FieldNode, name: str) -> object:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return self.value(argument.value)
        return _ABSENT

    def value(self, node: ValueNode) -> object:
        if isinstance(node, VariableNode):
            name = node.name.value
            if name in self.variables:
                return self.variables[name]
            default = self.variable_defaults.get(name)
            return self.value(default) if default is not None else None
        if isinstance(node, StringValueNode):
            return node.value
        if isinstance(node, IntValueNode):
            try:
                return int(node.value)
            except ValueError:  # more digits than Python converts; validation refuses it anyway
                return None
        if isinstance(node, ListValueNode):
            return [self.value(v) for v in node.values]
        return None


def _operations(document: DocumentNode, operation_name: str | None) -> list[OperationDefinitionNode]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations
    return [op for op in operations if op.name is not None and op.name.value == operation_name]


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    default_page_size: int,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
    max_page_size: int | None = None,
    limit: int | None = None,
) -> int:
    """The estimated cost of the operation: an upper bound of the values it can return.

    Every field costs 1. A list with a page (a `first` argument) multiplies the cost of everything selected under
    it by its page size: `first`, else `last`, else the argument's default (10 for `search` and
    `relatedClusters`), else `default_page_size`; so page sizes multiply down the tree; a page of 0 counts as 1.
    `nodes(ids:)` multiplies by the number of ids, and a list without a page by its bound (`LIST_BOUNDS`: a
    path's 13 nodes and 12 relationships), else by `max_page_size` (default: `default_page_size`). Introspection
    costs what it answers, walked over the schema. Fragments and inline fragments are expanded (every branch of a
    union counts), and `first`/`last` given as variables take the request's value, else the variable's default.
    Without `operation_name`, a document of several operations costs as much as its most expensive one.

    With `limit`, introspection is walked only until its count passes the limit: `CostOverLimit` then says so.
    """
    costs = []
    for operation in _operations(document, operation_name):
        defaults = {
            d.variable.name.value: d.default_value
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        walker = _Walker(document, schema, default_page_size, variables or {}, defaults, max_page_size, limit)
        costs.append(walker.selection_set(operation.selection_set, schema.get_root_type(operation.operation)))
    return max(costs, default=0)


def expanded_field_count(document: DocumentNode) -> int:
    """How many fields the document's operations select once every fragment spread is replaced by its fields."""
    walker = _Walker(document, None, 1, {}, {})
    return sum(walker.selection_set(op.selection_set, None) for op in _operations(document, None))


def too_complex(cost: int, limit: int, *, at_least: bool = False) -> GraphQLError:
    amount = f"of at least {cost}" if at_least else str(cost)
    return GraphQLError(
        f"Query cost {amount} exceeds the limit {limit}. Each field costs 1, a list's page size (first/last, "
        "else the default page size) multiplies the cost of what is selected under it, and introspection costs "
        "what it answers: ask for smaller pages, fewer nested lists or less introspection.",
        extensions={"code": QUERY_TOO_COMPLEX, "cost": min(cost, _JSON_SAFE_INT), "limit": limit},
    )


#: Results of the two walks above for the most recent distinct documents (and, for the cost, the values of the
#: variables its walk read): a document seen again is not walked again. Bounded, like the parser and validation
#: caches.
WALK_CACHE_SIZE = 512
_FIELD_COUNTS: LRUCache[str, int | None] = LRUCache(WALK_CACHE_SIZE)
_COSTS: LRUCache[tuple[object, ...], tuple[int, bool]] = LRUCache(WALK_CACHE_SIZE)
#: Per (document, operation): the variables its last cost walk read (page sizes), which key its cost.
_COST_VARIABLES: LRUCache[tuple[str, str | None], frozenset[str]] = LRUCache(WALK_CACHE_SIZE)


class _ReadVariables(Mapping[str, Any]):
    """The request's variables, noting which ones a walk looks at."""

    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.variables = variables
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        self.read.add(name)
        return self.variables[name]

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.read.add(name)
        return name in self.variables

    def __iter__(self) -> Iterator[str]:
        self.read.update(self.variables)
        return iter(self.variables)

    def __len__(self) -> int:
        return len(self.variables)


def _cost_key(
    document: tuple[str, str | None], names: frozenset[str], variables: Mapping[str, Any], *limits: int
) -> tuple[object, ...]:
    read = {name: variables[name] for name in names if name in variables}
    return (*document, names, orjson.dumps(read, option=orjson.OPT_SORT_KEYS, default=repr), *limits)


def cost_of(
    context: ExecutionContext, default_page_size: int, max_page_size: int, max_cost: int
) -> tuple[int, bool]:
    """The estimated cost of a validated operation (`estimate_cost` with the request's variables, walked only until
    past `max_cost`), and whether the walk stopped there (the cost is then a lower bound). Memoised per document,
    operation, limits and the values of the variables the walk read (its page sizes; a document's other variables,
    ids or search texts, cost nothing to vary): the rate limiter reads the cost the limit checked without walking
    again."""
    document_key = (context.query or "", context.operation_name)
    variables = context.variables or {}
    limits = (default_page_size, max_page_size, max_cost)
    names = _COST_VARIABLES.get(document_key)
    if names is not None:
        key = _cost_key(document_key, names, variables, *limits)
        if key in _COSTS:
            return _COSTS[key]
    document = context.graphql_document
    if document is None:
        return 0, False
    partial_count = False
    recorded = _ReadVariables(variables)
    try:
        cost = estimate_cost(
            context.schema._schema,
            document,
            default_page_size=default_page_size,
            variables=recorded,
            operation_name=context.operation_name,
            max_page_size=max_page_size,
            limit=max_cost,
        )
    except CostOverLimit as over:
        cost, partial_count = over.counted, True
    except RecursionError:
        cost = max_cost + 1
    names = frozenset(recorded.read)
    _COST_VARIABLES[document_key] = names
    _COSTS[_cost_key(document_key, names, variables, *limits)] = (cost, partial_count)
    return cost, partial_count


class QueryCostLimiter(SchemaExtension):
    """Refuses a document too large once its fragments are expanded (after parsing), then one whose estimated
    cost is over the limit (after validation, when the document is valid)."""

    def __init__(self, max_cost: int, default_page_size: int, max_page_size: int | None = None) -> None:
        self.max_cost = max_cost
        self.default_page_size = default_page_size
        self.max_page_size = max_page_size if max_page_size is not None else default_page_size

    def on_parse(self) -> Iterator[None]:
        yield
        document = self.execution_context.graphql_document
        if document is None:
            return
        text = self.execution_context.query or ""
        if text in _FIELD_COUNTS:
            fields = _FIELD_COUNTS[text]
        else:
            try:
                fields = expanded_field_count(document)
            except RecursionError:
                fields = None
            _FIELD_COUNTS[text] = fields
        if fields is None or fields > self.max_cost:
            size = "too many" if fields is None else str(fields)
            raise GraphQLError(
                f"Query selects {size} fields once its fragments are expanded, more than the limit "
                f"{self.max_cost}.",
                extensions={
                    "code": QUERY_TOO_COMPLEX,
                    "fields": None if fields is None else min(fields, _JSON_SAFE_INT),
                    "limit": self.max_cost,
                },
            )

    def on_validate(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if context.pre_execution_errors or context.graphql_document is None:
            return  # an invalid document is reported as such
        cost, partial_count = cost_of(context, self.default_page_size, self.max_page_size, self.max_cost)
        if cost > self.max_cost:
            raise too_complex(cost, self.max_cost, at_least=partial_count)


# --- validation rules ----------------------------------------------------------------------------------------


def _coded(rule: type[ValidationRule], code: str, limit: int) -> type[ValidationRule]:
    """`rule` (one that checks the whole document when created), reporting its first error with a code."""

    class Coded(rule):  # type: ignore[valid-type,misc]  # a class made at run time
        def __init__(self, context: ValidationContext) -> None:
            report = context.on_error
            reported = False

            def on_error(error: GraphQLError) -> None:
                nonlocal reported
                if not reported:
                    reported = True
                    report(
                        GraphQLError(error.message, error.nodes, extensions={"code": code, "limit": limit})
                    )

            context.on_error = on_error  # type: ignore[method-assign]
            try:
                super().__init__(context)
            finally:
                context.on_error = report  # type: ignore[method-assign]

    Coded.__name__ = rule.__name__
    return Coded


class FiniteNumbers(ValidationRule):
    """Refuses a number written in the document that no Float holds (`1e400`, or 400 digits): graphql-core would
    take it as infinity. JSON variables cannot carry such numbers (the body does not parse)."""

    def enter_float_value(self, node: FloatValueNode, *_args: object) -> None:
        self.check(node)

    def enter_int_value(self, node: IntValueNode, *_args: object) -> None:
        self.check(node)

    def check(self, node: FloatValueNode | IntValueNode) -> None:
        if math.isfinite(float(node.value)):
            return
        shown = node.value if len(node.value) <= 20 else f"{node.value[:12]}… ({len(node.value)} characters)"
        self.report_error(
            GraphQLError(
                f"The number {shown} is too large: a Float holds finite numbers up to about 1.8e308.",
                node,
                extensions={"code": BAD_USER_INPUT},
            )
        )


def validation_rules(settings: Settings) -> list[type[ASTValidationRule]]:
    """The added validation rules, made once per schema so that the validation cache can recognise them."""
    (depth,) = QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules
    (aliases,) = MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules
    rules: list[type[ASTValidationRule]] = [
        _coded(depth, QUERY_TOO_DEEP, settings.max_query_depth),  # type: ignore[arg-type]
        _coded(aliases, TOO_MANY_ALIASES, settings.max_aliases),  # type: ignore[arg-type]
        FiniteNumbers,
    ]
    if settings.production:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules


def limit_extensions(settings: Settings) -> list[ExtensionFactory]:
    """The schema extensions that enforce the settings' limits, as factories (one instance per request)."""
    rules = validation_rules(settings)
    return [
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(
            QueryCostLimiter,
            max_cost=settings.max_query_cost,
            default_page_size=settings.default_page_size,
            max_page_size=settings.max_page_size,
        ),
        partial(AddValidationRules, rules),
    ]
