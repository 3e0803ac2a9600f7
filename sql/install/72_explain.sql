------------------------------------------------------------------------
-- What a trained model leans on: feature importance over its test rows,
-- and per-row explanations
------------------------------------------------------------------------

CREATE FUNCTION segment.feature_importance(name text, version integer DEFAULT NULL,
										   repeats integer DEFAULT 5)
RETURNS TABLE (feature text, importance float8, std float8, split_gain float8)
	AS 'MODULE_PATHNAME', 'feature_importance'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.feature_importance(text, integer, integer) IS
	'permutation importance of each column on the test rows (mean drop of macro-F1, or R2, over seeded shuffles, and its standard deviation); split_gain: trees'' share of the split gain';

CREATE FUNCTION segment.explain(name text, row_value record, version integer DEFAULT NULL)
RETURNS TABLE (feature text, contribution float8, class text)
	AS 'MODULE_PATHNAME', 'explain'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION segment.explain(text, record, integer) IS
	'each column''s contribution to the margin of the predicted class (or to a regressor''s value) for one row, exact TreeSHAP for trees and coefficient x value for logistic regression; with the (base value) row they add up to the margin';
