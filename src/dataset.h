/*-------------------------------------------------------------------------
 *
 * dataset.h
 *	  Loading a relation's columns into a SegFrame in one scan.
 *
 * IDENTIFICATION
 *	  src/dataset.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_DATASET_H
#define SEGMENT_DATASET_H

#include "postgres.h"

#include "utils/array.h"

#include "frame.h"

/*
 * Reads the named columns of relid into a frame, with the caller's
 * privileges (the scan is an ordinary SELECT through SPI, so grants and
 * row-level security apply).  Column `label_index` (or -1 for none) is
 * loaded as a categorical label of any type: its values are the type's
 * text output, ordered numerically for numeric types and bytewise
 * otherwise.  Every other column must be numeric, bool or text-like.
 */
extern SegFrame *dataset_load(Oid relid, char **columns, int n_columns, int label_index);

/* Which columns make a row's key for dataset_load_keyed. */
typedef struct DatasetKey
{
	char	  **columns;		/* key columns, or NULL for every loaded column */
	int			n_columns;
} DatasetKey;

/*
 * dataset_load, plus each row's key hash (row_hash.h) into *row_hash
 * (n_rows values).  Key columns need not be among the loaded columns.
 */
extern SegFrame *dataset_load_keyed(Oid relid, char **columns, int n_columns,
									int label_index, const DatasetKey *key,
									uint64 **row_hash);

/*
 * Decides, as each row arrives, whether dataset_load_filtered keeps it:
 * from the row's key hash and its cells as the frame will hold them (NaN
 * for NULL, categories as codes in first-seen order), with the text of
 * the label's code (NULL without a label column or for a NULL label).
 * Rows it drops take no memory.
 */
typedef bool (*DatasetRowFilter) (void *arg, uint64 key_hash, const double *row,
								  const char *label_text);

/*
 * dataset_load_keyed keeping only the rows filter accepts (their hashes
 * in *row_hash).  The frame's category vocabularies still hold the values
 * of every row read.
 */
extern SegFrame *dataset_load_filtered(Oid relid, char **columns, int n_columns,
									   int label_index, const DatasetKey *key,
									   DatasetRowFilter filter, void *filter_arg,
									   uint64 **row_hash);

/*
 * Orders rows (indices into frame) by their key hash, then by their
 * values: an order that does not depend on the one a scan returned them
 * in (a Citus distributed table's, after VACUUM FULL, ...).
 */
extern void dataset_canonical_order(const SegFrame *frame, const uint64 *hashes, int *rows,
									int n);

/*
 * dataset_load with the rows in that canonical order (keyed by every
 * loaded column): what a function whose result depends on row order
 * (SMOTE's base rows, k-means++ seeding) loads, so that the same rows
 * give the same result in any scan order.
 */
extern SegFrame *dataset_load_canonical(Oid relid, char **columns, int n_columns,
										int label_index);

/*
 * The columns whose values key each row of relid for a split: the key
 * argument (a text[]) when not NULL, else relid's primary key, else every
 * column of relid whose type can be hashed (columns a model leaves out
 * included, so that an id tells apart rows that share every feature).
 * *source says which: "key argument", "primary key" or "every column".
 */
extern void dataset_split_key(Oid relid, ArrayType *key, DatasetKey *out, const char **source);

/* The names of relid's primary key columns (*n_out of them; 0 without one). */
extern char **dataset_primary_key(Oid relid, int *n_out);

/*
 * Every column of relid in attribute order, except `label` (may be NULL)
 * and the names in `exclude`.
 */
extern char **dataset_default_columns(Oid relid, const char *label,
									  char **exclude, int n_exclude, int *n_out);

/* The SegColumnKind a type loads as, or -1 when it is not supported. */
extern int	dataset_column_kind(Oid typid, bool *is_integer);

/* A numeric or bool datum as a double; base_typid is getBaseType()'s. */
extern double dataset_datum_to_double(Datum value, Oid base_typid);

/* A text-like datum as a C string (char(n) without its padding). */
extern char *dataset_text_value(Datum value, Oid base_typid);

/* Validates a relation column name, returning its type; ERROR if unknown. */
extern Oid	dataset_column_type(Oid relid, const char *column);

/* ERROR when a feature value is NaN or infinite. */
extern void dataset_check_finite(double value, const char *column);

/* Text array argument to C strings; ERROR on NULL elements. */
extern char **dataset_text_array(ArrayType *array, const char *what, int *n_out);

#endif							/* SEGMENT_DATASET_H */
