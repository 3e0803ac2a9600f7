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
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "row_hash.h"

/* what a NULL key value contributes */
#define NULL_KEY_HASH UINT64CONST(0x9e3779b97f4a7c15)

void
row_hasher_init(RowHasher *h, int n, const Oid *types, const Oid *collations,
				char *const *names)
{
	h->n = n;
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
		uint64		v = nulls[j] ? NULL_KEY_HASH :
			DatumGetUInt64(FunctionCall2Coll(&h->fn[j], h->collation[j], values[j],
											 Int64GetDatum(0)));

		hash = hash_combine64(hash, v);
	}
	return hash;
}
