/*
 * "Did you mean" suggestions: the closest of a set of names to a word
 * that matched none of them, by edit distance (Damerau-Levenshtein,
 * optimal string alignment, ignoring case).
 */
#ifndef ECOPLAN_CORE_SUGGEST_H
#define ECOPLAN_CORE_SUGGEST_H

#include <stddef.h>

struct ep_suggest {
	const char *word;	/* borrowed */
	const char *best;	/* borrowed from the candidates offered */
	size_t best_dist;
};

void ep_suggest_init(struct ep_suggest *s, const char *word);

/* Considers one candidate name (borrowed; must outlive s). */
void ep_suggest_offer(struct ep_suggest *s, const char *candidate);

/*
 * The closest candidate when it is close enough to be a likely typo (at
 * most a third of the word's length, and at least one edit allowed), or
 * NULL.
 */
const char *ep_suggest_best(const struct ep_suggest *s);

/* Edit distance between a and b, ignoring ASCII case. */
size_t ep_edit_distance(const char *a, const char *b);

#endif
