-- model values: envelope validation, corrupt / truncated / random bytes
SET search_path = segment, public;
\set VERBOSITY terse

CREATE TEMP TABLE m AS
SELECT scaler_fit(ARRAY[x, 2 * x]::float8[]) AS model FROM generate_series(1, 5) x;

SELECT model_kind(model), length(model), substr(model, 1, 8) AS header_start FROM m;
SELECT model_info(model) FROM m;

-- every truncation of a valid model is rejected, none crashes
DO $$
DECLARE
	full_model bytea := (SELECT model FROM m);
	failures int := 0;
BEGIN
	FOR n IN 0 .. length(full_model) - 1 LOOP
		BEGIN
			PERFORM segment.model_info(substr(full_model, 1, n));
		EXCEPTION WHEN invalid_binary_representation THEN
			failures := failures + 1;
		END;
	END LOOP;
	RAISE NOTICE 'truncations rejected: % of %', failures, length(full_model);
END
$$;

-- every single-bit flip anywhere is rejected
DO $$
DECLARE
	full_model bytea := (SELECT model FROM m);
	rejected int := 0;
	total int := 0;
BEGIN
	FOR pos IN 0 .. length(full_model) - 1 LOOP
		FOR bit IN 0 .. 7 LOOP
			total := total + 1;
			BEGIN
				PERFORM segment.model_info(set_byte(full_model, pos, get_byte(full_model, pos) # (1 << bit)));
			EXCEPTION WHEN invalid_binary_representation OR feature_not_supported OR wrong_object_type THEN
				rejected := rejected + 1;
			END;
		END LOOP;
	END LOOP;
	RAISE NOTICE 'bit flips rejected: % of %', rejected, total;
END
$$;

-- each kind of damage on its own line
SELECT model_info('\x');
SELECT model_info('\x5345474d');
SELECT model_info('\xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef');
SELECT model_info(set_byte(model, 0, 0)) FROM m;                   -- magic
SELECT model_info(set_byte(model, 4, 2)) FROM m;                   -- format version 2
SELECT model_info(set_byte(model, 6, 99)) FROM m;                  -- unknown kind
SELECT model_info(set_byte(model, 8, 1)) FROM m;                   -- reserved field
SELECT model_info(model || '\x00'::bytea) FROM m;                  -- trailing byte
SELECT model_info(substr(model, 1, length(model) - 1)) FROM m;     -- truncated
SELECT model_info(set_byte(model, 30, get_byte(model, 30) # 1)) FROM m;  -- payload bit flip
SELECT model_kind(set_byte(model, 30, get_byte(model, 30) # 1)) FROM m;
SELECT model_info(NULL) IS NULL AS null_in_null_out;

DO $$
DECLARE
	rejected int := 0;
	b bytea;
BEGIN
	PERFORM setseed(0.5);
	FOR i IN 1 .. 300 LOOP
		SELECT decode(string_agg(lpad(to_hex((random() * 255)::int), 2, '0'), ''), 'hex')
			INTO b FROM generate_series(1, 1 + i % 80);
		-- half of them carry a valid magic number and version
		IF i % 2 = 0 THEN
			b := '\x5345474d0100'::bytea || b;
		END IF;
		BEGIN
			PERFORM segment.model_info(b);
		EXCEPTION WHEN invalid_binary_representation OR feature_not_supported OR wrong_object_type THEN
			rejected := rejected + 1;
		END;
	END LOOP;
	RAISE NOTICE 'random values rejected: % of 300', rejected;
END
$$;
