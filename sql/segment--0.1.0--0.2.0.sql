-- segment 0.1.0 -> 0.2.0.  Every change to sql/install/ since 0.1.0 has its
-- counterpart here; test/upgrade checks that an updated 0.1.0 database has
-- exactly the objects of a new 0.2.0 install.

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION segment UPDATE TO '0.2.0'" to load this file. \quit
