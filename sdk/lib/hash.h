/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one string hash of libkbtf (FNV-1a, 32 bit): type and symbol names
 * are short, so a cheap hash with a good spread is all the chained and
 * open-addressing tables here need.
 */
#ifndef KBTF_HASH_H
#define KBTF_HASH_H

#include <stddef.h>
#include <stdint.h>

#define KBTF_HASH_SEED 2166136261u

/* Hash of @s continuing from @h (start with KBTF_HASH_SEED). */
static inline uint32_t kbtf_hash_str_from(uint32_t h, const char *s)
{
	while (*s) {
		h ^= (uint8_t)*s++;
		h *= 16777619u;
	}
	return h;
}

static inline uint32_t kbtf_hash_str(const char *s)
{
	return kbtf_hash_str_from(KBTF_HASH_SEED, s);
}

/* 64-bit hash of a byte range: an identity check for cache keys, not a MAC. */
uint64_t kbtf_hash_bytes(const void *data, size_t len);

#endif
