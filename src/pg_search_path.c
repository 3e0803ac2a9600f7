/*-------------------------------------------------------------------------
 *
 * pg_search_path.c
 *	  Running the extension's own SQL under search_path = pg_catalog,
 *	  pg_temp.
 *
 * The caller's search_path may put a schema where others create objects
 * before pg_catalog, or hold a function or operator that matches an
 * unqualified name's argument types better than the built-in one
 * (CVE-2018-1058).  SQL text the extension builds qualifies what it can and
 * runs with the path pinned, so that an unqualified count(*), cast or
 * operator always means pg_catalog's; the extension's own objects are
 * schema-qualified, the caller's relations are passed qualified.
 *
 * IDENTIFICATION
 *	  src/pg_search_path.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "pg_core.h"

/* Pins search_path until segment_restore_search_path(the level returned). */
int
segment_pin_search_path(void)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

/* Restores what segment_pin_search_path() changed (an ERROR restores it too). */
void
segment_restore_search_path(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}
