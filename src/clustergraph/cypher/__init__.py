"""All of ClusterGraph's Cypher: the fixed statements (`statements`), the constraints and indexes
(`schema.cypher`), the rendering of the graph model's paths, counts and argument conditions (`patterns`), and the
builder that assembles the read engine's statements from the model (`builder`).

No module outside this package holds a Cypher clause (a test checks it). Values always travel as parameters; the
only names spliced into a statement are labels, relationship types and properties from `graph_model`.
"""
