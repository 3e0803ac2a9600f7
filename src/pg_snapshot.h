/*-------------------------------------------------------------------------
 *
 * pg_snapshot.h
 *	  Whether a snapshot shows what an earlier one did, for caches that
 *	  must be confirmed once per snapshot (a statement's) and answer
 *	  exactly what an uncached call would: the named-model cache of
 *	  segment_predict and split_part's stored split.
 *
 * What a snapshot shows is fixed by its contents (xmin, xmax, the
 * transactions in progress, the command id) and, for this backend's own
 * changes, by its transaction and subtransaction (rows of a subtransaction
 * rolled back vanish under the same contents).  So the contents are copied
 * and compared: a few integers and the in-progress lists, usually empty or
 * short.  snapXactCompletionCount cannot stand in for them: the active
 * snapshot is a copy, and copies have none.
 *
 * IDENTIFICATION
 *	  src/pg_snapshot.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_PG_SNAPSHOT_H
#define SEGMENT_PG_SNAPSHOT_H

#include "postgres.h"

#include "utils/snapshot.h"

typedef struct ConfirmedSnapshot
{
	bool		valid;
	LocalTransactionId lxid;
	SubTransactionId subxid;
	TransactionId xmin;
	TransactionId xmax;
	CommandId	curcid;
	bool		suboverflowed;
	bool		takenDuringRecovery;
	uint32		xcnt;
	int32		subxcnt;
	TransactionId *xids;		/* xip, then subxip, in cxt */
	int			xids_cap;
} ConfirmedSnapshot;

/* The snapshot a call reads under: the active one, else the transaction's. */
extern Snapshot segment_read_snapshot(void);

/* Whether snapshot shows what the one confirmed did (false when none was). */
extern bool segment_snapshot_matches(const ConfirmedSnapshot *c, Snapshot snapshot);

/*
 * Remembers snapshot as confirmed; its lists are copied into cxt.  On an
 * error (out of memory) c is left holding no snapshot, never a freed list.
 */
extern void segment_snapshot_confirm(ConfirmedSnapshot *c, Snapshot snapshot, MemoryContext cxt);

#endif							/* SEGMENT_PG_SNAPSHOT_H */
