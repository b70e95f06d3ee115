// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the reader of a profile's config stored against its reference's
 * (kbtf_profile_read_config(), profile_delta.c). An input is a flags
 * byte, then the reference's text and the profile's config file,
 * separated by FUZZ_SEP; they are written into a scratch profile as
 * config.ref (zstd with flag bit 1, else text) and config. With bit 0
 * the config's head is first pointed at the reference (its hash and size
 * recomputed), so mutations reach the zstd frame behind it. With bit 2
 * the second part is taken as a config text instead, made into a delta
 * against the reference here and read back: it must rebuild exactly.
 * Whatever reads is checked against libzstd's own decoding with the
 * reference as its dictionary.
 *
 * The seeds are written by this binary: KBTF_FUZZ_CONFIG_SEEDS=DIR
 * build/fuzz/fuzz_config writes a few and exits.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "fuzz_parts.h"
#include "hash.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The head of a config delta, as docs/kernels.md describes it. */
#define HEAD 40

static char dir[256];

static void put(const char *name, const void *p, size_t n)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		abort();
	if (n && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Point the head of @d at @ref. */
static void seal(uint8_t *d, size_t size, const void *ref, size_t ref_size)
{
	if (size < HEAD)
		return;
	put_le(d + 24, kbtf_hash_bytes(ref, ref_size), 8);
	put_le(d + 32, ref_size, 8);
}

/* @text against @ref as a config delta (malloc'd, *@len bytes), or NULL. */
static uint8_t *make_delta(const void *text, size_t n, const void *ref, size_t ref_size,
			   size_t *len)
{
	size_t cap = HEAD + ZSTD_compressBound(n), z;
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	uint8_t *o = malloc(cap);

	if (!cc || !o)
		abort();
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_refPrefix(cc, ref, ref_size);
	z = ZSTD_compress2(cc, o + HEAD, cap - HEAD, text, n);
	ZSTD_freeCCtx(cc);
	if (ZSTD_isError(z)) {
		free(o);
		return NULL;
	}
	memset(o, 0, HEAD);
	put_le(o, 0x184D2A5E, 4);
	put_le(o + 4, HEAD - 8, 4);
	memcpy(o + 8, "kbtf-cfg", 8);
	put_le(o + 16, 1, 4);
	seal(o, HEAD + z, ref, ref_size);
	*len = HEAD + z;
	return o;
}

static void write_seeds(const char *out)
{
	static const char ref[] = "# config\nCONFIG_A=y\nCONFIG_B=m\nCONFIG_C=\"text\"\n";
	static const char k[] = "# config\nCONFIG_A=y\nCONFIG_B=y\nCONFIG_C=\"text\"\nCONFIG_D=1\n";
	static const uint8_t flags[] = {0, 1, 3, 4, 6};
	char path[512];
	size_t i, n;

	for (i = 0; i < sizeof(flags); i++) {
		uint8_t *d = flags[i] & 4 ? NULL : make_delta(k, strlen(k), ref, strlen(ref), &n);
		FILE *f;

		snprintf(path, sizeof(path), "%s/seed-%u", out, flags[i]);
		f = fopen(path, "w");
		if (!f)
			abort();
		fputc(flags[i], f);
		fputs(ref, f);
		fputs(FUZZ_SEP, f);
		if (d)
			fwrite(d, 1, n, f);
		else
			fputs(k, f);
		fclose(f);
		free(d);
	}
}

static void at_exit(void)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_CONFIG);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_CONFIG_REF);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = access("/dev/shm", W_OK) ? getenv("TMPDIR") : "/dev/shm";
	const char *seeds = getenv("KBTF_FUZZ_CONFIG_SEEDS");

	if (seeds) {
		write_seeds(seeds);
		exit(0);
	}
	snprintf(dir, sizeof(dir), "%s/kbtf-fuzz-config-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir))
		abort();
	atexit(at_exit);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part part[2];
	uint8_t flags, *d = NULL, *own = NULL;
	size_t dlen = 0, len = 0;
	char *text = NULL;
	int err;

	if (!size)
		return 0;
	flags = data[0];
	fuzz_split(data + 1, size - 1, part, 2);
	if (flags & 2) {
		size_t cap = ZSTD_compressBound(part[0].size);
		uint8_t *z = malloc(cap);
		size_t n = z ? ZSTD_compress(z, cap, part[0].data, part[0].size, 1) : 0;

		if (!z || ZSTD_isError(n))
			abort();
		put(KBTF_PROFILE_CONFIG_REF, z, n);
		free(z);
	} else {
		put(KBTF_PROFILE_CONFIG_REF, part[0].data, part[0].size);
	}
	if (flags & 4) {
		d = make_delta(part[1].data, part[1].size, part[0].data, part[0].size, &dlen);
		if (!d)
			return 0;
	} else {
		d = malloc(part[1].size + 1);
		if (!d)
			abort();
		memcpy(d, part[1].data, part[1].size);
		dlen = part[1].size;
		if (flags & 1)
			seal(d, dlen, part[0].data, part[0].size);
	}
	put(KBTF_PROFILE_CONFIG, d, dlen);
	err = kbtf_profile_read_config(dir, &text, &len);
	kbtf_err_clear();
	if (flags & 4) {
		/* our own delta of a text: it rebuilds exactly, unless the
		 * reference, written as is, reads as another compressed file
		 * or is a config delta itself (which is refused as a reference) */
		if ((flags & 2 ||
		     (kbtf_compression_detect(part[0].data, part[0].size) == KBTF_COMP_NONE &&
		      !kbtf_profile_config_is_delta(part[0].data, part[0].size))) &&
		    (err || len != part[1].size || memcmp(text, part[1].data, len)))
			abort();
	} else if (!err && kbtf_profile_config_is_delta(d, dlen)) {
		/* what read is what libzstd makes of the frame with the reference */
		unsigned long long want = ZSTD_getFrameContentSize(d + HEAD, dlen - HEAD);

		ZSTD_DCtx *dc = ZSTD_createDCtx();

		own = malloc(len + 1);
		if (!own || !dc || want != len ||
		    ZSTD_decompress_usingDict(dc, own, len + 1, d + HEAD, dlen - HEAD, part[0].data,
					      part[0].size) != len ||
		    memcmp(own, text, len))
			abort();
		ZSTD_freeDCtx(dc);
	}
	free(own);
	free(text);
	free(d);
	return 0;
}
