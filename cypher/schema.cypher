// ClusterGraph schema: constraints and indexes.
// Applied idempotently by `clustergraph migrate` and at service start-up; each statement is run on its own
// (statements are separated by semicolons at the end of a line). Safe to paste into Neo4j Browser too.

// Every node has a stable, unique id.
CREATE CONSTRAINT province_id IF NOT EXISTS FOR (n:Province) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT city_id IF NOT EXISTS FOR (n:City) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT county_id IF NOT EXISTS FOR (n:County) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT industry_id IF NOT EXISTS FOR (n:Industry) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT cluster_id IF NOT EXISTS FOR (n:Cluster) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT enterprise_id IF NOT EXISTS FOR (n:Enterprise) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT recognition_id IF NOT EXISTS FOR (n:Recognition) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT batch_id IF NOT EXISTS FOR (n:Batch) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT batch_figure_id IF NOT EXISTS FOR (n:BatchFigure) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT recognition_year_id IF NOT EXISTS FOR (n:RecognitionYear) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT recognition_year_year IF NOT EXISTS FOR (n:RecognitionYear) REQUIRE n.year IS UNIQUE;

// Sort and filter keys used by the API (keyset pagination orders by a key, then id).
CREATE INDEX cluster_name IF NOT EXISTS FOR (n:Cluster) ON (n.name);
CREATE INDEX cluster_name_zh IF NOT EXISTS FOR (n:Cluster) ON (n.nameZh);
CREATE INDEX cluster_output_value IF NOT EXISTS FOR (n:Cluster) ON (n.outputValueCny);
CREATE INDEX cluster_enterprise_count IF NOT EXISTS FOR (n:Cluster) ON (n.enterpriseCount);
CREATE INDEX city_name IF NOT EXISTS FOR (n:City) ON (n.name);
CREATE INDEX city_admin_code IF NOT EXISTS FOR (n:City) ON (n.adminCode);
CREATE INDEX county_name IF NOT EXISTS FOR (n:County) ON (n.name);
CREATE INDEX industry_name IF NOT EXISTS FOR (n:Industry) ON (n.name);
CREATE INDEX enterprise_name IF NOT EXISTS FOR (n:Enterprise) ON (n.name);
CREATE INDEX recognition_level IF NOT EXISTS FOR (n:Recognition) ON (n.level);
CREATE INDEX recognition_year_prop IF NOT EXISTS FOR (n:Recognition) ON (n.year);
CREATE INDEX batch_year IF NOT EXISTS FOR (n:Batch) ON (n.year);

// A city's seat (a WGS-84 point): distance filters, `orderBy: DISTANCE` and `near` seek it (point.distance).
CREATE POINT INDEX city_location IF NOT EXISTS FOR (n:City) ON (n.location);

// The names' stored sort keys (see `sort_keys.py`): NAME ignores case, NAME_ZH sorts by pinyin.
CREATE INDEX province_name_sort IF NOT EXISTS FOR (n:Province) ON (n.nameSort);
CREATE INDEX province_name_zh_sort IF NOT EXISTS FOR (n:Province) ON (n.nameZhSort);
CREATE INDEX city_name_sort IF NOT EXISTS FOR (n:City) ON (n.nameSort);
CREATE INDEX city_name_zh_sort IF NOT EXISTS FOR (n:City) ON (n.nameZhSort);
CREATE INDEX county_name_sort IF NOT EXISTS FOR (n:County) ON (n.nameSort);
CREATE INDEX county_name_zh_sort IF NOT EXISTS FOR (n:County) ON (n.nameZhSort);
CREATE INDEX industry_name_sort IF NOT EXISTS FOR (n:Industry) ON (n.nameSort);
CREATE INDEX industry_name_zh_sort IF NOT EXISTS FOR (n:Industry) ON (n.nameZhSort);
CREATE INDEX cluster_name_sort IF NOT EXISTS FOR (n:Cluster) ON (n.nameSort);
CREATE INDEX cluster_name_zh_sort IF NOT EXISTS FOR (n:Cluster) ON (n.nameZhSort);
CREATE INDEX enterprise_name_sort IF NOT EXISTS FOR (n:Enterprise) ON (n.nameSort);
CREATE INDEX enterprise_name_zh_sort IF NOT EXISTS FOR (n:Enterprise) ON (n.nameZhSort);

// Full-text search over names in both languages. The CJK analyzer indexes Chinese as overlapping bigrams and
// English as lower-cased words, so both "电磁" and "electromagnetic" find the Pidu cluster. It also reads the name
// without accents (`nameFolded`, so "garze" finds Garzê), a cluster's other Chinese names and its leading sector; batches (the official lists) are found by name too.
// `migrate` drops and recreates the index when this definition changes.
CREATE FULLTEXT INDEX name_search IF NOT EXISTS
FOR (n:Cluster|Enterprise|City|County|Industry|Province|Batch)
ON EACH [n.name, n.nameZh, n.nameFolded, n.alternateNamesZh, n.leadingSector, n.leadingSectorZh]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk', `fulltext.eventually_consistent`: false}};
