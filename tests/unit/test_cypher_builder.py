"""The statement builder: values as parameters only, and limits on what a filter may ask."""

from __future__ import annotations

import pytest

from clustergraph.cypher.builder import (
    MAX_FILTER_CONDITIONS,
    ListSelection,
    NodeSelection,
    Page,
    Params,
    Parts,
    QueryInputError,
    resolve_order,
    selection_statement,
    where_condition,
)
from clustergraph.graph_model import TYPES

CLUSTER = TYPES["Cluster"]


def test_filter_values_become_parameters_never_text():
    """A hostile value appears in the parameters, not in the statement."""
    hostile = "x' OR 1=1 //"
    params = Params()
    text = where_condition(CLUSTER, {"name_zh": {"eq": hostile}}, "n", params)
    assert text is not None
    assert hostile not in text
    assert hostile in params.values.values()


@pytest.mark.parametrize(
    ("count", "refused"), [(MAX_FILTER_CONDITIONS, False), (MAX_FILTER_CONDITIONS + 1, True)]
)
def test_filter_with_too_many_conditions_is_refused(count, refused):
    """Up to the limit of conditions a filter is built; one more is refused, stating the count and the limit."""
    where = {"or_": [{"name_zh": {"eq": f"v{i}"}} for i in range(count)]}
    if refused:
        with pytest.raises(
            QueryInputError, match=f"{count} conditions; the limit is {MAX_FILTER_CONDITIONS}"
        ):
            where_condition(CLUSTER, where, "n", Params())
    else:
        assert where_condition(CLUSTER, where, "n", Params()) is not None


def test_empty_or_matches_nothing_and_empty_not_matches_nothing():
    """OR of no filters is false; NOT of the empty filter (which matches all) is false."""
    assert where_condition(CLUSTER, {"or_": []}, "n", Params()) == "(false)"
    assert where_condition(CLUSTER, {"not_": {}}, "n", Params()) == "(false)"


def test_only_requested_parts_are_computed():
    """totalCount alone computes a count, without sums; no rows are fetched when none are selected."""
    order = resolve_order(CLUSTER, None)
    selection = ListSelection(
        "clusters", None, CLUSTER, None, order, Page(limit=3), Parts(rows=False, total=True), NodeSelection()
    )
    statement = selection_statement([selection])
    assert statement is not None
    text, _ = statement
    assert "{count: count(" in text
    assert "sum(" not in text
    assert "collect(" not in text
