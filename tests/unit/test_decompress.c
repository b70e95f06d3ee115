// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Compression schemes: every scheme round-trips through kbtf_compress and
 * kbtf_decompress; the lz4 legacy frame (which no library writes) is made
 * here block by block with liblz4; truncated, corrupt and oversized input
 * fails cleanly; the output bound holds; magic detection.
 */
#include <errno.h>
#include <lz4.h>
#include <lzma.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kbtf/err.h"
#include "kbtf/source.h"

#define PLAIN_SIZE (300 * 1024)

static const enum kbtf_compression schemes[] = {
    KBTF_COMP_GZIP, KBTF_COMP_XZ, KBTF_COMP_LZMA, KBTF_COMP_ZSTD, KBTF_COMP_LZ4, KBTF_COMP_BZIP2,
};
#define NR_SCHEMES (sizeof(schemes) / sizeof(schemes[0]))

/* Half text-like, half pseudo-random: compressible but not trivially. */
static uint8_t *make_plain(size_t size)
{
	uint8_t *p = malloc(size);
	uint32_t x = 12345;
	size_t i;

	assert_non_null(p);
	for (i = 0; i < size; i++) {
		x = x * 1103515245 + 12345;
		if ((i / 4096) % 2)
			p[i] = (uint8_t)(x >> 16);
		else
			p[i] = (uint8_t) "struct task_struct "[i % 19];
	}
	return p;
}

static void test_round_trip(void **state)
{
	uint8_t *plain = make_plain(PLAIN_SIZE);
	struct kbtf_buf packed, back;
	size_t i;

	for (i = 0; i < NR_SCHEMES; i++) {
		enum kbtf_compression c = schemes[i];

		assert_int_equal(kbtf_compress(c, plain, PLAIN_SIZE, &packed), 0);
		assert_true(packed.size < PLAIN_SIZE);
		assert_int_equal(kbtf_compression_detect(packed.data, packed.size), c);
		assert_int_equal(kbtf_decompress(c, packed.data, packed.size, 1u << 30, &back), 0);
		assert_int_equal(back.size, PLAIN_SIZE);
		assert_memory_equal(back.data, plain, PLAIN_SIZE);
		kbtf_buf_release(&back);

		/* a trailer after the stream (the bzImage size word) is ignored */
		packed.data = realloc(packed.data, packed.size + 4);
		memcpy(packed.data + packed.size, "\x00\xb0\x04\x00", 4);
		assert_int_equal(kbtf_decompress(c, packed.data, packed.size + 4, 1u << 30, &back),
				 0);
		assert_int_equal(back.size, PLAIN_SIZE);
		kbtf_buf_release(&back);
		kbtf_buf_release(&packed);
	}
	free(plain);
}

static void test_empty_input_compresses(void **state)
{
	struct kbtf_buf packed, back;
	size_t i;

	for (i = 0; i < NR_SCHEMES; i++) {
		assert_int_equal(kbtf_compress(schemes[i], "", 0, &packed), 0);
		assert_int_equal(kbtf_decompress(schemes[i], packed.data, packed.size, 1024, &back),
				 0);
		assert_int_equal(back.size, 0);
		kbtf_buf_release(&back);
		kbtf_buf_release(&packed);
	}
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* The kernel's lz4 legacy frame: magic, then { le32 size, block } per 8 MiB. */
static size_t make_lz4_legacy(const uint8_t *in, size_t size, uint8_t **out)
{
	const size_t blk = 8u << 20;
	size_t cap = 4 + (size / blk + 1) * (4 + (size_t)LZ4_compressBound((int)blk)) + 4;
	uint8_t *o = malloc(cap);
	size_t pos = 4, off, n;
	int c;

	assert_non_null(o);
	put_le32(o, 0x184c2102);
	for (off = 0; off < size; off += n) {
		n = size - off < blk ? size - off : blk;
		c = LZ4_compress_default((const char *)in + off, (char *)o + pos + 4, (int)n,
					 LZ4_compressBound((int)n));
		assert_true(c > 0);
		put_le32(o + pos, (uint32_t)c);
		pos += 4 + (size_t)c;
	}
	*out = o;
	return pos;
}

static void test_lz4_legacy(void **state)
{
	size_t size = (8u << 20) + PLAIN_SIZE; /* two blocks, the second short */
	uint8_t *plain = malloc(size), *frame, *one = make_plain(PLAIN_SIZE);
	struct kbtf_buf back;
	size_t n, i;

	assert_non_null(plain);
	for (i = 0; i < size; i += PLAIN_SIZE)
		memcpy(plain + i, one, size - i < PLAIN_SIZE ? size - i : PLAIN_SIZE);
	n = make_lz4_legacy(plain, size, &frame);
	assert_int_equal(kbtf_compression_detect(frame, n), KBTF_COMP_LZ4);
	assert_int_equal(kbtf_decompress(KBTF_COMP_LZ4, frame, n, 1u << 30, &back), 0);
	assert_int_equal(back.size, size);
	assert_memory_equal(back.data, plain, size);
	kbtf_buf_release(&back);

	/* with the boot image's size trailer, and bounded exactly by it */
	put_le32(frame + n, (uint32_t)size);
	assert_int_equal(kbtf_decompress(KBTF_COMP_LZ4, frame, n + 4, size, &back), 0);
	assert_int_equal(back.size, size);
	kbtf_buf_release(&back);

	/* one byte less room than needed: refused, not truncated silently */
	assert_int_equal(kbtf_decompress(KBTF_COMP_LZ4, frame, n + 4, size - 1, &back), -EFBIG);
	assert_null(back.data);

	/* cut inside the second block */
	assert_int_equal(kbtf_decompress(KBTF_COMP_LZ4, frame, n - 100, 1u << 30, &back), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "truncated"));

	/* an impossible block size */
	put_le32(frame + 4, 0x7fffffff);
	assert_int_equal(kbtf_decompress(KBTF_COMP_LZ4, frame, n, 1u << 30, &back), -EINVAL);
	free(frame);
	free(plain);
	free(one);
}

/*
 * Blocks that expand as far as lz4 allows (runs of zeros, about 255
 * times): the buffer a block is decoded into is sized by how far its
 * compressed size can expand, and must still hold them, whole, near the
 * output bound and as a prefix.
 */
static void test_lz4_legacy_ratio(void **state)
{
	static const size_t sizes[] = {1, 255, 4096, 300000, 8u << 20};
	struct kbtf_buf back;
	uint8_t *zeros, *frame;
	size_t i, n;

	zeros = calloc(1, 8u << 20);
	assert_non_null(zeros);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = make_lz4_legacy(zeros, sizes[i], &frame);
		assert_int_equal(kbtf_decompress(KBTF_COMP_LZ4, frame, n, 1u << 30, &back), 0);
		assert_int_equal(back.size, sizes[i]);
		assert_memory_equal(back.data, zeros, sizes[i]);
		kbtf_buf_release(&back);
		/* bounded exactly, and one byte short */
		assert_int_equal(kbtf_decompress(KBTF_COMP_LZ4, frame, n, sizes[i], &back), 0);
		assert_int_equal(back.size, sizes[i]);
		kbtf_buf_release(&back);
		if (sizes[i] > 1)
			assert_int_equal(
			    kbtf_decompress(KBTF_COMP_LZ4, frame, n, sizes[i] - 1, &back), -EFBIG);
		/* the first 64 bytes, as a boot image's payload is probed */
		assert_int_equal(kbtf_decompress_prefix(KBTF_COMP_LZ4, frame, n, 64, &back), 0);
		assert_int_equal(back.size, sizes[i] < 64 ? sizes[i] : 64);
		kbtf_buf_release(&back);
		free(frame);
	}
	free(zeros);
}

/* @plain as xz (preset 9: a 64 MiB dictionary) or lzma-alone, by liblzma. */
static size_t make_lzma(const uint8_t *plain, size_t size, bool alone, uint8_t **out)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_options_lzma opt;
	size_t cap = size + size / 2 + 4096;

	*out = malloc(cap);
	assert_non_null(*out);
	assert_int_equal(lzma_lzma_preset(&opt, 9), 0);
	if (alone)
		assert_int_equal(lzma_alone_encoder(&ls, &opt), LZMA_OK);
	else
		assert_int_equal(lzma_easy_encoder(&ls, 9, LZMA_CHECK_CRC32), LZMA_OK);
	ls.next_in = plain;
	ls.avail_in = size;
	ls.next_out = *out;
	ls.avail_out = cap;
	assert_int_equal(lzma_code(&ls, LZMA_FINISH), LZMA_STREAM_END);
	lzma_end(&ls);
	return cap - ls.avail_out;
}

/*
 * A prefix of an xz or lzma stream is decoded with a dictionary of the
 * prefix's size: the same bytes as the whole stream's start, and the same
 * refusals (a dictionary over the memory limit, a corrupt block header, a
 * cut before the prefix, a lzma-alone length shorter than the prefix).
 */
static void test_lzma_prefix(void **state)
{
	static const size_t wants[] = {1, 64, 4096, 65536, PLAIN_SIZE, PLAIN_SIZE + 10};
	uint8_t *plain = make_plain(PLAIN_SIZE), *packed;
	struct kbtf_buf back;
	size_t n, i, want;
	int alone;

	for (alone = 0; alone < 2; alone++) {
		enum kbtf_compression c = alone ? KBTF_COMP_LZMA : KBTF_COMP_XZ;

		n = make_lzma(plain, PLAIN_SIZE, alone, &packed);
		assert_int_equal(kbtf_compression_detect(packed, n), c);
		for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
			want = wants[i] < PLAIN_SIZE ? wants[i] : PLAIN_SIZE;
			assert_int_equal(kbtf_decompress_prefix(c, packed, n, wants[i], &back), 0);
			assert_int_equal(back.size, want);
			assert_memory_equal(back.data, plain, want);
			kbtf_buf_release(&back);
		}
		/* cut early: the first 64 bytes are there, the first 200 KiB not */
		assert_int_equal(kbtf_decompress_prefix(c, packed, 4096, 64, &back), 0);
		assert_memory_equal(back.data, plain, 64);
		kbtf_buf_release(&back);
		assert_int_equal(kbtf_decompress_prefix(c, packed, 4096, 200 << 10, &back),
				 -EINVAL);
		if (alone) {
			/* a 1 GiB dictionary is over the memory limit, prefix or not */
			packed[1] = packed[2] = packed[3] = 0;
			packed[4] = 0x40;
			assert_int_equal(kbtf_decompress_prefix(c, packed, n, 64, &back), -ENOMEM);
			packed[4] = 0x04; /* 64 MiB, as written */
			/*
			 * a length of 10: the stream must end there, and does
			 * not (corrupt), whether 64 bytes are asked for or all
			 */
			memset(packed + 5, 0, 8);
			packed[5] = 10;
			assert_int_equal(kbtf_decompress(c, packed, n, 1u << 20, &back), -EINVAL);
			assert_int_equal(kbtf_decompress_prefix(c, packed, n, 64, &back), -EINVAL);
		} else {
			/* the block header's CRC32 */
			packed[12 + 2] ^= 0x40;
			assert_int_equal(kbtf_decompress_prefix(c, packed, n, 64, &back), -EINVAL);
		}
		free(packed);
	}
	free(plain);
}

static void test_truncated(void **state)
{
	uint8_t *plain = make_plain(PLAIN_SIZE);
	struct kbtf_buf packed, back;
	size_t i, cut;

	for (i = 0; i < NR_SCHEMES; i++) {
		assert_int_equal(kbtf_compress(schemes[i], plain, PLAIN_SIZE, &packed), 0);
		for (cut = 1; cut < packed.size; cut = cut * 3 + 1) {
			int err = kbtf_decompress(schemes[i], packed.data, cut, 1u << 30, &back);

			if (!err)
				fail_msg("%s cut at %zu of %zu decompressed",
					 kbtf_compression_str(schemes[i]), cut, packed.size);
			assert_true(err == -EINVAL);
			assert_null(back.data);
			assert_true(strlen(kbtf_errstr()) > 0);
		}
		kbtf_buf_release(&packed);
	}
	free(plain);
}

static void test_corrupt(void **state)
{
	uint8_t *plain = make_plain(PLAIN_SIZE);
	struct kbtf_buf packed, back;
	size_t i, j;

	for (i = 0; i < NR_SCHEMES; i++) {
		assert_int_equal(kbtf_compress(schemes[i], plain, PLAIN_SIZE, &packed), 0);
		/* keep the header, scribble over the body */
		for (j = 32; j < packed.size; j += 7)
			packed.data[j] ^= 0x5a;
		assert_int_equal(
		    kbtf_decompress(schemes[i], packed.data, packed.size, 1u << 30, &back),
		    -EINVAL);
		kbtf_buf_release(&packed);
	}
	free(plain);
}

static void test_bound(void **state)
{
	uint8_t *zeros = calloc(1, 4u << 20);
	struct kbtf_buf packed, back;
	size_t i;

	/* 4 MiB of zeros packs to a few KB: a small bomb */
	for (i = 0; i < NR_SCHEMES; i++) {
		assert_int_equal(kbtf_compress(schemes[i], zeros, 4u << 20, &packed), 0);
		assert_int_equal(
		    kbtf_decompress(schemes[i], packed.data, packed.size, 1u << 20, &back), -EFBIG);
		assert_null(back.data);
		assert_non_null(strstr(kbtf_errstr(), "more than"));
		/* the prefix mode stops there quietly */
		assert_int_equal(
		    kbtf_decompress_prefix(schemes[i], packed.data, packed.size, 64, &back), 0);
		assert_int_equal(back.size, 64);
		kbtf_buf_release(&back);
		kbtf_buf_release(&packed);
	}
	free(zeros);
}

static void test_gzip_members(void **state)
{
	struct kbtf_buf a, b, back;
	uint8_t *both;

	assert_int_equal(kbtf_compress(KBTF_COMP_GZIP, "hello ", 6, &a), 0);
	assert_int_equal(kbtf_compress(KBTF_COMP_GZIP, "world", 5, &b), 0);
	both = malloc(a.size + b.size);
	memcpy(both, a.data, a.size);
	memcpy(both + a.size, b.data, b.size);
	assert_int_equal(kbtf_decompress(KBTF_COMP_GZIP, both, a.size + b.size, 100, &back), 0);
	assert_int_equal(back.size, 11);
	assert_memory_equal(back.data, "hello world", 11);
	kbtf_buf_release(&back);
	kbtf_buf_release(&a);
	kbtf_buf_release(&b);
	free(both);
}

static void test_detect(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		enum kbtf_compression want;
	} cases[] = {
	    {"\x1f\x8b\x08\x00", 4, KBTF_COMP_GZIP},
	    {"\xfd"
	     "7zXZ\x00\x00",
	     7, KBTF_COMP_XZ},
	    {"\x28\xb5\x2f\xfd\x00", 5, KBTF_COMP_ZSTD},
	    {"\x02\x21\x4c\x18", 4, KBTF_COMP_LZ4},
	    {"\x04\x22\x4d\x18", 4, KBTF_COMP_LZ4},
	    {"BZh91AY&SY", 10, KBTF_COMP_BZIP2},
	    /* lzma-alone: props 0x5d, 8 MiB dictionary, unknown size */
	    {"\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff", 13, KBTF_COMP_LZMA},
	    /* 3 * 2^20 dictionary, known size */
	    {"\x5d\x00\x00\x30\x00\x10\x00\x00\x00\x00\x00\x00\x00", 13, KBTF_COMP_LZMA},
	    /* 0x5d with a dictionary no encoder writes */
	    {"\x5d\x00\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00", 13, KBTF_COMP_NONE},
	    {"\x5d\x07\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff", 13, KBTF_COMP_NONE},
	    {"BZh0", 4, KBTF_COMP_NONE},
	    {"\x7f"
	     "ELF",
	     4, KBTF_COMP_NONE},
	    {"\x1f\x8b", 2, KBTF_COMP_NONE},
	    {"", 0, KBTF_COMP_NONE},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (kbtf_compression_detect(cases[i].bytes, cases[i].len) != cases[i].want)
			fail_msg("case %zu: detected %s, want %s", i,
				 kbtf_compression_str(
				     kbtf_compression_detect(cases[i].bytes, cases[i].len)),
				 kbtf_compression_str(cases[i].want));
	}
	assert_string_equal(kbtf_compression_str(KBTF_COMP_ZSTD), "zstd");
	assert_string_equal(kbtf_compression_str((enum kbtf_compression)99), "unknown");
}

static void test_garbage(void **state)
{
	uint8_t junk[4096];
	struct kbtf_buf back;
	uint32_t x = 99;
	size_t i, j;

	for (j = 0; j < sizeof(junk); j++) {
		x = x * 1664525 + 1013904223;
		junk[j] = (uint8_t)(x >> 24);
	}
	for (i = 0; i < NR_SCHEMES; i++) {
		assert_int_equal(kbtf_decompress(schemes[i], junk, sizeof(junk), 1u << 20, &back),
				 -EINVAL);
		assert_null(back.data);
	}
	assert_int_equal(kbtf_decompress(KBTF_COMP_NONE, junk, sizeof(junk), 10, &back), -EINVAL);
	assert_int_equal(kbtf_decompress(KBTF_COMP_GZIP, junk, 2, 10, &back), -EINVAL);
	assert_int_equal(kbtf_compress(KBTF_COMP_NONE, junk, 10, &back), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),	 cmocka_unit_test(test_empty_input_compresses),
	    cmocka_unit_test(test_lz4_legacy),	 cmocka_unit_test(test_lz4_legacy_ratio),
	    cmocka_unit_test(test_lzma_prefix),	 cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_corrupt),	 cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_gzip_members), cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
