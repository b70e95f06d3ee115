// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The byte-range hash behind cache keys (which BTF a prepared object was
 * made from). The string hashes are inline in hash.h.
 */
#include <string.h>

#include "hash.h"

uint64_t kbtf_hash_bytes(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = 1469598103934665603ull ^ len, w;
	size_t i;

	/* FNV-style, a word at a time: an identity check, not a MAC */
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 1099511628211ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}
