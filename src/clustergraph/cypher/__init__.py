"""The Cypher package: the text of the statements, and its rendering from the graph model.

`patterns` turns the structural declarations of `graph_model` (paths of hops, counts, argument conditions) into the
Cypher fragments the statement builder fills in. Every fragment is made of names from the model, never of request
values.
"""
