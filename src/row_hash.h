/*-------------------------------------------------------------------------
 *
 * row_hash.h
 *	  A 64-bit hash of a row's key columns, the same whichever way the row
 *	  arrives: in a training scan or as a record passed to split_part().
 *
 * Each value is hashed by its type's extended hash function (the one hash
 * partitioning and Citus's distribution use: equal values hash equally,
 * e.g. 1.0 and 1.00, -0 and 0), with seed 0, under the column's
 * collation; the hashes are combined in column order, and NULL hashes to
 * a constant.
 *
 * IDENTIFICATION
 *	  src/row_hash.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_ROW_HASH_H
#define SEGMENT_ROW_HASH_H

#include "postgres.h"

#include "fmgr.h"

/*
 * How a key column is hashed: most often by a number type's hash, computed
 * here as its function computes it (utils/adt and access/hash), without
 * the function call, which was most of the cost of hashing a row.
 */
typedef enum RowHashKind
{
	ROW_HASH_CALL,				/* through fmgr: any other type */
	ROW_HASH_INT2,
	ROW_HASH_INT4,
	ROW_HASH_INT8,
	ROW_HASH_FLOAT4,
	ROW_HASH_FLOAT8
} RowHashKind;

typedef struct RowHasher
{
	int			n;
	RowHashKind *kind;
	FmgrInfo   *fn;				/* per key column: its type's extended hash */
	Oid		   *collation;
} RowHasher;

/*
 * Prepares a hasher for key columns of the given types and collations;
 * ERROR naming the column when a type has no hash function.
 */
extern void row_hasher_init(RowHasher *h, int n, const Oid *types, const Oid *collations,
							char *const *names);

/* The hash of one row's key values. */
extern uint64 row_hasher_hash(const RowHasher *h, const Datum *values, const bool *nulls);

/* Whether every key column is hashed as float8 (row_hasher_hash_doubles applies). */
extern bool row_hasher_all_float8(const RowHasher *h);

/*
 * row_hasher_hash of n rows at once, their key values float8 cells: those
 * of row i at values[i * stride + columns[k]], NaN standing for NULL (a
 * loaded frame's, which refuses NaN values).  The rows are hashed side by
 * side, where one row at a time waits on its chain of combinations.
 */
extern void row_hasher_hash_doubles(const RowHasher *h, const double *values, int n,
									int stride, const int *columns, uint64 *out);

#endif							/* SEGMENT_ROW_HASH_H */
