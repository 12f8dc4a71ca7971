/*
 * Fuzzes the dataset loaders through model_data_parse(), the in-memory
 * form of model_data_load(). FUZZ_NAME (set by the Makefile) is the file
 * name the bytes pretend to have, which picks the format: "f.inter"
 * (RecBole atomic), "u.data", "ratings.dat", "f.csv". With FUZZ_SPLIT,
 * the input is cut at the first two form feeds into the train, valid
 * and test parts of a pre-split RecBole triple.
 */
#include "tests/fuzz/fuzz.h"
#include "models/data.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_data d = MODEL_DATA_INIT;
	struct ep_err err = EP_ERR_INIT;
	char *buf = fuzz_copy(data, size);
#ifdef FUZZ_SPLIT
	static const char *const names[3] = { "f.train.inter", "f.valid.inter",
		"f.test.inter" };
	const char *bufs[3];
	size_t lens[3], off = 0;
	int k;

	for (k = 0; k < 3; k++) {
		const char *ff = k < 2 ? memchr(buf + off, '\f', size - off) :
		    NULL;
		size_t n = ff != NULL ? (size_t)(ff - (buf + off)) : size - off;

		bufs[k] = buf + off;
		lens[k] = n;
		off += n + (ff != NULL);
	}
	(void)model_data_parse_split(names, bufs, lens, &d, &err);
#else
	(void)model_data_parse(FUZZ_NAME, buf, size, &d, &err);
#endif
	model_data_release(&d);
	free(buf);
	return 0;
}
