------------------------------------------------------------------------
-- Oversampling: SMOTE / SMOTE-NC into a new table
------------------------------------------------------------------------

CREATE FUNCTION segment.smote_table(source regclass, label text, target text,
									k_neighbors integer DEFAULT 5,
									sampling_strategy text DEFAULT 'auto',
									seed integer DEFAULT 42,
									features text[] DEFAULT NULL)
RETURNS TABLE (class text, rows_before bigint, rows_after bigint)
	AS 'MODULE_PATHNAME', 'smote_table'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION segment.smote_table(regclass, text, text, integer, text, integer, text[]) IS
	'creates target: the rows of source plus SMOTE (SMOTE-NC with text or boolean features) rows that balance the label''s classes, told apart by a synthetic column';
