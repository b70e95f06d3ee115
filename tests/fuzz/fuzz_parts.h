/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz inputs that are several files at once (a module and a kernel, a
 * base, a split and a target): the parts are separated by FUZZ_SEP, which
 * the seed makers write between real files and libFuzzer keeps or moves
 * like any other bytes. A missing part is empty.
 */
#ifndef KBTF_FUZZ_PARTS_H
#define KBTF_FUZZ_PARTS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FUZZ_SEP "\n=KBTF-FUZZ-PART=\n"
#define FUZZ_SEP_LEN (sizeof(FUZZ_SEP) - 1)

struct fuzz_part {
	const uint8_t *data;
	size_t size;
};

/* Cut @data into at most @n parts; the last one takes the rest. */
static inline void fuzz_split(const uint8_t *data, size_t size, struct fuzz_part *parts, size_t n)
{
	const uint8_t *p = data, *end = data + size, *hit;
	size_t i;

	for (i = 0; i < n; i++) {
		parts[i].data = p;
		hit = i + 1 < n ? memmem(p, (size_t)(end - p), FUZZ_SEP, FUZZ_SEP_LEN) : NULL;
		if (!hit) {
			parts[i].size = (size_t)(end - p);
			p = end;
			continue;
		}
		parts[i].size = (size_t)(hit - p);
		p = hit + FUZZ_SEP_LEN;
	}
}

#endif
