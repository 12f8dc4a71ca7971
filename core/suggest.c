/*
 * Closest-name suggestions for typos.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/suggest.h"
#include "core/banned.h"

/* Words longer than this are not worth comparing. */
#define WORD_MAX 64

size_t
ep_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d;
	size_t *prev2, *prev, *cur, *tmp;

	if (la > WORD_MAX || lb > WORD_MAX)
		return SIZE_MAX;
	prev2 = ep_xcalloc(lb + 1, sizeof *prev2);
	prev = ep_xcalloc(lb + 1, sizeof *prev);
	cur = ep_xcalloc(lb + 1, sizeof *cur);
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]);
			int cb = tolower((unsigned char)b[j - 1]);
			size_t cost = ca != cb;

			d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (prev[j - 1] + cost < d)
				d = prev[j - 1] + cost;
			if (i > 1 && j > 1 &&
			    ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb &&
			    prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		tmp = prev2;
		prev2 = prev;
		prev = cur;
		cur = tmp;
	}
	d = prev[lb];
	free(prev2);
	free(prev);
	free(cur);
	return d;
}

void
ep_suggest_init(struct ep_suggest *s, const char *word)
{
	s->word = word;
	s->best = NULL;
	s->best_dist = SIZE_MAX;
}

void
ep_suggest_offer(struct ep_suggest *s, const char *candidate)
{
	size_t d = ep_edit_distance(s->word, candidate);

	if (d < s->best_dist) {
		s->best = candidate;
		s->best_dist = d;
	}
}

const char *
ep_suggest_best(const struct ep_suggest *s)
{
	size_t limit = strlen(s->word) / 3;

	if (limit < 1)
		limit = 1;
	return s->best != NULL && s->best_dist <= limit ? s->best : NULL;
}
