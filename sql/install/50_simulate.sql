------------------------------------------------------------------------
-- Sample data
------------------------------------------------------------------------

CREATE FUNCTION segment.simulate_customers(n integer, seed integer DEFAULT 42)
RETURNS TABLE (customer_id integer, monthly_spending float8, engagement_score integer,
			   tenure integer, complaint_count integer, purchase_frequency float8,
			   discount_usage float8, customer_segment integer)
	AS 'MODULE_PATHNAME', 'simulate_customers'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION segment.simulate_customers(integer, integer) IS
	'deterministic sample customers: six features and a value segment (0 low, 1 medium, 2 high, in the proportions 1067 : 393 : 100)';
