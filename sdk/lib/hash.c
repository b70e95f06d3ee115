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
	uint64_t h = 1469598103934665603ull ^ len, w, x, y, z;
	size_t i = 0;

	/* FNV-style, a word at a time: an identity check, not a MAC. Four
	 * words a turn, the same steps: the loop's own work is a fifth of
	 * the cost on the tables a reader hashes when it opens one */
	for (; i + 32 <= len; i += 32) {
		memcpy(&w, p + i, 8);
		memcpy(&x, p + i + 8, 8);
		memcpy(&y, p + i + 16, 8);
		memcpy(&z, p + i + 24, 8);
		h = (h ^ w) * 1099511628211ull;
		h ^= h >> 29;
		h = (h ^ x) * 1099511628211ull;
		h ^= h >> 29;
		h = (h ^ y) * 1099511628211ull;
		h ^= h >> 29;
		h = (h ^ z) * 1099511628211ull;
		h ^= h >> 29;
	}
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 1099511628211ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}
