-- pgTAP: extension shape, BLAS threads, GUCs, privileges
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS segment;
RESET client_min_messages;
-- the GUCs exist once the library is loaded in this backend
LOAD 'segment';

BEGIN;
SELECT plan(22);

SELECT has_schema('segment');
SELECT has_table('segment', 'models', 'the registry table exists');
SELECT col_is_pk('segment', 'models', ARRAY['name', 'version'], 'models are keyed by name and version');
SELECT has_function('segment', 'scaler_fit', ARRAY['double precision[]']);
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'segment.scaler_fit(float8[])'::regprocedure),
          's', 'scaler_fit is parallel safe');
SELECT isnt((SELECT aggcombinefn FROM pg_aggregate WHERE aggfnoid = 'segment.scaler_fit(float8[])'::regprocedure),
            0::regproc, 'scaler_fit has a combine function');
SELECT is((SELECT format_type(aggtranstype, NULL) FROM pg_aggregate
           WHERE aggfnoid = 'segment.scaler_fit(float8[])'::regprocedure),
          'double precision[]', 'scaler_fit state is float8[], not internal');
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
           JOIN pg_extension e ON e.oid = d.refobjid
           WHERE e.extname = 'segment' AND p.prosecdef), 0, 'no SECURITY DEFINER functions');
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
           JOIN pg_extension e ON e.oid = d.refobjid
           WHERE e.extname = 'segment' AND p.provolatile = 'i' AND p.proname IN ('model', 'preprocess_fit')),
          0, 'functions that read tables are not immutable');
-- the registry is written by its owner only (through the extension's functions)
SELECT table_privs_are('segment', 'models', 'public', ARRAY['SELECT'],
                       'PUBLIC may only SELECT segment.models');
SELECT table_privs_are('segment', 'model_grants', 'public', ARRAY['SELECT'],
                       'PUBLIC may only SELECT segment.model_grants');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'segment.models'::regclass),
          'segment.models shows each role the models of owners whose privileges it has');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'segment.model_grants'::regclass),
          'segment.model_grants has row level security');
SELECT is(current_setting('segment.blas_threads'), '1', 'one BLAS thread per backend by default');
-- OpenBLAS is opened by the first BLAS call, not with segment.so
SELECT ok(pg_read_file('/proc/' || pg_backend_pid() || '/maps') !~ 'libopenblas',
          'loading segment.so does not load OpenBLAS');
-- training multiplies matrices with BLAS; after it this backend still runs one thread
SET LOCAL client_min_messages = warning;
CREATE TEMP TABLE blas_probe AS SELECT * FROM segment.simulate_customers(300, 1);
SELECT segment.segment_train('blas_probe', 'blas_probe', 'customer_segment', exclude => '{customer_id}',
                             hidden => '{8}', epochs => 2, balance => 'none') IS NOT NULL;
RESET client_min_messages;
SELECT ok(pg_read_file('/proc/' || pg_backend_pid() || '/maps') ~ 'libopenblas',
          'a training call loads OpenBLAS');
SELECT is((regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'Threads:\s+(\d+)'))[1],
          '1', 'the backend has a single thread after using BLAS');
-- the postmaster never loads segment (and so never starts BLAS threads)
SELECT is((regexp_match(pg_read_file('/proc/' || split_part(pg_read_file('postmaster.pid'), E'\n', 1) || '/status'),
          'Threads:\s+(\d+)'))[1], '1', 'the postmaster has a single thread');
SELECT ok(pg_read_file('/proc/' || split_part(pg_read_file('postmaster.pid'), E'\n', 1) || '/maps') !~ 'segment\.so',
          'the postmaster has not loaded segment.so');

SELECT lives_ok($$SET LOCAL segment.blas_threads = 2$$, 'blas_threads can be raised');
SELECT throws_ok($$SET LOCAL segment.blas_threads = 0$$, '22023', NULL, 'blas_threads below 1 is refused');
SELECT throws_ok($$SET LOCAL segment.no_such_setting = 1$$, '42602', NULL, 'the segment. prefix is reserved');

SELECT * FROM finish();
ROLLBACK;
