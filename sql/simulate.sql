-- segment.simulate_customers: shape, class shares, determinism, bad input
SET search_path = segment, public;

-- the classic table's 1,067 / 393 / 100 at its own size
SELECT customer_segment, count(*)
FROM simulate_customers(1560) GROUP BY 1 ORDER BY 1;

-- the same shares scaled to other sizes
SELECT customer_segment, count(*)
FROM simulate_customers(1500) GROUP BY 1 ORDER BY 1;

-- value ranges
SELECT min(engagement_score) >= 1 AND max(engagement_score) <= 100 AS engagement_ok,
       min(tenure) >= 1 AND max(tenure) <= 72 AS tenure_ok,
       min(discount_usage) >= 0 AND max(discount_usage) <= 1 AS discount_ok,
       min(monthly_spending) > 0 AND min(purchase_frequency) > 0 AS positive_ok,
       min(complaint_count) >= 0 AS complaints_ok,
       count(DISTINCT customer_id) = count(*) AS ids_unique
FROM simulate_customers(5000);

-- the segment follows the features: mean spending rises with the segment
SELECT customer_segment, round(avg(monthly_spending)) > 0 AS spends,
       rank() OVER (ORDER BY avg(monthly_spending)) AS spending_rank
FROM simulate_customers(3000) GROUP BY 1 ORDER BY 1;

-- deterministic for a seed, different across seeds
SELECT (SELECT array_agg(s ORDER BY customer_id) FROM simulate_customers(200, 7) s)
     = (SELECT array_agg(s ORDER BY customer_id) FROM simulate_customers(200, 7) s) AS same_seed_same_rows;
SELECT (SELECT array_agg(s ORDER BY customer_id) FROM simulate_customers(200, 7) s)
     = (SELECT array_agg(s ORDER BY customer_id) FROM simulate_customers(200, 8) s) AS other_seed_same_rows;

-- edge cases and bad input
SELECT count(*) FROM simulate_customers(0);
SELECT count(*) FROM simulate_customers(1);
SELECT count(*) FROM simulate_customers(NULL);
SELECT count(*) FROM simulate_customers(-1);
SET segment.memory_limit = '1MB';
SELECT count(*) FROM simulate_customers(100000);
RESET segment.memory_limit;
