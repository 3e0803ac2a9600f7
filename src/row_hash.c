/*-------------------------------------------------------------------------
 *
 * row_hash.c
 *	  Hashing a row's key columns with their types' hash functions.
 *
 * IDENTIFICATION
 *	  src/row_hash.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "port/pg_bitutils.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "lanes.h"
#include "row_hash.h"

/* what a NULL key value contributes */
#define NULL_KEY_HASH UINT64CONST(0x9e3779b97f4a7c15)

/* The inlined kind of a type's extended hash function, or ROW_HASH_CALL. */
static RowHashKind
KindOf(Oid hash_extended_proc)
{
	switch (hash_extended_proc)
	{
		case F_HASHINT2EXTENDED:
			return ROW_HASH_INT2;
		case F_HASHINT4EXTENDED:
			return ROW_HASH_INT4;
		case F_HASHINT8EXTENDED:
			return ROW_HASH_INT8;
		case F_HASHFLOAT4EXTENDED:
			return ROW_HASH_FLOAT4;
		case F_HASHFLOAT8EXTENDED:
			return ROW_HASH_FLOAT8;
		default:
			return ROW_HASH_CALL;
	}
}

/*
 * Bob Jenkins' lookup3 as common/hashfn.c has it, for the two lengths the
 * number types hash with seed 0: a value of 4 bytes (hash_bytes_uint32_extended)
 * and one of 8 (hash_bytes_extended, whose general loop and length switch
 * cost more than the mixing).  The regression tests pin the results.
 */
#define LOOKUP3_INIT(len) ((uint32) 0x9e3779b9 + (uint32) (len) + 3923095)

/* one step of lookup3's final mixing: x ^= y, then x -= y rotated left by r */
#define LOOKUP3_STEP(x, y, r) ((x) ^= (y), (x) -= pg_rotate_left32((y), (r)))

static inline uint64
Lookup3Final(uint32 a, uint32 b, uint32 c)
{
	LOOKUP3_STEP(c, b, 14);
	LOOKUP3_STEP(a, c, 11);
	LOOKUP3_STEP(b, a, 25);
	LOOKUP3_STEP(c, b, 16);
	LOOKUP3_STEP(a, c, 4);
	LOOKUP3_STEP(b, a, 14);
	LOOKUP3_STEP(c, b, 24);
	return ((uint64) b << 32) | c;
}

static inline uint64
HashFourBytes(uint32 k)
{
	return Lookup3Final(LOOKUP3_INIT(4) + k, LOOKUP3_INIT(4), LOOKUP3_INIT(4));
}

static inline uint64
HashEightBytes(float8 key)
{
#ifdef WORDS_BIGENDIAN
	return hash_bytes_extended((const unsigned char *) &key, sizeof(key), 0);
#else
	uint64		word;

	/* the first four bytes in memory add to a, the next four to b */
	memcpy(&word, &key, sizeof(word));
	return Lookup3Final(LOOKUP3_INIT(8) + (uint32) word, LOOKUP3_INIT(8) + (uint32) (word >> 32),
						LOOKUP3_INIT(8));
#endif
}

/*
 * hashfloat8extended with seed 0: -0 hashes as 0 does, every NaN as the
 * standard NaN.  hashfloat4extended hashes the value widened to float8.
 */
static inline uint64
HashFloat8(float8 key)
{
	if (key == (float8) 0)
		return 0;
	if (isnan(key))
		key = get_float8_nan();
	return HashEightBytes(key);
}

/* hashint8extended with seed 0: the high half folded into the low one */
static inline uint64
HashInt8(int64 value)
{
	uint32		lohalf = (uint32) value;
	uint32		hihalf = (uint32) (value >> 32);

	lohalf ^= (value >= 0) ? hihalf : ~hihalf;
	return HashFourBytes(lohalf);
}

/* One key value's hash, as its type's extended hash function gives it with seed 0. */
static inline uint64
HashValue(const RowHasher *h, int j, Datum value)
{
	switch (h->kind[j])
	{
		case ROW_HASH_INT2:
			return HashFourBytes((uint32) (int32) DatumGetInt16(value));
		case ROW_HASH_INT4:
			return HashFourBytes((uint32) DatumGetInt32(value));
		case ROW_HASH_INT8:
			return HashInt8(DatumGetInt64(value));
		case ROW_HASH_FLOAT4:
			return HashFloat8((float8) DatumGetFloat4(value));
		case ROW_HASH_FLOAT8:
			return HashFloat8(DatumGetFloat8(value));
		case ROW_HASH_CALL:
			break;
	}
	return DatumGetUInt64(FunctionCall2Coll(&h->fn[j], h->collation[j], value,
											Int64GetDatum(0)));
}

void
row_hasher_init(RowHasher *h, int n, const Oid *types, const Oid *collations,
				char *const *names)
{
	h->n = n;
	h->kind = palloc(sizeof(RowHashKind) * Max(n, 1));
	h->fn = palloc0(sizeof(FmgrInfo) * Max(n, 1));
	h->collation = palloc(sizeof(Oid) * Max(n, 1));
	for (int j = 0; j < n; j++)
	{
		TypeCacheEntry *t = lookup_type_cache(types[j], TYPECACHE_HASH_EXTENDED_PROC_FINFO);

		if (!OidIsValid(t->hash_extended_proc))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("key column \"%s\" has type %s, which has no hash function",
							names[j], format_type_be(types[j])),
					 errhint("Choose key columns of a type such as integer, bigint, text or uuid.")));
		h->kind[j] = KindOf(t->hash_extended_proc);
		fmgr_info_copy(&h->fn[j], &t->hash_extended_proc_finfo, CurrentMemoryContext);
		h->collation[j] = collations[j];
	}
}

uint64
row_hasher_hash(const RowHasher *h, const Datum *values, const bool *nulls)
{
	uint64		hash = 0;

	for (int j = 0; j < h->n; j++)
	{
		uint64		v = nulls[j] ? NULL_KEY_HASH : HashValue(h, j, values[j]);

		hash = hash_combine64(hash, v);
	}
	return hash;
}

bool
row_hasher_all_float8(const RowHasher *h)
{
	for (int j = 0; j < h->n; j++)
		if (h->kind[j] != ROW_HASH_FLOAT8)
			return false;
	return true;
}

/*
 * Rows hashed side by side by row_hasher_hash_doubles: on x86-64-v4 one
 * vector of rows, whose 32-bit rotations AVX-512 has as one instruction.
 */
#define ROWS_AT_ONCE 8

/* HashFloat8 of a cell, NaN (NULL) as NULL_KEY_HASH, without a branch */
static inline uint64
HashDoubleCell(double v)
{
	uint64		hash = HashEightBytes(v);

	hash = v == 0.0 ? 0 : hash;
	return isnan(v) ? NULL_KEY_HASH : hash;
}

/* The hashes of rows first .. first + count - 1 (count <= ROWS_AT_ONCE). */
static inline void
HashDoubleRows(const RowHasher *h, const double *values, int stride, const int *columns,
			   int first, int count, uint64 *out)
{
	uint64		hash[ROWS_AT_ONCE] = {0};

	for (int j = 0; j < h->n; j++)
		for (int r = 0; r < count; r++)
			hash[r] = hash_combine64(hash[r],
									 HashDoubleCell(values[(size_t) (first + r) * stride +
														   columns[j]]));
	for (int r = 0; r < count; r++)
		out[first + r] = hash[r];
}

LANES_CLONES void
row_hasher_hash_doubles(const RowHasher *h, const double *values, int n, int stride,
						const int *columns, uint64 *out)
{
	int			i = 0;

	Assert(row_hasher_all_float8(h));
	for (; i + ROWS_AT_ONCE <= n; i += ROWS_AT_ONCE)
		HashDoubleRows(h, values, stride, columns, i, ROWS_AT_ONCE, out);
	if (i < n)
		HashDoubleRows(h, values, stride, columns, i, n - i, out);
}
