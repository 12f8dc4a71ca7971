/*
 * The model table, hyperparameter handling and shared initialisers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "core/num.h"
#include "models/model.h"
#include "core/banned.h"

extern const struct model_ops model_pop_ops;
extern const struct model_ops model_bpr_ops;
extern const struct model_ops model_fism_ops;
extern const struct model_ops model_slimelastic_ops;
extern const struct model_ops model_ease_ops;
extern const struct model_ops model_itemknn_ops;
extern const struct model_ops model_lightgcn_ops, model_ngcf_ops;
extern const struct model_ops model_multivae_ops, model_neumf_ops;
extern const struct model_ops model_dgcf_ops;

static const struct model_ops *const table[] = {
	&model_pop_ops,
	&model_itemknn_ops,
	&model_bpr_ops,
	&model_fism_ops,
	&model_slimelastic_ops,
	&model_ease_ops,
	&model_multivae_ops,
	&model_neumf_ops,
	&model_lightgcn_ops,
	&model_ngcf_ops,
	&model_dgcf_ops,
};

const struct model_param model_train_params[] = {
	{ "learning_rate", MODEL_PARAM_REAL, 1e-3, 1e-8, 10, NULL,
	    "Adam's step size" },
	{ "train_batch_size", MODEL_PARAM_INT, 2048, 2, 1 << 20, NULL,
	    "rows a mini-batch (pointwise: half positives, half negatives)" },
	{ "optimizer", MODEL_PARAM_CHOICE, 0, 0, 2, "adam|lazy_adam|eager_adam",
	    "adam updates every parameter's moments each step, as PyTorch "
	    "does for dense embeddings (replaying skipped steps when a row is "
	    "next used); eager_adam does the same by sweeping every row each "
	    "step (identical weights, slower); lazy_adam only updates rows "
	    "with a gradient" },
	{ "stopping_step", MODEL_PARAM_INT, 10, 1, 1000, NULL,
	    "epochs without improvement of MRR@10 before stopping" },
	{ "epochs", MODEL_PARAM_INT, 300, 1, 100000, NULL,
	    "the most epochs --converge trains" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* Keys every model has. */
static const struct model_param common_params[] = {
	{ "seed", MODEL_PARAM_INT, 2020, 0, 4294967295.0, NULL,
	    "seed of the split, initialisation and sampling" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct model_ops *
model_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcasecmp(table[i]->name, name) == 0)
			return table[i];
	return NULL;
}

const struct model_ops *
model_at(size_t i)
{
	return i < sizeof table / sizeof table[0] ? table[i] : NULL;
}

size_t
model_count(void)
{
	return sizeof table / sizeof table[0];
}

static void
add_params(struct model_hp *hp, const struct model_param *p)
{
	for (; p != NULL && p->key != NULL && hp->n < MODEL_MAX_PARAMS; p++) {
		hp->p[hp->n] = p;
		hp->v[hp->n] = p->def;
		hp->n++;
	}
}

void
model_hp_defaults(const struct model_ops *ops, struct model_hp *hp)
{
	hp->n = 0;
	add_params(hp, ops->params);
	if (ops->sampling != MODEL_SAMPLE_NONE)
		add_params(hp, model_train_params);
	add_params(hp, common_params);
}

double
model_hp_get(const struct model_hp *hp, const char *key)
{
	size_t i;

	for (i = 0; i < hp->n; i++)
		if (strcmp(hp->p[i]->key, key) == 0)
			return hp->v[i];
	return (double)NAN;
}

void
model_hp_format(const struct model_hp *hp, size_t i, char *buf, size_t size)
{
	const struct model_param *p = hp->p[i];

	if (p->type == MODEL_PARAM_CHOICE) {
		const char *c = p->choices;
		int k = (int)hp->v[i];

		while (k-- > 0 && (c = strchr(c, '|')) != NULL)
			c++;
		snprintf(buf, size, "%.*s", c != NULL ?
		    (int)strcspn(c, "|") : 1, c != NULL ? c : "?");
	} else if (p->type == MODEL_PARAM_INT) {
		snprintf(buf, size, "%.0f", hp->v[i]);
	} else {
		snprintf(buf, size, "%g", hp->v[i]);
	}
}

/* "k1, k2, k3": the valid keys, for messages. */
static void
key_list(const struct model_hp *hp, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < hp->n && len + 1 < size; i++) {
		int n = snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
		    hp->p[i]->key);

		if (n < 0)
			break;
		len += (size_t)n;
	}
}

int
model_hp_set(struct model_hp *hp, const char *kv, struct ep_err *err)
{
	const char *eq = strchr(kv, '=');
	char keys[400];
	size_t i, klen;

	if (eq == NULL || eq == kv)
		return ep_fail(err, EP_EUSAGE, "'%s': expected key=value", kv);
	klen = (size_t)(eq - kv);
	for (i = 0; i < hp->n; i++)
		if (strlen(hp->p[i]->key) == klen &&
		    strncmp(hp->p[i]->key, kv, klen) == 0)
			break;
	if (i == hp->n) {
		key_list(hp, keys, sizeof keys);
		return ep_fail(err, EP_EUSAGE, "'%.*s': unknown key (valid "
		    "keys: %s)", (int)klen, kv, keys);
	}
	{
		const struct model_param *p = hp->p[i];
		const char *val = eq + 1;
		double v;
		long l;

		if (p->type == MODEL_PARAM_CHOICE) {
			const char *c = p->choices;
			int k = 0;

			for (;;) {
				size_t n = strcspn(c, "|");

				if (n == strlen(val) && strncmp(c, val, n) == 0)
					break;
				if (c[n] == '\0')
					return ep_fail(err, EP_EUSAGE, "%s: '%s': "
					    "expected one of %s", p->key, val,
					    p->choices);
				c += n + 1;
				k++;
			}
			hp->v[i] = k;
			return 0;
		}
		if (p->type == MODEL_PARAM_INT) {
			if (ep_parse_count(val, (long)p->min, (long)p->max, &l,
			    err) < 0)
				return ep_err_prefix(err, "%s", p->key);
			v = (double)l;
		} else if (ep_parse_double(val, p->min, p->max, &v, err) < 0) {
			return ep_err_prefix(err, "%s", p->key);
		}
		hp->v[i] = v;
	}
	return 0;
}

void
model_tensor_alloc(struct model_tensor *t, const char *name, size_t rows,
    size_t cols)
{
	t->name = name;
	t->rows = rows;
	t->cols = cols;
	t->w = ep_xaligned(rows * cols, sizeof(float));
	t->g = ep_xaligned(rows * cols, sizeof(float));
	memset(t->g, 0, rows * cols * sizeof(float));
	t->touched = ep_xcalloc(rows ? rows : 1, 1);
}

void
model_tensor_release(struct model_tensor *t)
{
	free(t->w);
	free(t->g);
	free(t->touched);
	memset(t, 0, sizeof *t);
}

void
model_init_normal(float *w, size_t n, double std, struct ep_rng *rng)
{
	size_t i;

	for (i = 0; i < n; i++)
		w[i] = (float)(std * ep_rng_normal(rng));
}

void
model_init_xavier_normal(float *w, size_t rows, size_t cols,
    struct ep_rng *rng)
{
	model_init_normal(w, rows * cols, sqrt(2.0 / (double)(rows + cols)),
	    rng);
}
