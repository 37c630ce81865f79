// Full-text search over cluster and enterprise names: the 10 best hits ($text is escaped for Lucene by the peer).
CALL db.index.fulltext.queryNodes('name_search', $text, {limit: 10}) YIELD node, score
RETURN score, [l IN labels(node) WHERE l IN ['Cluster', 'Enterprise', 'City', 'County', 'Industry', 'Province']][0]
       AS type, node {.id, .name, .nameZh} AS node
ORDER BY score DESC, node.id
