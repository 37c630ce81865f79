"""The `where` argument of the GraphQL lists, against the real dataset in the test Neo4j.

Every expected answer is computed here by an independent Cypher query over the same graph (`run_cypher`), written
without the API's query builder: scalar operators as plain comparisons, relationship quantifiers as pattern
comprehensions with `any`/`none`/`all`/`size`. Each case also says whether the filter should keep some, none or
all of the list, so that a filter that silently matches everything (or nothing) cannot pass by accident.
"""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from clustergraph.cypher.builder import MAX_FILTER_DEPTH
from clustergraph.settings import Settings
from conftest import gql, gql_data, run_cypher

pytestmark = pytest.mark.integration

#: Root list field -> (Neo4j label, GraphQL `where` input type).
LISTS = {
    "provinces": ("Province", "ProvinceWhere"),
    "cities": ("City", "CityWhere"),
    "counties": ("County", "CountyWhere"),
    "industries": ("Industry", "IndustryWhere"),
    "clusters": ("Cluster", "ClusterWhere"),
    "enterprises": ("Enterprise", "EnterpriseWhere"),
    "recognitions": ("Recognition", "RecognitionWhere"),
    "batches": ("Batch", "BatchWhere"),
    "recognitionYears": ("RecognitionYear", "RecognitionYearWhere"),
}

# Cypher fragments for the expectations (over `n`, the listed node).
CITY_OF = "(n)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(ci:City)"
CHENGDU = {"city": {"nameZh": {"eq": "成都市"}}}
IN_CHENGDU = f"EXISTS {{ MATCH {CITY_OF} WHERE ci.nameZh = '成都市' }}"
RECS = "[(n)-[:RECOGNIZED]->(r:Recognition) | r]"
MEMBERS = "[(n)<-[:MEMBER_OF]-(e:Enterprise) | e]"
CITY_CLUSTERS = "[(n)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster) | c]"
INDUSTRY_CLUSTERS = "[(n)<-[:IN_INDUSTRY]-(c:Cluster) | c]"
#: The dataset's marker for names worded after a sentence of the source (full-width parentheses).
AS_WORDED = "（名称按来源表述）"  # noqa: RUF001


def case(list_field: str, where: dict[str, Any], condition: str, expect: str, name: str) -> Any:
    """One filter case: the list, the `where`, the Cypher condition on `n`, and some/none/all of the list."""
    return pytest.param(list_field, where, condition, expect, id=name)


CASES = [
    # --- string operators: case-insensitive on English names, exact on nameZh and on keys ----------------------
    case("clusters", {"name": {"eq": "RONG COUNTY POTTERY INDUSTRY CLUSTER"}},
         "toLower(n.name) = 'rong county pottery industry cluster'", "some", "name-eq-ignores-case"),
    case("clusters", {"name": {"in": ["rong county POTTERY industry cluster",
                                      "SHEHONG LITHIUM BATTERY MATERIALS INDUSTRY CLUSTER", "No such cluster"]}},
         "toLower(n.name) IN ['rong county pottery industry cluster',"
         " 'shehong lithium battery materials industry cluster']", "some", "name-in-ignores-case"),
    case("clusters", {"name": {"contains": "PUMP"}}, "toLower(n.name) CONTAINS 'pump'", "some",
         "name-contains-ignores-case"),
    case("clusters", {"name": {"startsWith": "CHENGDU"}}, "toLower(n.name) STARTS WITH 'chengdu'", "some",
         "name-startsWith-ignores-case"),
    case("clusters", {"name": {"endsWith": "(Name As Worded In Source)"}},
         "toLower(n.name) ENDS WITH '(name as worded in source)'", "some", "name-endsWith-ignores-case"),
    case("clusters", {"name": {"startsWith": "chengdu", "contains": "AVIATION"}},
         "toLower(n.name) STARTS WITH 'chengdu' AND toLower(n.name) CONTAINS 'aviation'", "some",
         "string-operators-combine-with-and"),
    case("clusters", {"nameZh": {"eq": "荣县陶产业集群"}}, "n.nameZh = '荣县陶产业集群'", "some", "nameZh-eq"),
    case("clusters", {"nameZh": {"eq": "荣县陶"}}, "n.nameZh = '荣县陶'", "none", "nameZh-eq-is-exact"),
    case("clusters", {"nameZh": {"in": ["荣县陶产业集群", "射洪市锂电材料产业集群", "荣县"]}},
         "n.nameZh IN ['荣县陶产业集群', '射洪市锂电材料产业集群', '荣县']", "some", "nameZh-in"),
    case("clusters", {"nameZh": {"contains": "玻纤"}}, "n.nameZh CONTAINS '玻纤'", "some", "nameZh-contains"),
    case("clusters", {"nameZh": {"startsWith": "成都市"}}, "n.nameZh STARTS WITH '成都市'", "some",
         "nameZh-startsWith"),
    case("clusters", {"nameZh": {"endsWith": AS_WORDED}}, f"n.nameZh ENDS WITH '{AS_WORDED}'", "some",
         "nameZh-endsWith"),
    case("clusters", {"key": {"eq": "yantan-pump-valve"}}, "n.id = 'yantan-pump-valve'", "some", "key-eq"),
    case("clusters", {"key": {"eq": "YANTAN-PUMP-VALVE"}}, "n.id = 'YANTAN-PUMP-VALVE'", "none",
         "key-eq-is-case-sensitive"),
    case("clusters", {"leadingSector": {"contains": "GLASS"}}, "toLower(n.leadingSector) CONTAINS 'glass'",
         "some", "leadingSector-contains-ignores-case"),
    case("clusters", {"leadingSectorZh": {"contains": "玻"}}, "n.leadingSectorZh CONTAINS '玻'", "some",
         "leadingSectorZh-contains"),
    case("clusters", {"leadingSector": {"isNull": True}}, "n.leadingSector IS NULL", "none",
         "string-isNull-true"),
    case("clusters", {"leadingSector": {"isNull": False}}, "n.leadingSector IS NOT NULL", "all",
         "string-isNull-false"),
    # --- number operators ---------------------------------------------------------------------------------------
    case("clusters", {"outputValueCny": {"eq": 3e9}}, "n.outputValueCny = 3000000000", "some", "float-eq"),
    case("clusters", {"outputValueCny": {"in": [3e9, 9e9, 1.5]}}, "n.outputValueCny IN [3000000000, 9000000000]",
         "some", "float-in"),
    case("clusters", {"outputValueCny": {"gt": 3e9}}, "n.outputValueCny > 3000000000", "some", "float-gt"),
    case("clusters", {"outputValueCny": {"gte": 3e9}}, "n.outputValueCny >= 3000000000", "some", "float-gte"),
    case("clusters", {"outputValueCny": {"lt": 1.311e10}}, "n.outputValueCny < 13110000000", "some", "float-lt"),
    case("clusters", {"outputValueCny": {"lte": 1.311e10}}, "n.outputValueCny <= 13110000000", "some",
         "float-lte"),
    case("clusters", {"outputValueCny": {"isNull": True}}, "n.outputValueCny IS NULL", "some",
         "float-isNull-true"),
    case("clusters", {"outputValueCny": {"isNull": False}}, "n.outputValueCny IS NOT NULL", "some",
         "float-isNull-false"),
    case("clusters", {"enterpriseCount": {"eq": 60}}, "n.enterpriseCount = 60", "some", "int-eq"),
    case("clusters", {"enterpriseCount": {"in": [60, 80, 7]}}, "n.enterpriseCount IN [60, 80, 7]", "some",
         "int-in"),
    case("clusters", {"enterpriseCount": {"gt": 80}}, "n.enterpriseCount > 80", "some", "int-gt"),
    case("clusters", {"enterpriseCount": {"gte": 80}}, "n.enterpriseCount >= 80", "some", "int-gte"),
    case("clusters", {"enterpriseCount": {"lt": 141}}, "n.enterpriseCount < 141", "some", "int-lt"),
    case("clusters", {"enterpriseCount": {"lte": 141}}, "n.enterpriseCount <= 141", "some", "int-lte"),
    case("clusters", {"enterpriseCount": {"isNull": True}}, "n.enterpriseCount IS NULL", "some",
         "int-isNull-true"),
    case("clusters", {"enterpriseCount": {"isNull": False}}, "n.enterpriseCount IS NOT NULL", "some",
         "int-isNull-false"),
    case("clusters", {"enterpriseCount": {"gte": 60, "lt": 141}},
         "n.enterpriseCount >= 60 AND n.enterpriseCount < 141", "some", "number-operators-combine-with-and"),
    case("recognitions", {"year": {"eq": 2024}}, "n.year = 2024", "some", "recognition-year-eq"),
    case("recognitions", {"year": {"in": [2022, 2025]}}, "n.year IN [2022, 2025]", "some", "recognition-year-in"),
    case("recognitions", {"year": {"gt": 2023}}, "n.year > 2023", "some", "recognition-year-gt"),
    case("recognitions", {"year": {"gte": 2023}}, "n.year >= 2023", "some", "recognition-year-gte"),
    case("recognitions", {"year": {"lt": 2024}}, "n.year < 2024", "some", "recognition-year-lt"),
    case("recognitions", {"year": {"lte": 2023}}, "n.year <= 2023", "some", "recognition-year-lte"),
    case("recognitions", {"year": {"isNull": True}}, "n.year IS NULL", "some", "recognition-year-isNull-true"),
    case("recognitions", {"year": {"isNull": False}}, "n.year IS NOT NULL", "some",
         "recognition-year-isNull-false"),
    case("batches", {"year": {"eq": 2023}}, "n.year = 2023", "some", "batch-year-eq"),
    case("batches", {"year": {"in": [2022, 2025]}}, "n.year IN [2022, 2025]", "some", "batch-year-in"),
    case("batches", {"year": {"gt": 2023}}, "n.year > 2023", "some", "batch-year-gt"),
    case("batches", {"year": {"gte": 2024}}, "n.year >= 2024", "some", "batch-year-gte"),
    case("batches", {"year": {"lt": 2023}}, "n.year < 2023", "some", "batch-year-lt"),
    case("batches", {"year": {"lte": 2023}}, "n.year <= 2023", "some", "batch-year-lte"),
    case("batches", {"year": {"isNull": True}}, "n.year IS NULL", "none", "batch-year-isNull-true"),
    case("batches", {"year": {"isNull": False}}, "n.year IS NOT NULL", "all", "batch-year-isNull-false"),
    case("batches", {"officialCountSichuan": {"isNull": True}}, "n.officialCountSichuan IS NULL", "some",
         "batch-officialCountSichuan-isNull"),
    case("batches", {"officialCount": {"gt": 50}}, "n.officialCount > 50", "some", "batch-officialCount-gt"),
    case("batches", {"ordinal": {"eq": 2}}, "n.ordinal = 2", "some", "batch-ordinal-eq"),
    case("recognitionYears", {"year": {"gte": 2023}}, "n.year >= 2023", "some", "year-node-year-gte"),
    case("recognitionYears", {"key": {"eq": "2024"}}, "n.id = '2024'", "some", "year-node-key-eq"),
    # --- enum filters -------------------------------------------------------------------------------------------
    case("recognitions", {"level": {"eq": "NATIONAL"}}, "n.level = 'NATIONAL'", "some", "recognition-level-eq"),
    case("recognitions", {"level": {"in": ["PROVINCIAL"]}}, "n.level IN ['PROVINCIAL']", "some",
         "recognition-level-in"),
    case("recognitions", {"level": {"in": ["PROVINCIAL", "NATIONAL"]}}, "n.level IN ['PROVINCIAL', 'NATIONAL']",
         "all", "recognition-level-in-both"),
    case("batches", {"level": {"eq": "PROVINCIAL"}}, "n.level = 'PROVINCIAL'", "some", "batch-level-eq"),
    case("clusters", {"nameStatus": {"eq": "AS_WORDED_IN_SOURCE"}}, "n.nameStatus = 'AS_WORDED_IN_SOURCE'",
         "some", "nameStatus-eq"),
    case("clusters", {"nameStatus": {"in": ["UNVERIFIED", "AS_WORDED_IN_SOURCE"]}},
         "n.nameStatus IN ['UNVERIFIED', 'AS_WORDED_IN_SOURCE']", "some", "nameStatus-in"),
    # --- AND, OR, NOT and their nesting -------------------------------------------------------------------------
    case("clusters", {"AND": [CHENGDU, {"enterpriseCount": {"isNull": False}}]},
         f"{IN_CHENGDU} AND n.enterpriseCount IS NOT NULL", "some", "AND"),
    case("clusters", {"OR": [{"nameStatus": {"eq": "UNVERIFIED"}}, {"outputValueCny": {"gt": 1e10}}]},
         "n.nameStatus = 'UNVERIFIED' OR n.outputValueCny > 10000000000", "some", "OR"),
    case("clusters", {"NOT": CHENGDU}, f"NOT {IN_CHENGDU}", "some", "NOT"),
    case("clusters", {"OR": [{"AND": [CHENGDU, {"recognitions": {"some": {"level": {"eq": "NATIONAL"}}}}]},
                             {"NOT": {"nameStatus": {"in": ["AS_LISTED"]}}}]},
         f"({IN_CHENGDU} AND any(r IN {RECS} WHERE r.level = 'NATIONAL')) OR NOT n.nameStatus IN ['AS_LISTED']",
         "some", "OR-of-AND-and-NOT"),
    case("clusters", {"NOT": {"OR": [CHENGDU, {"industry": {"key": {"eq": "food-and-light-textiles"}}}]}},
         f"NOT ({IN_CHENGDU} OR EXISTS {{ (n)-[:IN_INDUSTRY]->(:Industry {{id: 'food-and-light-textiles'}}) }})",
         "some", "NOT-of-OR"),
    case("clusters", {"AND": [{"NOT": {"enterpriseCount": {"isNull": True}}},
                              {"NOT": {"outputValueCny": {"isNull": True}}}]},
         "n.enterpriseCount IS NOT NULL AND n.outputValueCny IS NOT NULL", "some", "AND-of-NOTs"),
    case("clusters", {**CHENGDU, "OR": [{"name": {"contains": "aviation"}}, {"name": {"contains": "ROBOT"}}]},
         f"{IN_CHENGDU} AND (toLower(n.name) CONTAINS 'aviation' OR toLower(n.name) CONTAINS 'robot')", "some",
         "field-and-OR-side-by-side-combine-with-and"),
    case("clusters", {"NOT": {"NOT": CHENGDU}}, IN_CHENGDU, "some", "double-NOT"),
    # --- relationship filters from clusters ---------------------------------------------------------------------
    case("clusters", CHENGDU, IN_CHENGDU, "some", "cluster-in-city-by-nameZh"),
    case("clusters", {"city": {"name": {"eq": "CHENGDU"}}},
         f"EXISTS {{ MATCH {CITY_OF} WHERE toLower(ci.name) = 'chengdu' }}", "some", "cluster-in-city-by-name"),
    case("clusters", {"county": {"key": {"eq": "chongzhou"}}},
         "EXISTS { (n)-[:LOCATED_IN]->(:County {id: 'chongzhou'}) }", "some", "cluster-in-county"),
    case("clusters", {"county": {"name": {"contains": "DISTRICT"}}},
         "EXISTS { MATCH (n)-[:LOCATED_IN]->(co:County) WHERE toLower(co.name) CONTAINS 'district' }", "some",
         "cluster-in-county-by-name"),
    case("clusters", {"industry": {"key": {"in": ["electronic-information", "advanced-materials"]}}},
         "EXISTS { MATCH (n)-[:IN_INDUSTRY]->(i:Industry) WHERE i.id IN ['electronic-information',"
         " 'advanced-materials'] }", "some", "cluster-in-any-of-industries"),
    case("clusters", {"industry": {"nameZh": {"eq": "装备制造"}}},
         "EXISTS { (n)-[:IN_INDUSTRY]->(:Industry {nameZh: '装备制造'}) }", "some", "cluster-industry-by-nameZh"),
    case("clusters", {"recognitions": {"some": {"year": {"eq": 2024}}}}, f"any(r IN {RECS} WHERE r.year = 2024)",
         "some", "cluster-recognised-in-year"),
    case("clusters", {"recognitions": {"some": {"level": {"eq": "NATIONAL"}}}},
         f"any(r IN {RECS} WHERE r.level = 'NATIONAL')", "some", "cluster-recognised-at-level"),
    case("clusters", {"recognitions": {"some": {"level": {"eq": "NATIONAL"}, "year": {"isNull": True}}}},
         f"any(r IN {RECS} WHERE r.level = 'NATIONAL' AND r.year IS NULL)", "some",
         "cluster-some-recognition-matching-two-conditions"),
    case("clusters", {"recognitions": {"some": {"batch": {"level": {"eq": "NATIONAL"}, "ordinal": {"eq": 1}}}}},
         "EXISTS { (n)-[:RECOGNIZED]->(:Recognition)-[:IN_BATCH]->(:Batch {level: 'NATIONAL', ordinal: 1}) }",
         "some", "cluster-recognised-in-batch"),
    case("clusters", {"recognitions": {"none": {"level": {"eq": "NATIONAL"}}}},
         f"none(r IN {RECS} WHERE r.level = 'NATIONAL')", "some", "cluster-recognitions-none"),
    case("clusters", {"recognitions": {"all": {"level": {"eq": "PROVINCIAL"}}}},
         f"all(r IN {RECS} WHERE r.level = 'PROVINCIAL')", "some", "cluster-recognitions-all"),
    case("clusters", {"recognitions": {"all": {"year": {"isNull": False}}}},
         f"all(r IN {RECS} WHERE r.year IS NOT NULL)", "some", "cluster-recognitions-all-dated"),
    case("clusters", {"recognitions": {"count": {"eq": 2}}}, f"size({RECS}) = 2", "some",
         "cluster-recognitions-count-eq"),
    case("clusters", {"recognitions": {"count": {"lt": 2}}}, f"size({RECS}) < 2", "some",
         "cluster-recognitions-count-lt"),
    case("clusters", {"enterprises": {"some": {"name": {"contains": "GLASS"}}}},
         f"any(e IN {MEMBERS} WHERE toLower(e.name) CONTAINS 'glass')", "some", "cluster-having-enterprise"),
    case("clusters", {"enterprises": {"some": {"nameZh": {"contains": "四川"}}}},
         f"any(e IN {MEMBERS} WHERE e.nameZh CONTAINS '四川')", "some", "cluster-having-enterprise-by-nameZh"),
    case("clusters", {"enterprises": {"none": {"name": {"contains": "SHORT NAME AS GIVEN"}}}},
         f"none(e IN {MEMBERS} WHERE toLower(e.name) CONTAINS 'short name as given')", "some",
         "cluster-enterprises-none"),
    case("clusters", {"enterprises": {"all": {"name": {"contains": "short name as given"}}}},
         f"all(e IN {MEMBERS} WHERE toLower(e.name) CONTAINS 'short name as given')", "some",
         "cluster-enterprises-all-including-clusters-without-members"),
    case("clusters", {"enterprises": {"count": {"eq": 0}}}, f"size({MEMBERS}) = 0", "some",
         "cluster-enterprises-count-zero"),
    case("clusters", {"enterprises": {"count": {"gte": 4}}}, f"size({MEMBERS}) >= 4", "some",
         "cluster-enterprises-count-gte"),
    case("clusters", {"enterprises": {"some": {"name": {"contains": "chemical"}}, "count": {"gte": 3}}},
         f"any(e IN {MEMBERS} WHERE toLower(e.name) CONTAINS 'chemical') AND size({MEMBERS}) >= 3", "some",
         "cluster-quantifiers-combine-with-and"),
    case("clusters", {"city": {"clusters": {"count": {"gt": 5}}}},
         "EXISTS { MATCH (n)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(ci:City)"
         " WHERE size([(ci)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(o:Cluster) | o]) > 5 }", "some",
         "cluster-in-city-with-many-clusters"),
    case("clusters", {"industry": {"clusters": {"some": {"outputValueCny": {"isNull": False}}}}},
         "EXISTS { MATCH (n)-[:IN_INDUSTRY]->(i:Industry)"
         " WHERE any(o IN [(i)<-[:IN_INDUSTRY]-(o:Cluster) | o] WHERE o.outputValueCny IS NOT NULL) }", "some",
         "cluster-in-industry-having-a-stated-output"),
    # --- cities, industries, counties, enterprises, recognitions, batches, years, provinces ---------------------
    case("cities", {"clusters": {"some": {"nameStatus": {"eq": "AS_WORDED_IN_SOURCE"}}}},
         f"any(c IN {CITY_CLUSTERS} WHERE c.nameStatus = 'AS_WORDED_IN_SOURCE')", "some",
         "city-having-some-cluster"),
    case("cities", {"clusters": {"some": {"recognitions": {"some": {"year": {"eq": 2025}}}}}},
         f"any(c IN {CITY_CLUSTERS} WHERE EXISTS {{ (c)-[:RECOGNIZED]->(:Recognition {{year: 2025}}) }})",
         "some", "city-having-cluster-recognised-in-year"),
    case("cities", {"clusters": {"none": {"industry": {"key": {"eq": "food-and-light-textiles"}}}}},
         f"none(c IN {CITY_CLUSTERS} WHERE EXISTS {{ (c)-[:IN_INDUSTRY]->(:Industry"
         " {id: 'food-and-light-textiles'}) })", "some", "city-clusters-none"),
    case("cities", {"clusters": {"all": {"industry": {"key": {"eq": "food-and-light-textiles"}}}}},
         f"all(c IN {CITY_CLUSTERS} WHERE EXISTS {{ (c)-[:IN_INDUSTRY]->(:Industry"
         " {id: 'food-and-light-textiles'}) })", "some", "city-clusters-all-including-cities-without-clusters"),
    case("cities", {"clusters": {"count": {"eq": 0}}}, f"size({CITY_CLUSTERS}) = 0", "some",
         "city-clusters-count-zero"),
    case("cities", {"clusters": {"count": {"gte": 2}}}, f"size({CITY_CLUSTERS}) >= 2", "some",
         "city-clusters-count-gte"),
    case("cities", {"counties": {"count": {"gte": 2}}}, "size([(n)<-[:IN_CITY]-(co:County) | co]) >= 2", "some",
         "city-counties-count"),
    case("cities", {"counties": {"some": {"name": {"contains": "DISTRICT"}}}},
         "any(co IN [(n)<-[:IN_CITY]-(co:County) | co] WHERE toLower(co.name) CONTAINS 'district')", "some",
         "city-counties-some"),
    case("cities", {"name": {"contains": "ZHOU"}}, "toLower(n.name) CONTAINS 'zhou'", "some",
         "city-name-contains-ignores-case"),
    case("cities", {"kind": {"contains": "AUTONOMOUS"}}, "toLower(n.kind) CONTAINS 'autonomous'", "some",
         "city-kind-ignores-case"),
    case("cities", {"kindZh": {"eq": "自治州"}}, "n.kindZh = '自治州'", "some", "city-kindZh-eq"),
    case("cities", {"adminCode": {"startsWith": "5133"}}, "n.adminCode STARTS WITH '5133'", "some",
         "city-adminCode-startsWith"),
    case("cities", {"province": {"nameZh": {"eq": "四川省"}}},
         "EXISTS { (n)-[:IN_PROVINCE]->(:Province {nameZh: '四川省'}) }", "all", "city-in-province"),
    case("industries", {"clusters": {"some": CHENGDU}},
         f"any(c IN {INDUSTRY_CLUSTERS} WHERE EXISTS {{ (c)-[:LOCATED_IN]->(:County)-[:IN_CITY]->"
         "(:City {nameZh: '成都市'}) })", "some", "industry-by-clusters-in-city"),
    case("industries", {"clusters": {"count": {"gte": 5}}}, f"size({INDUSTRY_CLUSTERS}) >= 5", "some",
         "industry-clusters-count"),
    case("industries", {"clusters": {"none": {"enterpriseCount": {"isNull": False}}}},
         f"none(c IN {INDUSTRY_CLUSTERS} WHERE c.enterpriseCount IS NOT NULL)", "some", "industry-clusters-none"),
    case("industries", {"clusters": {"all": {"recognitions": {"some": {"level": {"eq": "PROVINCIAL"}}}}}},
         f"all(c IN {INDUSTRY_CLUSTERS} WHERE EXISTS {{ (c)-[:RECOGNIZED]->(:Recognition {{level: 'PROVINCIAL'}})"
         " })", "some", "industry-clusters-all"),
    case("industries", {"name": {"contains": "MATERIALS"}}, "toLower(n.name) CONTAINS 'materials'", "some",
         "industry-name-contains"),
    case("counties", {"city": {"nameZh": {"eq": "成都市"}}}, "EXISTS { (n)-[:IN_CITY]->(:City {nameZh: '成都市'}) }",
         "some", "county-in-city"),
    case("counties", {"clusters": {"some": {"enterprises": {"count": {"gte": 3}}}}},
         "any(c IN [(n)<-[:LOCATED_IN]-(c:Cluster) | c] WHERE size([(c)<-[:MEMBER_OF]-(e) | e]) >= 3)", "some",
         "county-by-cluster-member-count"),
    case("counties", {"nameZh": {"endsWith": "区"}}, "n.nameZh ENDS WITH '区'", "some", "county-nameZh-endsWith"),
    case("enterprises", {"clusters": {"some": {"key": {"eq": "guanghan-oil-gas-drilling-equipment"}}}},
         "EXISTS { (n)-[:MEMBER_OF]->(:Cluster {id: 'guanghan-oil-gas-drilling-equipment'}) }", "some",
         "enterprise-member-of-cluster"),
    case("enterprises", {"clusters": {"some": CHENGDU}},
         "EXISTS { (n)-[:MEMBER_OF]->(:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(:City {nameZh: '成都市'}) }",
         "some", "enterprise-in-city"),
    case("enterprises", {"name": {"startsWith": "SICHUAN"}}, "toLower(n.name) STARTS WITH 'sichuan'", "some",
         "enterprise-name-startsWith"),
    case("enterprises", {"nameZh": {"contains": "化"}}, "n.nameZh CONTAINS '化'", "some",
         "enterprise-nameZh-contains"),
    case("recognitions", {"cluster": CHENGDU},
         "EXISTS { (n)<-[:RECOGNIZED]-(:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(:City {nameZh: '成都市'}) }",
         "some", "recognition-of-cluster-in-city"),
    case("recognitions", {"batch": {"ordinal": {"eq": 2}}}, "EXISTS { (n)-[:IN_BATCH]->(:Batch {ordinal: 2}) }",
         "some", "recognition-in-batch"),
    case("recognitions", {"level": {"eq": "NATIONAL"}, "year": {"isNull": True}},
         "n.level = 'NATIONAL' AND n.year IS NULL", "some", "recognition-fields-combine-with-and"),
    case("batches", {"recognitions": {"count": {"eq": 0}}}, "size([(n)<-[:IN_BATCH]-(r:Recognition) | r]) = 0",
         "some", "batch-without-named-recognitions"),
    case("batches", {"clusters": {"some": CHENGDU}},
         "EXISTS { (n)<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-(:Cluster)-[:LOCATED_IN]->(:County)"
         "-[:IN_CITY]->(:City {nameZh: '成都市'}) }", "some", "batch-with-cluster-in-city"),
    case("batches", {"recognitionYear": {"year": {"eq": 2023}}},
         "EXISTS { (n)-[:IN_YEAR]->(:RecognitionYear {year: 2023}) }", "some", "batch-by-year-node"),
    case("batches", {"name": {"contains": "NATIONAL SME"}}, "toLower(n.name) CONTAINS 'national sme'", "some",
         "batch-name-contains"),
    case("recognitionYears", {"batches": {"some": {"level": {"eq": "PROVINCIAL"}}}},
         "EXISTS { (n)<-[:IN_YEAR]-(:Batch {level: 'PROVINCIAL'}) }", "some", "year-having-batch-at-level"),
    case("recognitionYears", {"recognitions": {"count": {"gte": 5}}},
         "size([(n)<-[:IN_YEAR]-(r:Recognition) | r]) >= 5", "some", "year-recognitions-count"),
    case("recognitionYears", {"clusters": {"some": {"city": {"nameZh": {"eq": "自贡市"}}}}},
         "EXISTS { (n)<-[:IN_YEAR]-(:Recognition)<-[:RECOGNIZED]-(:Cluster)-[:LOCATED_IN]->(:County)"
         "-[:IN_CITY]->(:City {nameZh: '自贡市'}) }", "some", "year-with-cluster-in-city"),
    case("provinces", {"cities": {"some": {"name": {"eq": "chengdu"}}}},
         "EXISTS { MATCH (n)<-[:IN_PROVINCE]-(ci:City) WHERE toLower(ci.name) = 'chengdu' }", "all",
         "province-cities-some"),
    case("provinces", {"cities": {"none": {"name": {"eq": "chengdu"}}}},
         "NOT EXISTS { MATCH (n)<-[:IN_PROVINCE]-(ci:City) WHERE toLower(ci.name) = 'chengdu' }", "none",
         "province-cities-none"),
]  # fmt: skip


def expected_keys(driver: Driver, settings: Settings, label: str, condition: str) -> list[str]:
    query = f"MATCH (n:{label}) WHERE {condition} RETURN n.id AS key"
    return [r["key"] for r in run_cypher(driver, settings, query)]


def count_label(driver: Driver, settings: Settings, label: str) -> int:
    return int(run_cypher(driver, settings, f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"])


def list_query(list_field: str, extra: str = "first: 100") -> str:
    where_type = LISTS[list_field][1]
    return (
        f"query($where: {where_type}) {{ {list_field}(where: $where, {extra}) "
        "{ totalCount nodes { key } pageInfo { hasNextPage } } }"
    )


@pytest.mark.parametrize(("list_field", "where", "condition", "expect"), CASES)
def test_filter_returns_exactly_what_cypher_matches(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    list_field: str,
    where: dict[str, Any],
    condition: str,
    expect: str,
) -> None:
    """Each operator, quantifier and combination keeps exactly the nodes the equivalent Cypher condition keeps."""
    label = LISTS[list_field][0]
    expected = expected_keys(dataset_graph, settings, label, condition)
    everything = count_label(dataset_graph, settings, label)
    # The case must discriminate as intended on this dataset.
    if expect == "some":
        assert 0 < len(expected) < everything, f"{condition} should keep some but not all {label} nodes"
    elif expect == "none":
        assert expected == []
    else:
        assert len(expected) == everything

    conn = gql_data(client, list_query(list_field), {"where": where})[list_field]
    keys = [n["key"] for n in conn["nodes"]]
    assert len(keys) == len(set(keys)), f"duplicates in {keys}"
    assert sorted(keys) == sorted(expected)
    assert conn["totalCount"] == len(expected)


def test_contains_pump_finds_the_pump_and_valve_cluster(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """`name: {contains: "PUMP"}` (upper case) finds the cluster whose Chinese name says 泵阀 (pump and valve)."""
    pump = expected_keys(dataset_graph, settings, "Cluster", "n.nameZh CONTAINS '泵阀'")
    assert len(pump) == 1
    conn = gql_data(client, list_query("clusters"), {"where": {"name": {"contains": "PUMP"}}})["clusters"]
    assert [n["key"] for n in conn["nodes"]] == pump


def test_string_isNull_finds_a_cluster_without_a_leading_sector(
    client: Any, fresh_dataset_graph: Driver, settings: Settings
) -> None:
    """isNull on a text field: true keeps exactly the node lacking the property, false keeps the others."""
    run_cypher(
        fresh_dataset_graph, settings, "MATCH (c:Cluster {id: 'rongxian-pottery'}) REMOVE c.leadingSector"
    )
    without = expected_keys(fresh_dataset_graph, settings, "Cluster", "n.leadingSector IS NULL")
    assert without == ["rongxian-pottery"]
    for is_null, condition in ((True, "n.leadingSector IS NULL"), (False, "n.leadingSector IS NOT NULL")):
        expected = expected_keys(fresh_dataset_graph, settings, "Cluster", condition)
        conn = gql_data(client, list_query("clusters"), {"where": {"leadingSector": {"isNull": is_null}}})
        assert sorted(n["key"] for n in conn["clusters"]["nodes"]) == sorted(expected)


# --- nested lists with `where` ---------------------------------------------------------------------------------

NESTED = [
    pytest.param("cities", "City", "clusters", "ClusterWhere", "", {"enterpriseCount": {"isNull": False}},
                 "(p)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(n:Cluster)", "n.enterpriseCount IS NOT NULL",
                 id="City.clusters-stated-enterprise-count"),
    pytest.param("cities", "City", "clusters", "ClusterWhere", "",
                 {"recognitions": {"some": {"level": {"eq": "NATIONAL"}}}},
                 "(p)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(n:Cluster)",
                 "EXISTS { (n)-[:RECOGNIZED]->(:Recognition {level: 'NATIONAL'}) }",
                 id="City.clusters-recognised-nationally"),
    pytest.param("cities", "City", "counties", "CountyWhere", "", {"name": {"contains": "DISTRICT"}},
                 "(p)<-[:IN_CITY]-(n:County)", "toLower(n.name) CONTAINS 'district'", id="City.counties"),
    pytest.param("industries", "Industry", "clusters", "ClusterWhere", "", {"nameStatus": {"eq": "AS_LISTED"}},
                 "(p)<-[:IN_INDUSTRY]-(n:Cluster)", "n.nameStatus = 'AS_LISTED'", id="Industry.clusters"),
    pytest.param("counties", "County", "clusters", "ClusterWhere", "", {"enterprises": {"count": {"gte": 1}}},
                 "(p)<-[:LOCATED_IN]-(n:Cluster)", "EXISTS { (n)<-[:MEMBER_OF]-(:Enterprise) }",
                 id="County.clusters"),
    pytest.param("clusters", "Cluster", "recognitions", "RecognitionWhere", "", {"year": {"isNull": True}},
                 "(p)-[:RECOGNIZED]->(n:Recognition)", "n.year IS NULL", id="Cluster.recognitions"),
    pytest.param("clusters", "Cluster", "enterprises", "EnterpriseWhere", "", {"name": {"contains": "CHEMICAL"}},
                 "(p)<-[:MEMBER_OF]-(n:Enterprise)", "toLower(n.name) CONTAINS 'chemical'",
                 id="Cluster.enterprises"),
    pytest.param("enterprises", "Enterprise", "clusters", "ClusterWhere", "",
                 {"industry": {"key": {"eq": "equipment-manufacturing"}}}, "(p)-[:MEMBER_OF]->(n:Cluster)",
                 "EXISTS { (n)-[:IN_INDUSTRY]->(:Industry {id: 'equipment-manufacturing'}) }",
                 id="Enterprise.clusters"),
    pytest.param("batches", "Batch", "clusters", "ClusterWhere", "", CHENGDU,
                 "(p)<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-(n:Cluster)", IN_CHENGDU, id="Batch.clusters"),
    pytest.param("batches", "Batch", "recognitions", "RecognitionWhere", "",
                 {"cluster": {"enterpriseCount": {"isNull": False}}}, "(p)<-[:IN_BATCH]-(n:Recognition)",
                 "EXISTS { MATCH (n)<-[:RECOGNIZED]-(c:Cluster) WHERE c.enterpriseCount IS NOT NULL }",
                 id="Batch.recognitions"),
    pytest.param("recognitionYears", "RecognitionYear", "recognitions", "RecognitionWhere", "",
                 {"level": {"eq": "NATIONAL"}}, "(p)<-[:IN_YEAR]-(n:Recognition)", "n.level = 'NATIONAL'",
                 id="RecognitionYear.recognitions"),
    pytest.param("recognitionYears", "RecognitionYear", "batches", "BatchWhere", "",
                 {"level": {"eq": "PROVINCIAL"}}, "(p)<-[:IN_YEAR]-(n:Batch)", "n.level = 'PROVINCIAL'",
                 id="RecognitionYear.batches"),
    pytest.param("recognitionYears", "RecognitionYear", "clusters", "ClusterWhere", "level: NATIONAL, ",
                 {"nameZh": {"startsWith": "成都市"}}, "(p)<-[:IN_YEAR]-(m:Recognition)<-[:RECOGNIZED]-(n:Cluster)",
                 "m.level = 'NATIONAL' AND n.nameZh STARTS WITH '成都市'", id="RecognitionYear.clusters-level"),
    pytest.param("recognitionYears", "RecognitionYear", "clusters", "ClusterWhere", "recognized: NEW, ",
                 {"nameStatus": {"in": ["AS_LISTED", "AS_WORDED_IN_SOURCE"]}},
                 "(p)<-[:IN_YEAR]-(:Recognition)<-[:RECOGNIZED]-(n:Cluster)",
                 "n.nameStatus IN ['AS_LISTED', 'AS_WORDED_IN_SOURCE'] AND none(e IN"
                 " [(n)-[:RECOGNIZED]->(e:Recognition) | e] WHERE e.year IS NOT NULL AND e.year < p.year)",
                 id="RecognitionYear.clusters-recognized-new-undated-recognitions-do-not-count"),
    pytest.param("provinces", "Province", "cities", "CityWhere", "", {"clusters": {"count": {"gte": 2}}},
                 "(p)<-[:IN_PROVINCE]-(n:City)",
                 "size([(n)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster) | c]) >= 2", id="Province.cities"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("parent_list", "parent_label", "field", "where_type", "extra", "where", "pattern", "condition"), NESTED
)
def test_nested_list_where_matches_cypher_for_every_parent(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    parent_list: str,
    parent_label: str,
    field: str,
    where_type: str,
    extra: str,
    where: dict[str, Any],
    pattern: str,
    condition: str,
) -> None:
    """A nested list's `where` filters each parent's related nodes exactly as Cypher does, parent by parent."""
    rows = run_cypher(
        dataset_graph,
        settings,
        f"MATCH (p:{parent_label}) OPTIONAL MATCH {pattern} WHERE {condition} "
        "RETURN p.id AS parent, collect(DISTINCT n.id) AS keys",
    )
    expected = {r["parent"]: sorted(r["keys"]) for r in rows}
    assert any(expected.values()), "the case should keep something for some parent"
    query = (
        f"query($where: {where_type}) {{ {parent_list}(first: 100) {{ nodes {{ key "
        f"{field}({extra}where: $where, first: 100) {{ totalCount nodes {{ key }} }} }} }} }}"
    )
    parents = gql_data(client, query, {"where": where})[parent_list]["nodes"]
    got = {p["key"]: sorted(n["key"] for n in p[field]["nodes"]) for p in parents}
    assert got == expected
    for p in parents:
        assert p[field]["totalCount"] == len(expected[p["key"]])


# --- filters and pagination together ------------------------------------------------------------------------------

PAGED = [
    pytest.param(CHENGDU, IN_CHENGDU, id="city"),
    pytest.param({"recognitions": {"some": {"level": {"eq": "NATIONAL"}}}},
                 f"any(r IN {RECS} WHERE r.level = 'NATIONAL')", id="recognised-nationally"),
    pytest.param({"enterpriseCount": {"isNull": False}}, "n.enterpriseCount IS NOT NULL", id="stated-count"),
    pytest.param({"nameZh": {"eq": "荣县陶"}}, "n.nameZh = '荣县陶'", id="nothing"),
]  # fmt: skip


@pytest.mark.parametrize(("where", "condition"), PAGED)
def test_filtered_page_has_total_count_of_the_whole_filtered_list(
    client: Any, dataset_graph: Driver, settings: Settings, where: dict[str, Any], condition: str
) -> None:
    """With first: 2, totalCount is the Cypher count of all matches; the page is the first two by name, id."""
    ordered = [
        r["key"]
        for r in run_cypher(
            dataset_graph,
            settings,
            f"MATCH (n:Cluster) WHERE {condition} RETURN n.id AS key ORDER BY n.name, n.id",
        )
    ]
    conn = gql_data(client, list_query("clusters", "first: 2"), {"where": where})["clusters"]
    assert conn["totalCount"] == len(ordered)
    assert [n["key"] for n in conn["nodes"]] == ordered[:2]
    assert conn["pageInfo"]["hasNextPage"] is (len(ordered) > 2)


# --- bad input -----------------------------------------------------------------------------------------------------

INVALID = [
    pytest.param('{ clusters(where: {nameStatus: {eq: MAYBE}}) { totalCount } }', None, "MAYBE",
                 id="unknown-enum-literal"),
    pytest.param('{ recognitions(where: {level: {in: [PROVINCIAL, LOCAL]}}) { totalCount } }', None, "LOCAL",
                 id="unknown-enum-in-list"),
    pytest.param("query($w: ClusterWhere) { clusters(where: $w) { totalCount } }",
                 {"w": {"nameStatus": {"eq": "MAYBE"}}}, "MAYBE", id="unknown-enum-variable"),
    pytest.param('{ clusters(where: {level: {eq: NATIONAL}}) { totalCount } }', None, "level",
                 id="unknown-where-field"),
    pytest.param('{ clusters(where: {name: {like: "pump"}}) { totalCount } }', None, "like",
                 id="unknown-operator"),
    pytest.param('{ cities(where: {clusters: {any: {name: {eq: "x"}}}}) { totalCount } }', None, "any",
                 id="unknown-quantifier"),
    pytest.param("query($w: ClusterWhere) { clusters(where: $w) { totalCount } }",
                 {"w": {"population": {"gt": 1}}}, "population", id="unknown-field-variable"),
    pytest.param('{ clusters(where: {enterpriseCount: {gt: "many"}}) { totalCount } }', None, "many",
                 id="wrong-operand-type"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "variables", "named"), INVALID)
def test_unknown_enum_or_field_is_a_validation_error(
    client: Any, dataset_graph: Driver, query: str, variables: dict[str, Any] | None, named: str
) -> None:
    """An unknown enum value, field, operator or quantifier is refused by GraphQL validation, naming it."""
    body = gql(client, query, variables)
    assert body.get("data") is None
    assert body["errors"], body
    assert any(named in e["message"] for e in body["errors"]), body["errors"]
    assert all(e.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR" for e in body["errors"])


def nest(kind: str, depth: int) -> dict[str, Any]:
    """A cluster filter whose innermost condition sits `depth` levels down, through NOT, AND, OR or relationships."""
    inner: dict[str, Any] = {"name": {"contains": "district"}}
    for level in range(depth):
        if kind == "NOT":
            inner = {"NOT": inner}
        elif kind == "AND":
            inner = {"AND": [inner]}
        elif kind == "OR":
            inner = {"OR": [inner]}
        else:  # alternate Cluster -> city -> clusters.some -> ..., each hop one level
            inner = {"clusters": {"some": inner}} if level % 2 == 0 else {"city": inner}
    return inner


@pytest.mark.parametrize("kind", ["NOT", "AND", "OR", "relationships"])
def test_filter_nested_deeper_than_the_limit_is_refused(
    client: Any, dataset_graph: Driver, kind: str
) -> None:
    """A filter nested MAX_FILTER_DEPTH + 1 levels deep is refused with BAD_USER_INPUT, whatever nests it."""
    depth = MAX_FILTER_DEPTH + 1
    where = nest(kind, depth)
    if kind == "relationships" and depth % 2 == 1:
        # An odd chain ends on `clusters` (a CityWhere): one more hop makes the root a ClusterWhere.
        where = {"city": where}
    query = "query($w: ClusterWhere) { clusters(where: $w) { totalCount } }"
    body = gql(client, query, {"w": where})
    assert body.get("data") == {"clusters": None}  # the root list is nullable: null with its error
    codes = [e.get("extensions", {}).get("code") for e in body["errors"]]
    assert codes == ["BAD_USER_INPUT"], body["errors"]
    assert str(MAX_FILTER_DEPTH) in body["errors"][0]["message"]


def test_filter_nested_too_deep_on_a_nested_list_is_refused(client: Any, dataset_graph: Driver) -> None:
    """The depth limit holds for a nested list's `where` too (City.clusters): BAD_USER_INPUT at that field."""
    query = 'query($w: ClusterWhere) { city(id: "510100") { clusters(where: $w) { totalCount } } }'
    body = gql(client, query, {"w": nest("NOT", MAX_FILTER_DEPTH + 1)})
    assert [e.get("extensions", {}).get("code") for e in body["errors"]] == ["BAD_USER_INPUT"], body["errors"]
    assert body["errors"][0]["path"] == ["city", "clusters"]


@pytest.mark.parametrize(("kind", "python_name"), [("NOT", "not_"), ("AND", "and_"), ("OR", "or_")])
def test_depth_error_locates_the_filter_with_graphql_field_names(
    client: Any, dataset_graph: Driver, kind: str, python_name: str
) -> None:
    """The too-deep error says where in `where` the limit was passed in the API's own names (where.NOT.NOT...),
    not in the server's Python names (where.not_.not_...), which a client cannot relate to the schema."""
    query = "query($w: ClusterWhere) { clusters(where: $w) { totalCount } }"
    message = gql(client, query, {"w": nest(kind, MAX_FILTER_DEPTH + 1)})["errors"][0]["message"]
    assert f"where.{kind}" in message, message
    assert python_name not in message, message


def test_filter_nested_exactly_to_the_limit_is_accepted(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """MAX_FILTER_DEPTH nested NOTs are still accepted, and evaluate like Cypher (an even number cancels out)."""
    where = nest("NOT", MAX_FILTER_DEPTH)
    negated = MAX_FILTER_DEPTH % 2 == 1
    condition = ("NOT " if negated else "") + "toLower(n.name) CONTAINS 'district'"
    expected = expected_keys(dataset_graph, settings, "Cluster", condition)
    conn = gql_data(client, list_query("clusters"), {"where": where})["clusters"]
    assert sorted(n["key"] for n in conn["nodes"]) == sorted(expected)
    assert conn["totalCount"] == len(expected)


@pytest.mark.parametrize("new_only", [True, False])
def test_year_clusters_newOnly_with_where_after_dating_an_earlier_recognition(
    client: Any, fresh_dataset_graph: Driver, settings: Settings, new_only: bool
) -> None:
    """RecognitionYear.clusters(newOnly, where): true keeps clusters with no dated earlier recognition, false the rest.

    No cluster of the dataset has two dated recognitions, so one is dated here: Pidu's national recognition (year
    unknown in the sources) is moved to 2022, before its provincial 2024 one.
    """
    run_cypher(
        fresh_dataset_graph,
        settings,
        "MATCH (r:Recognition {id: 'pidu-electromagnetic-space-security/national'}), (y:RecognitionYear {year: 2022})"
        " SET r.year = 2022 MERGE (r)-[:IN_YEAR]->(y)",
    )
    earlier = (
        "any(e IN [(n)-[:RECOGNIZED]->(e:Recognition) | e] WHERE e.year IS NOT NULL AND e.year < y.year)"
    )
    rows = run_cypher(
        fresh_dataset_graph,
        settings,
        "MATCH (y:RecognitionYear) OPTIONAL MATCH (y)<-[:IN_YEAR]-(:Recognition)<-[:RECOGNIZED]-(n:Cluster)"
        f" WHERE {IN_CHENGDU} AND {'NOT ' if new_only else ''}{earlier}"
        " RETURN y.id AS year, collect(DISTINCT n.id) AS keys",
    )
    expected = {r["year"]: sorted(r["keys"]) for r in rows}
    assert ("pidu-electromagnetic-space-security" in expected["2024"]) is not new_only
    query = (
        "query($where: ClusterWhere, $newOnly: Boolean) { recognitionYears { nodes { key "
        "clusters(newOnly: $newOnly, where: $where, first: 100) { totalCount nodes { key } } } } }"
    )
    years = gql_data(client, query, {"where": CHENGDU, "newOnly": new_only})["recognitionYears"]["nodes"]
    assert {y["key"]: sorted(n["key"] for n in y["clusters"]["nodes"]) for y in years} == expected


# --- NOT and `all` over missing values ------------------------------------------------------------------------
# A node either matches a `where` or it does not: `where` and `NOT where` split a list in two, and a related node
# with no value for the tested property does not match (the list filtered by that `where` leaves it out), so it
# keeps its parent out of `all`. The expectations are set operations over Cypher results.

COMPLEMENTS = [
    pytest.param("clusters", {"outputValueCny": {"gt": 1e10}}, "n.outputValueCny > 10000000000",
                 id="clusters-output-value-gt"),
    pytest.param("clusters", {"enterpriseCount": {"lt": 100}}, "n.enterpriseCount < 100",
                 id="clusters-enterprise-count-lt"),
    pytest.param("clusters", {"OR": [{"enterpriseCount": {"gte": 100}}, {"outputValueCny": {"lte": 5e9}}]},
                 "n.enterpriseCount >= 100 OR n.outputValueCny <= 5000000000", id="clusters-OR-of-nullable"),
    pytest.param("clusters", {"recognitions": {"some": {"year": {"gte": 2024}}}},
                 f"any(r IN {RECS} WHERE r.year >= 2024)", id="clusters-some-recognition"),
    pytest.param("recognitions", {"year": {"gt": 2022}}, "n.year > 2022", id="recognitions-year-gt"),
    pytest.param("batches", {"officialCountSichuan": {"gt": 10}}, "n.officialCountSichuan > 10",
                 id="batches-official-count-gt"),
]  # fmt: skip


@pytest.mark.parametrize(("list_field", "where", "condition"), COMPLEMENTS)
def test_NOT_returns_the_complement_of_the_filter(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    list_field: str,
    where: dict[str, Any],
    condition: str,
) -> None:
    """`NOT: w` keeps exactly the nodes that `w` leaves out, nodes without the tested value included: the two
    lists are disjoint and together make the whole list."""
    label = LISTS[list_field][0]
    everything = set(expected_keys(dataset_graph, settings, label, "true"))
    matching = set(expected_keys(dataset_graph, settings, label, condition))
    assert matching
    assert matching != everything
    query = list_query(list_field)
    kept = {n["key"] for n in gql_data(client, query, {"where": where})[list_field]["nodes"]}
    left_out = gql_data(client, query, {"where": {"NOT": where}})[list_field]
    assert kept == matching
    assert sorted(n["key"] for n in left_out["nodes"]) == sorted(everything - matching)
    assert left_out["totalCount"] == len(everything - matching)


ALLS = [
    pytest.param("clusters", "recognitions", {"year": {"gte": 2023}}, "Cluster", "Recognition",
                 "(p)-[:RECOGNIZED]->(n:Recognition)", "n.year >= 2023", id="clusters-all-recognitions-year"),
    pytest.param("cities", "clusters", {"outputValueCny": {"gt": 1e9}}, "City", "Cluster",
                 "(p)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(n:Cluster)", "n.outputValueCny > 1000000000",
                 id="cities-all-clusters-output-value"),
    pytest.param("industries", "clusters", {"enterpriseCount": {"gte": 50}}, "Industry", "Cluster",
                 "(p)<-[:IN_INDUSTRY]-(n:Cluster)", "n.enterpriseCount >= 50",
                 id="industries-all-clusters-enterprise-count"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("list_field", "rel_field", "sub_where", "parent_label", "child_label", "pattern", "condition"), ALLS
)
def test_all_requires_every_related_node_to_match(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    list_field: str,
    rel_field: str,
    sub_where: dict[str, Any],
    parent_label: str,
    child_label: str,
    pattern: str,
    condition: str,
) -> None:
    """`all: w` keeps a parent when each of its related nodes is one that `w` keeps (vacuously when it has none);
    a related node without the tested value is not kept by `w`, so its parent fails `all`."""
    matching = set(expected_keys(dataset_graph, settings, child_label, condition))
    related: dict[str, set[str]] = {}
    for r in run_cypher(
        dataset_graph,
        settings,
        f"MATCH (p:{parent_label}) OPTIONAL MATCH {pattern} RETURN p.id AS p, n.id AS n",
    ):
        related.setdefault(r["p"], set()).update([r["n"]] if r["n"] is not None else [])
    expected = sorted(p for p, children in related.items() if children <= matching)
    conn = gql_data(client, list_query(list_field), {"where": {rel_field: {"all": sub_where}}})[list_field]
    assert sorted(n["key"] for n in conn["nodes"]) == expected
    assert conn["totalCount"] == len(expected)
