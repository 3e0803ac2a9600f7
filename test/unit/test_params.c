/*
 * test_params.c
 *	  Unit tests of table-described hyperparameters (params.h): defaults,
 *	  bounds, words, lists, messages.
 */
#include <string.h>

#include "params.h"
#include "tap.h"

typedef struct DemoParams
{
	int			max_iter;
	double		learning_rate;
	bool		early_stopping;
	double		max_features;
	SegIntList	hidden;
} DemoParams;

static const SegIntList default_hidden = {2, {64, 32}};
static const SegParamName feature_words[] = {{"sqrt", -1}, {"log2", -2}, {NULL, 0}};

static const SegParamSpec specs[] = {
	{.name = "max_iter", .type = SEG_PARAM_INT, .offset = offsetof(DemoParams, max_iter),
	 .default_value = 100, .min = 1, .max = 10000},
	{.name = "learning_rate", .type = SEG_PARAM_REAL,
	 .offset = offsetof(DemoParams, learning_rate), .default_value = 0.1, .min = 0,
	 .min_exclusive = true, .max = 1e308, .log_scale = true},
	{.name = "early_stopping", .type = SEG_PARAM_BOOL,
	 .offset = offsetof(DemoParams, early_stopping), .default_value = 1},
	{.name = "max_features", .type = SEG_PARAM_REAL, .offset = offsetof(DemoParams, max_features),
	 .default_value = -1, .min = 0, .min_exclusive = true, .max = 1e6, .words = feature_words},
	{.name = "hidden", .type = SEG_PARAM_INT_LIST, .offset = offsetof(DemoParams, hidden),
	 .min = 1, .max = 65536, .max_list_len = 8, .default_list = &default_hidden},
};
#define N_SPECS ((int) (sizeof(specs) / sizeof(specs[0])))

int
main(void)
{
	DemoParams	p;
	DemoParams	q;
	char		msg[SEG_ERRMSG_LEN];
	const SegParamSpec *s;
	int			sizes[3] = {16, 8, 4};
	int			bad[2] = {16, 0};

	params_defaults(specs, N_SPECS, &p);
	tap_ok(p.max_iter == 100 && p.learning_rate == 0.1 && p.early_stopping &&
		   p.max_features == -1 && p.hidden.n == 2 && p.hidden.v[1] == 32, "defaults");
	tap_ok(params_find(specs, N_SPECS, "nope") == NULL, "unknown name not found");

	s = params_find(specs, N_SPECS, "max_iter");
	tap_ok(params_set_number(s, &p, 250, msg) == SEG_OK && p.max_iter == 250, "set an int");
	tap_ok(params_set_number(s, &p, 0, msg) == SEG_ERR_INVALID &&
		   strcmp(msg, "max_iter must be a whole number >= 1 and <= 10000, not 0") == 0,
		   "int below its range: message names it and the range");
	tap_ok(params_set_number(s, &p, 2.5, msg) == SEG_ERR_INVALID, "int must be whole");
	tap_ok(params_set_number(s, &p, NAN, msg) == SEG_ERR_INVALID, "NaN refused");
	tap_ok(p.max_iter == 250, "a refused value leaves the setting as it was");

	s = params_find(specs, N_SPECS, "learning_rate");
	tap_ok(params_set_number(s, &p, 0, msg) == SEG_ERR_INVALID &&
		   strcmp(msg, "learning_rate must be a number > 0, not 0") == 0, "exclusive minimum");
	tap_ok(params_set_number(s, &p, INFINITY, msg) == SEG_ERR_INVALID, "infinity refused");
	tap_ok(params_set_number(s, &p, 0.01, msg) == SEG_OK && p.learning_rate == 0.01, "set a real");

	s = params_find(specs, N_SPECS, "early_stopping");
	tap_ok(params_set_number(s, &p, 0, msg) == SEG_OK && !p.early_stopping, "set a bool");
	tap_ok(params_set_number(s, &p, 2, msg) == SEG_ERR_INVALID, "bool takes 0 or 1 only");

	s = params_find(specs, N_SPECS, "max_features");
	tap_ok(params_set_word(s, &p, "log2", msg) == SEG_OK && p.max_features == -2, "set a word");
	tap_ok(params_word_of(s, p.max_features) != NULL &&
		   strcmp(params_word_of(s, p.max_features), "log2") == 0, "word of a value");
	tap_ok(params_set_word(s, &p, "cube", msg) == SEG_ERR_INVALID &&
		   strcmp(msg, "max_features takes a number or one of \"sqrt\", \"log2\", not \"cube\"") == 0,
		   "unknown word: message lists the words");
	tap_ok(params_set_number(s, &p, 0.5, msg) == SEG_OK && p.max_features == 0.5,
		   "a number where words exist");
	tap_ok(params_set_number(s, &p, -3, msg) == SEG_ERR_INVALID, "a negative that is no word");
	tap_ok(params_set_written_number(s, &p, -2, msg) == SEG_ERR_INVALID &&
		   strstr(msg, "or \"sqrt\", \"log2\", not -2") != NULL,
		   "a written number never stands for a word");
	tap_ok(params_set_written_number(s, &p, 0.25, msg) == SEG_OK && p.max_features == 0.25,
		   "a written number in range");
	tap_ok(params_set_word(params_find(specs, N_SPECS, "max_iter"), &p, "many", msg) ==
		   SEG_ERR_INVALID && strcmp(msg, "max_iter takes a number, not \"many\"") == 0,
		   "a word where none exist");

	s = params_find(specs, N_SPECS, "hidden");
	tap_ok(params_set_list(s, &p, sizes, 3, msg) == SEG_OK && p.hidden.n == 3 &&
		   p.hidden.v[2] == 4, "set a list");
	tap_ok(params_set_list(s, &p, bad, 2, msg) == SEG_ERR_INVALID &&
		   strcmp(msg, "values of hidden must be a whole number >= 1 and <= 65536, not 0") == 0,
		   "list element out of range");
	tap_ok(params_set_list(s, &p, sizes, 9, msg) == SEG_ERR_INVALID, "list too long");
	tap_ok(params_set_number(s, &p, 3, msg) == SEG_ERR_INVALID, "a list takes no number");
	tap_ok(params_set_list(params_find(specs, N_SPECS, "max_iter"), &p, sizes, 1, msg) ==
		   SEG_ERR_INVALID, "a number takes no list");

	params_defaults(specs, N_SPECS, &q);
	tap_ok(!params_equal(s, &p, &q), "lists differ");
	q.hidden = p.hidden;
	tap_ok(params_equal(s, &p, &q), "lists equal");
	tap_ok(params_get_number(params_find(specs, N_SPECS, "early_stopping"), &p) == 0.0,
		   "bool read back as 0");
	return tap_done();
}
