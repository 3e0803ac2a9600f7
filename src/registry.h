/*-------------------------------------------------------------------------
 *
 * registry.h
 *	  The model registry (segment.models, segment.model_grants): the only
 *	  code that reads or writes its tables, and who may do what.
 *
 * A model name belongs to the role that saved its first version.  Roles
 * with that role's privileges (and superusers) add versions, deploy, drop,
 * retrain and grant it, and read its bytes, spec and metrics; a grant
 * (segment.grant_predict) lets another role predict with it by name and
 * nothing more.  Checks are made against GetUserId(); writes then run as
 * the owner of the registry's tables, which no other role may write.
 *
 * IDENTIFICATION
 *	  src/registry.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGMENT_REGISTRY_H
#define SEGMENT_REGISTRY_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "storage/itemptr.h"
#include "utils/jsonb.h"
#include "utils/snapshot.h"

/* What a role asks to do with a named model. */
typedef enum RegistryRight
{
	REGISTRY_PREDICT,			/* predict with it by name */
	REGISTRY_READ,				/* read its bytes, spec and metrics */
	REGISTRY_CHANGE				/* add versions, deploy, drop, retrain, grant */
} RegistryRight;

/* The deployed version of a name as one snapshot sees it. */
typedef struct RegistryDeployed
{
	int32		version;
	Oid			owner;
	ItemPointerData tid;		/* tid and xmin tell row versions apart */
	TransactionId xmin;
	bytea	   *model;			/* NULL when the row is the one known */
} RegistryDeployed;

/* Checks */
extern bool registry_may(const char *name, Oid owner, Oid roleid, RegistryRight right);
extern void registry_check(const char *name, Oid owner, Oid roleid, RegistryRight right);
extern void registry_check_change(const char *name);
extern uint64 registry_privileges_generation(void);

/* Reading (with the active snapshot) */
extern bool registry_find_deployed(const char *name, Snapshot snapshot,
								   const RegistryDeployed *known, RegistryDeployed *found);
extern bytea *registry_model(const char *name, int32 version, RegistryRight right);
/* For segment.model(): the bytes, or the TOAST pointer to them (REGISTRY_READ). */
extern Datum registry_model_value(const char *name, int32 version);
extern Jsonb *registry_metrics(const char *name, int32 version);
extern Jsonb *registry_spec(const char *name, int32 version, RegistryRight right);

/* A whole version's row, as a report shows it. */
typedef struct RegistryVersion
{
	int32		version;
	bool		deployed;
	Oid			owner;			/* InvalidOid in a 0.1.0 registry */
	char	   *kind;
	TimestampTz created;
	char	   *created_by;
	bytea	   *model;
	Jsonb	   *spec;
	Jsonb	   *metrics;
} RegistryVersion;

/* Version (0: the deployed one) of name, for a caller with the right. */
extern void registry_read_version(const char *name, int32 version, RegistryRight right,
								  RegistryVersion *out);

/*
 * For a caller about to add a version: the deployed version of name (its
 * number and bytes), the name locked for the rest of the transaction;
 * false when none is deployed.
 */
extern bool registry_deployed_version(const char *name, int32 *version, bytea **model);
extern Jsonb *registry_training_arguments(const char *name, const char *function,
										  Oid *owner);

/*
 * The spec of name's latest version written by one of functions
 * (NULL-terminated), or NULL when none was, for a caller that may change
 * the model; ERROR when name does not exist.
 */
extern Jsonb *registry_training_spec(const char *name, const char *const *functions,
									 Oid *owner);

/* The bytes of every version of name (the name locked); *n of them. */
extern bytea **registry_version_models(const char *name, int *n);

/* The spec of name's latest version (the name locked), or NULL when none. */
extern Jsonb *registry_latest_spec(const char *name, int32 *version);

/* Writing */
extern int32 registry_save(const char *name, bytea *model, Jsonb *spec, Jsonb *metrics,
						   bool deploy);
extern void registry_deploy(const char *name, int32 version);
extern int32 registry_drop(const char *name, int32 version);
extern void registry_grant_predict(const char *name, Oid grantee, bool grant);
extern void registry_set_owner(const char *name, Oid new_owner);

/* On a Citus coordinator: copies the registry to the workers (registry_replica.c). */
extern int64 registry_replicate(void);

/* One training run of a name, as segment.training_runs keeps it (registry_runs.c). */
typedef struct TrainingRun
{
	const char *name;
	const char *function;		/* segment_train, retrain or kmeans_fit */
	Oid			run_by;			/* the role that asked for the run */
	TimestampTz started;
	const char *relation;		/* or NULL */
	int64		relation_rows;	/* rows read, or -1 */
	const char *status;			/* trained, skipped or failed */
	int32		version;		/* the version added, or 0 */
	bool		deployed;
	int32		previous_version;	/* the version deployed before, or 0 */
	const char *score;			/* what the scores measure, or NULL */
	double		new_score;		/* NaN: none */
	double		previous_score; /* NaN: none */
	const char *reason;			/* why deployed, kept or skipped */
	const char *error;			/* a failed run's error */
} TrainingRun;

/* An empty run of name by function, started now by the current user. */
extern void registry_run_init(TrainingRun *run, const char *name, const char *function);

/*
 * Records a run of an existing name (checked as a change of it); returns
 * its number, or 0 when the registry keeps no runs (0.1.0's).
 */
extern int64 registry_record_run(const TrainingRun *run);

#endif							/* SEGMENT_REGISTRY_H */
