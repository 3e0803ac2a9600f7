/*-------------------------------------------------------------------------
 *
 * pg_snapshot.c
 *	  Confirmed snapshots for caches checked once per snapshot (see
 *	  pg_snapshot.h).
 *
 * IDENTIFICATION
 *	  src/pg_snapshot.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "storage/proc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "pg_snapshot.h"

Snapshot
segment_read_snapshot(void)
{
	return ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
}

bool
segment_snapshot_matches(const ConfirmedSnapshot *c, Snapshot snapshot)
{
	return c->valid && snapshot->snapshot_type == SNAPSHOT_MVCC &&
		c->xmin == snapshot->xmin && c->xmax == snapshot->xmax &&
		c->curcid == snapshot->curcid && c->xcnt == snapshot->xcnt &&
		c->subxcnt == snapshot->subxcnt && c->suboverflowed == snapshot->suboverflowed &&
		c->takenDuringRecovery == snapshot->takenDuringRecovery &&
		c->lxid == MyProc->lxid && c->subxid == GetCurrentSubTransactionId() &&
		(snapshot->xcnt == 0 ||
		 memcmp(c->xids, snapshot->xip, sizeof(TransactionId) * snapshot->xcnt) == 0) &&
		(snapshot->subxcnt <= 0 ||
		 memcmp(c->xids + snapshot->xcnt, snapshot->subxip,
				sizeof(TransactionId) * snapshot->subxcnt) == 0);
}

void
segment_snapshot_confirm(ConfirmedSnapshot *c, Snapshot snapshot, MemoryContext cxt)
{
	int			n = snapshot->xcnt + Max(snapshot->subxcnt, 0);

	c->valid = false;
	if (snapshot->snapshot_type != SNAPSHOT_MVCC)
		return;
	if (n > c->xids_cap)
	{
		/* allocated before the old list is freed: an error leaves c whole */
		TransactionId *xids = MemoryContextAlloc(cxt, sizeof(TransactionId) * n);

		if (c->xids != NULL)
			pfree(c->xids);
		c->xids = xids;
		c->xids_cap = n;
	}
	c->lxid = MyProc->lxid;
	c->subxid = GetCurrentSubTransactionId();
	c->xmin = snapshot->xmin;
	c->xmax = snapshot->xmax;
	c->curcid = snapshot->curcid;
	c->suboverflowed = snapshot->suboverflowed;
	c->takenDuringRecovery = snapshot->takenDuringRecovery;
	c->xcnt = snapshot->xcnt;
	c->subxcnt = snapshot->subxcnt;
	if (snapshot->xcnt > 0)
		memcpy(c->xids, snapshot->xip, sizeof(TransactionId) * snapshot->xcnt);
	if (snapshot->subxcnt > 0)
		memcpy(c->xids + snapshot->xcnt, snapshot->subxip,
			   sizeof(TransactionId) * snapshot->subxcnt);
	c->valid = true;
}
