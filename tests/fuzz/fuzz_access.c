// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the access record's reader (sdk/lib/module_access.c): any bytes as a
 * .kbtf.access / .note.kbtf.access section, then, when they parse, the
 * merged blob written in both byte orders and read back, which must give
 * the same records.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "module_access.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbtf_access *a, *b;
	struct kbtf_buf out;
	int e;

	if (kbtf_access_parse(data, size, &a))
		return 0;
	for (e = KBTF_ENDIAN_LITTLE; e <= KBTF_ENDIAN_BIG; e++) {
		if (kbtf_access_write(a, (enum kbtf_endian)e, &out))
			break;
		if (kbtf_access_parse(out.data, out.size, &b))
			abort();
		if (b->nr != a->nr)
			abort();
		for (size_t i = 0; i < a->nr; i++)
			if (strcmp(a->recs[i].path, b->recs[i].path) ||
			    a->recs[i].flags != b->recs[i].flags)
				abort();
		(void)kbtf_access_how(b->nr ? b->recs[0].flags : 0);
		kbtf_access_free(b);
		kbtf_buf_release(&out);
	}
	kbtf_access_free(a);
	return 0;
}
