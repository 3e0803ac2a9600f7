/*-------------------------------------------------------------------------
 *
 * supervised_model.c
 *	  Codec of CLASSIFIER and REGRESSOR models and their input schema.
 *
 * IDENTIFICATION
 *	  src/supervised_model.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "learner_mlp.h"
#include "model.h"
#include "supervised_model.h"

/* 0.1.0's classifier codec: an MLP classifier only */
#define CLASSIFIER_CODEC_V1 1

static char *
CopyString(const char *s)
{
	size_t		n = strlen(s);
	char	   *copy = seg_alloc(n + 1);

	memcpy(copy, s, n + 1);
	return copy;
}

void
supervised_schema(const SegPreprocessor *prep, SegInputForm form, SegInputSchema *out)
{
	int			n = prep_width(prep, form);
	SegInputColumn *cols = seg_alloc0(sizeof(SegInputColumn) * (n > 0 ? n : 1));
	char		buf[1024];

	for (int j = 0; j < prep->n_columns; j++)
	{
		const SegPrepColumn *c = &prep->columns[j];

		if (form == SEG_INPUT_RAW)
		{
			cols[j].name = CopyString(c->name);
			cols[j].kind = c->kind;
			cols[j].n_categories = c->kind == SEG_COL_CATEGORICAL ? c->n_categories : 0;
			cols[j].group = j;
			continue;
		}
		for (int k = 0; k < c->n_outputs; k++)
		{
			SegInputColumn *in = &cols[c->out_offset + k];

			in->name = CopyString(prep_output_name(prep, c->out_offset + k, buf, sizeof(buf)));
			in->kind = SEG_COL_NUMERIC;
			in->group = j;
		}
	}
	out->form = form;
	out->n_inputs = n;
	out->columns = cols;
	out->n_groups = prep->n_columns;
}

void
supervised_schema_free(SegInputSchema *schema)
{
	SegInputColumn *cols = (SegInputColumn *) schema->columns;

	if (cols == NULL)
		return;
	for (int j = 0; j < schema->n_inputs; j++)
		seg_free((char *) cols[j].name);
	seg_free(cols);
	schema->columns = NULL;
}

void
supervised_write(SegWriter *w, const SegSupervised *s)
{
	SegWriter	inner;

	model_begin(w, s->task == SEG_TASK_REGRESSION ? SEG_MODEL_REGRESSOR : SEG_MODEL_CLASSIFIER);
	writer_put_u16(w, SUPERVISED_CODEC_VERSION);
	writer_put_string(w, s->learner->name);
	writer_put_u8(w, (uint8_t) s->learner->input);
	prep_write(w, s->prep);
	if (s->task == SEG_TASK_CLASSIFICATION)
	{
		writer_put_u32(w, (uint32_t) s->n_classes);
		for (int c = 0; c < s->n_classes; c++)
			writer_put_string(w, s->class_names[c]);
	}
	/* the learner's payload, length first so that its reader is bounded */
	writer_init(&inner, 4096);
	s->learner->write(&inner, s->model);
	writer_put_u32(w, (uint32_t) inner.len);
	writer_put_bytes(w, inner.data, inner.len);
	seg_free(inner.data);
	model_seal(w);
}

static SegStatus
Corrupt(char *errmsg, const char *what)
{
	snprintf(errmsg, SEG_ERRMSG_LEN, "supervised model is corrupt: %.200s", what);
	return SEG_ERR_CORRUPT;
}

/* Reads n_classes and the class names. */
static SegStatus
ReadClasses(SegReader *r, SegSupervised *s, char *errmsg)
{
	uint32_t	n_classes = reader_get_u32(r);

	/* each class name takes at least its 4-byte length */
	if (r->failed || n_classes < 2 || n_classes > SUPERVISED_MAX_CLASSES ||
		(size_t) n_classes * 4 > reader_remaining(r))
		return Corrupt(errmsg, "bad class count");
	s->n_classes = (int) n_classes;
	s->class_names = seg_alloc0(sizeof(char *) * n_classes);
	for (uint32_t k = 0; k < n_classes; k++)
	{
		s->class_names[k] = reader_get_string(r);
		if (s->class_names[k] == NULL)
			return Corrupt(errmsg, "bad class name");
	}
	return SEG_OK;
}

SegStatus
supervised_read(int kind, SegReader *r, SegSupervised **out, char *errmsg)
{
	SegSupervised *s;
	uint16_t	version = reader_get_u16(r);
	SegStatus	status;
	SegModelShape shape;

	if (r->failed)
		return Corrupt(errmsg, "payload truncated");
	if (version != SUPERVISED_CODEC_VERSION &&
		!(version == CLASSIFIER_CODEC_V1 && kind == SEG_MODEL_CLASSIFIER))
	{
		snprintf(errmsg, SEG_ERRMSG_LEN, "%s codec version %u is not supported",
				 model_kind_name(kind), version);
		return SEG_ERR_UNSUPPORTED;
	}
	s = seg_alloc0(sizeof(SegSupervised));
	s->task = kind == SEG_MODEL_REGRESSOR ? SEG_TASK_REGRESSION : SEG_TASK_CLASSIFICATION;

	if (version == CLASSIFIER_CODEC_V1)
		s->learner = &seg_learner_mlp;
	else
	{
		char	   *name = reader_get_string(r);
		uint8_t		form;

		s->learner = name != NULL ? learner_find(name) : NULL;
		if (name == NULL)
		{
			status = Corrupt(errmsg, "bad learner name");
			goto fail;
		}
		if (s->learner == NULL)
		{
			snprintf(errmsg, SEG_ERRMSG_LEN, "learner \"%.64s\" is not known to this build", name);
			seg_free(name);
			status = SEG_ERR_UNSUPPORTED;
			goto fail;
		}
		seg_free(name);
		form = reader_get_u8(r);
		if (r->failed || form != (uint8_t) s->learner->input)
		{
			status = Corrupt(errmsg, "input form does not match the learner");
			goto fail;
		}
		if (s->task == SEG_TASK_REGRESSION ? !s->learner->regression :
			!s->learner->classification)
		{
			status = Corrupt(errmsg, "the learner does not fit this task");
			goto fail;
		}
	}
	status = prep_read(r, &s->prep, errmsg);
	if (status != SEG_OK)
		goto fail;
	if (s->task == SEG_TASK_CLASSIFICATION)
	{
		status = ReadClasses(r, s, errmsg);
		if (status != SEG_OK)
			goto fail;
	}
	s->n_outputs = s->task == SEG_TASK_CLASSIFICATION ? s->n_classes : 1;
	supervised_schema(s->prep, s->learner->input, &s->schema);

	if (version == CLASSIFIER_CODEC_V1)
		status = mlp_learner_read_section(r, s->schema.n_inputs, s->n_classes, &s->model,
										  errmsg);
	else
	{
		uint32_t	len = reader_get_u32(r);
		SegReader	inner;

		if (r->failed || len > reader_remaining(r))
		{
			status = Corrupt(errmsg, "learner payload truncated");
			goto fail;
		}
		reader_init(&inner, r->data + r->pos, len);
		r->pos += len;
		shape.task = s->task;
		shape.n_outputs = s->n_outputs;
		shape.schema = &s->schema;
		status = s->learner->read(&inner, &shape, &s->model, errmsg);
		if (status == SEG_OK && !reader_at_end(&inner))
		{
			s->learner->free(s->model);
			s->model = NULL;
			status = Corrupt(errmsg, "trailing bytes in the learner payload");
		}
	}
	if (status != SEG_OK)
		goto fail;
	if (!reader_at_end(r))
	{
		status = Corrupt(errmsg, "trailing bytes");
		goto fail;
	}
	*out = s;
	return SEG_OK;

fail:
	supervised_free(s);
	return status;
}

void
supervised_free(SegSupervised *s)
{
	if (s == NULL)
		return;
	if (s->model != NULL)
		s->learner->free(s->model);
	if (s->class_names != NULL)
		for (int k = 0; k < s->n_classes; k++)
			seg_free(s->class_names[k]);
	seg_free(s->class_names);
	supervised_schema_free(&s->schema);
	if (s->prep != NULL)
		prep_free(s->prep);
	seg_free(s);
}
