------------------------------------------------------------------------
-- A tree model read as rules: one row per leaf of one tree
------------------------------------------------------------------------

CREATE FUNCTION segment.tree_rules(name text, version integer DEFAULT NULL,
								   tree integer DEFAULT 0)
RETURNS TABLE (leaf integer, rule text, samples float8, class text, prediction float8)
	AS 'MODULE_PATHNAME', 'tree_rules'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.tree_rules(text, integer, integer) IS
	'the rules of one tree (numbered from 0) of a decision_tree, random_forest or gbdt model, one row per leaf: the conditions on the way to it in original column names and units, the training rows reaching it, and what it predicts (trees of classifiers: the majority class and its share; gbdt: the class whose raw score the tree adds to and the value it adds; regressors: the value)';
