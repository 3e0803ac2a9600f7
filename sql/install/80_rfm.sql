------------------------------------------------------------------------
-- RFM: recency, frequency, monetary features from a transactions table
------------------------------------------------------------------------

-- docs/rfm.md defines every column and the segment map.  Not strict: a
-- NULL argument is an error, except as_of (NULL: as of the last purchase).
-- PARALLEL RESTRICTED: they read a relation named at run time (which may be
-- a temporary table); their own scan runs in parallel workers.
CREATE FUNCTION segment.rfm(transactions regclass, customer text, "at" text, amount text,
							as_of timestamptz DEFAULT NULL)
RETURNS TABLE (customer_id text, recency float8, frequency bigint, monetary float8,
			   average_order_value float8, tenure float8, inter_purchase_time float8,
			   r_score integer, f_score integer, m_score integer, segment text)
	AS 'MODULE_PATHNAME', 'rfm'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.rfm(regclass, text, text, text, timestamptz) IS
	'one row per customer: recency and tenure (days to as_of, default the last purchase), frequency (purchases: distinct instants), monetary, average order value, inter-purchase time, 1-5 quintile scores and the RFM segment';

CREATE FUNCTION segment.rfm_split(transactions regclass, customer text, "at" text, amount text,
								  cutoff timestamptz, horizon interval DEFAULT '180 days')
RETURNS TABLE (customer_id text, recency float8, frequency bigint, monetary float8,
			   average_order_value float8, tenure float8, inter_purchase_time float8,
			   r_score integer, f_score integer, m_score integer, segment text,
			   future_spend float8)
	AS 'MODULE_PATHNAME', 'rfm_split'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION segment.rfm_split(regclass, text, text, text, timestamptz, interval) IS
	'RFM features of the purchases before cutoff (as of cutoff) and future_spend, the amount spent in [cutoff, cutoff + horizon), for every customer with a purchase before cutoff';

CREATE FUNCTION segment.rfm_segment(r_score integer, f_score integer, m_score integer)
RETURNS text
	AS 'MODULE_PATHNAME', 'rfm_segment'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION segment.rfm_segment(integer, integer, integer) IS
	'the RFM segment of 1-5 scores: champions, loyal_customers, potential_loyalists, new_customers, promising, need_attention, about_to_sleep, at_risk, cant_lose_them, hibernating or lost (docs/rfm.md)';
