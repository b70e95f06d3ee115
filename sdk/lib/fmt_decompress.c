// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Compression schemes a kernel image or module may come in: recognition by
 * magic, whole-stream decompression with a hard output bound (a bomb cannot
 * eat memory), and compression back into a scheme for rewriting modules.
 *
 * gzip via zlib, xz and lzma-alone via liblzma, zstd via libzstd, bzip2 via
 * libbz2, and lz4 via liblz4 in both the LZ4 frame format and the legacy
 * frame the kernel's boot images use (which liblz4 has no reader for: its
 * blocks are walked here and each handed to LZ4_decompress_safe).
 *
 * Every decoder stops at the end of the first complete stream and ignores
 * what follows: boot image payloads end with a 4-byte size, and multi-member
 * gzip is the one case where we keep going.
 */
#include <bzlib.h>
#include <errno.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "kbtf/err.h"
#include "kbtf/source.h"
#include "util.h"

#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20)  /* uncompressed bytes per legacy block */
#define LZMA_MEMLIMIT (128ull << 20) /* xz -9 needs 65 MiB; kernels use 32 MiB dicts */

/* A growing output buffer that refuses to pass @max bytes. */
struct sink {
	uint8_t *data;
	size_t len, cap, max;
	bool partial; /* stop quietly at max instead of failing */
	bool full;    /* partial mode: max reached */
};

static const char *const comp_names[] = {
    [KBTF_COMP_NONE] = "none",	 [KBTF_COMP_GZIP] = "gzip", [KBTF_COMP_XZ] = "xz",
    [KBTF_COMP_ZSTD] = "zstd",	 [KBTF_COMP_LZ4] = "lz4",   [KBTF_COMP_LZMA] = "lzma",
    [KBTF_COMP_BZIP2] = "bzip2",
};

const char *kbtf_compression_str(enum kbtf_compression c)
{
	if ((unsigned int)c < sizeof(comp_names) / sizeof(comp_names[0]) && comp_names[c])
		return comp_names[c];
	return "unknown";
}

/*
 * lzma-alone has no magic: a properties byte (lc/lp/pb, < 225), a
 * dictionary size and an 8-byte length. Accept only what real encoders
 * write: the properties of every preset (0x5d), a dictionary of 2^n or
 * 2^n + 2^(n-1) bytes, and a length that is unknown (all ones) or sane.
 */
static bool looks_like_lzma_alone(const uint8_t *p, size_t size)
{
	uint32_t dict;
	uint64_t len = 0;
	int i;

	if (size < 13 || p[0] != 0x5d)
		return false;
	dict = kbtf_le32(p + 1);
	if (dict % 3 == 0)
		dict /= 3;
	if (dict < 1024 || dict & (dict - 1))
		return false;
	for (i = 7; i >= 0; i--)
		len = len << 8 | p[5 + i];
	return len == UINT64_MAX || len < (1ull << 40);
}

enum kbtf_compression kbtf_compression_detect(const void *data, size_t size)
{
	static const uint8_t xz[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
	const uint8_t *p = data;

	if (size < 4)
		return KBTF_COMP_NONE;
	if (p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
		return KBTF_COMP_GZIP;
	if (size >= 6 && !memcmp(p, xz, 6))
		return KBTF_COMP_XZ;
	if (kbtf_le32(p) == ZSTD_MAGICNUMBER)
		return KBTF_COMP_ZSTD;
	if (kbtf_le32(p) == LZ4_LEGACY_MAGIC || kbtf_le32(p) == LZ4F_MAGICNUMBER)
		return KBTF_COMP_LZ4;
	if (p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9')
		return KBTF_COMP_BZIP2;
	if (looks_like_lzma_alone(p, size))
		return KBTF_COMP_LZMA;
	return KBTF_COMP_NONE;
}

/* ---------------------------------------------------------------- sink */

static int sink_init(struct sink *s, size_t in_size, size_t max, bool partial)
{
	size_t cap = in_size < SIZE_MAX / 4 ? in_size * 4 : SIZE_MAX;

	if (cap < 65536)
		cap = 65536;
	if (cap > max)
		cap = max ? max : 1;
	memset(s, 0, sizeof(*s));
	s->data = malloc(cap);
	if (!s->data)
		return kbtf_err(-ENOMEM, "out of memory (%zu bytes)", cap);
	s->cap = cap;
	s->max = max;
	s->partial = partial;
	return 0;
}

/*
 * Make room for at least @want more bytes (fewer if the bound is near).
 * Returns the bytes free: 0 when the bound is reached or memory ran out.
 */
static size_t sink_reserve(struct sink *s, size_t want)
{
	size_t ncap = s->cap;
	uint8_t *n;

	if (s->cap - s->len >= want || s->cap >= s->max)
		return s->cap - s->len;
	while (ncap - s->len < want && ncap < s->max)
		ncap = ncap > s->max / 2 ? s->max : ncap * 2;
	n = realloc(s->data, ncap);
	if (!n)
		return s->cap - s->len;
	s->data = n;
	s->cap = ncap;
	return s->cap - s->len;
}

/* Room for the next step of a streaming decoder: grows only when full. */
static size_t sink_room(struct sink *s)
{
	return sink_reserve(s, 1);
}

/* Called when a decoder wants room and none is left. */
static int sink_full(struct sink *s, const char *what)
{
	if (s->cap < s->max)
		return kbtf_err(-ENOMEM, "out of memory decompressing %s", what);
	if (s->partial) {
		s->full = true;
		return 0;
	}
	return kbtf_err(-EFBIG, "%s data decompresses to more than %zu bytes", what, s->max);
}

static void sink_give(struct sink *s, struct kbtf_buf *out)
{
	uint8_t *shrunk = s->len ? realloc(s->data, s->len) : NULL;

	if (shrunk)
		s->data = shrunk;
	out->data = s->data;
	out->size = s->len;
	out->owner = KBTF_BUF_HEAP;
	s->data = NULL;
}

/* ---------------------------------------------------------------- gzip */

static int gunzip(const uint8_t *in, size_t size, struct sink *s)
{
	z_stream zs;
	size_t room;
	int ret, err = 0;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return kbtf_err(-ENOMEM, "cannot set up zlib");
	zs.next_in = (Bytef *)in;
	for (;;) {
		/* zlib counts in uInt: feed at most 1 GiB at a time */
		if (!zs.avail_in) {
			size_t left = size - (size_t)((const uint8_t *)zs.next_in - in);

			zs.avail_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
		}
		room = sink_room(s);
		if (!room) {
			err = sink_full(s, "gzip");
			break;
		}
		zs.next_out = s->data + s->len;
		zs.avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
		ret = inflate(&zs, Z_NO_FLUSH);
		s->len = (size_t)(zs.next_out - s->data);
		if (ret == Z_STREAM_END) {
			size_t used = (size_t)((const uint8_t *)zs.next_in - in);

			/* another gzip member follows: concatenated gzip */
			if (size - used >= 3 && in[used] == 0x1f && in[used + 1] == 0x8b &&
			    in[used + 2] == 8) {
				inflateReset(&zs);
				continue;
			}
			break;
		}
		if (ret == Z_BUF_ERROR && !zs.avail_in &&
		    (const uint8_t *)zs.next_in == in + size) {
			err = kbtf_err(-EINVAL, "gzip data is truncated");
			break;
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			err = kbtf_err(-EINVAL, "gzip data is corrupt: %s",
				       zs.msg ? zs.msg : "inflate failed");
			break;
		}
	}
	inflateEnd(&zs);
	return err;
}

/* ---------------------------------------------------------------- xz, lzma */

/*
 * A prefix of @want bytes needs a dictionary of @want bytes: no match in
 * it can reach further back. The stream's own dictionary (32 MiB for a
 * kernel, up to the memory limit for anything else) would be allocated
 * for nothing, once per candidate a boot-image scan tries.
 */
#define LZMA_PREFIX_MAX (1u << 20) /* prefixes up to this size take the short cut */

static void lzma_filters_release(lzma_filter *f)
{
	for (; f->id != LZMA_VLI_UNKNOWN; f++) {
		free(f->options);
		f->options = NULL;
	}
}

/*
 * Decode the first s->max bytes (partial mode) with a dictionary no larger
 * than that. Returns true when they were all decoded; false, with nothing
 * kept, when anything differs from the plain case (the stream ends or
 * fails first, needs more than the memory limit with its own dictionary,
 * is not one block first): the caller then decodes as usual, so every
 * error and every short result is exactly the plain decoder's.
 */
static bool unlzma_prefix(const uint8_t *in, size_t size, struct sink *s, bool alone)
{
	lzma_filter f[LZMA_FILTERS_MAX + 1] = {{.id = LZMA_VLI_UNKNOWN}};
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_block block = {0};
	lzma_stream_flags sf;
	lzma_ret ret = LZMA_PROG_ERROR;
	uint64_t dict = s->max * 2 > LZMA_DICT_SIZE_MIN ? s->max * 2 : LZMA_DICT_SIZE_MIN;
	size_t hdr, i;

	if (!s->partial || s->max > LZMA_PREFIX_MAX || sink_reserve(s, s->max) < s->max)
		return false;
	if (alone) {
		/* a known length up to the prefix: the plain decoder checks its end */
		if (size < 13 || kbtf_le64(in + 5) <= s->max)
			return false;
		f[0].id = LZMA_FILTER_LZMA1;
		f[1].id = LZMA_VLI_UNKNOWN;
		if (lzma_properties_decode(&f[0], NULL, in, 5) != LZMA_OK)
			return false;
		hdr = 13;
	} else {
		if (size < LZMA_STREAM_HEADER_SIZE + 1 ||
		    lzma_stream_header_decode(&sf, in) != LZMA_OK || !in[LZMA_STREAM_HEADER_SIZE])
			return false;
		block.version = 1;
		block.check = sf.check;
		block.filters = f;
		block.header_size = lzma_block_header_size_decode(in[LZMA_STREAM_HEADER_SIZE]);
		if (size - LZMA_STREAM_HEADER_SIZE < block.header_size ||
		    lzma_block_header_decode(&block, NULL, in + LZMA_STREAM_HEADER_SIZE) != LZMA_OK)
			return false;
		hdr = LZMA_STREAM_HEADER_SIZE + block.header_size;
	}
	/* what the plain decoder would refuse, it refuses (with a margin) */
	if (lzma_raw_decoder_memusage(f) > LZMA_MEMLIMIT - (1u << 20))
		goto out;
	for (i = 0; f[i].id != LZMA_VLI_UNKNOWN; i++) {
		lzma_options_lzma *o = f[i].options;

		if ((f[i].id == LZMA_FILTER_LZMA1 || f[i].id == LZMA_FILTER_LZMA2) &&
		    o->dict_size > dict)
			o->dict_size = (uint32_t)dict;
	}
	ret = alone ? lzma_raw_decoder(&ls, f) : lzma_block_decoder(&ls, &block);
	if (ret != LZMA_OK)
		goto out;
	ls.next_in = in + hdr;
	ls.avail_in = size - hdr;
	ls.next_out = s->data;
	ls.avail_out = s->max;
	while (ls.avail_out && ret == LZMA_OK)
		ret = lzma_code(&ls, LZMA_FINISH);
	s->len = (size_t)(ls.next_out - s->data);
out:
	lzma_end(&ls);
	lzma_filters_release(f);
	if (ret == LZMA_OK && s->len == s->max) {
		s->full = true;
		return true;
	}
	s->len = 0;
	return false;
}

static int unlzma(const uint8_t *in, size_t size, struct sink *s, bool alone)
{
	const char *what = alone ? "lzma" : "xz";
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_ret ret;
	size_t room;
	int err = 0;

	if (unlzma_prefix(in, size, s, alone))
		return 0;
	ret = alone ? lzma_alone_decoder(&ls, LZMA_MEMLIMIT)
		    : lzma_stream_decoder(&ls, LZMA_MEMLIMIT, 0);
	if (ret != LZMA_OK)
		return kbtf_err(-ENOMEM, "cannot set up liblzma for %s", what);
	ls.next_in = in;
	ls.avail_in = size;
	for (;;) {
		room = sink_room(s);
		if (!room) {
			err = sink_full(s, what);
			break;
		}
		ls.next_out = s->data + s->len;
		ls.avail_out = room;
		ret = lzma_code(&ls, LZMA_FINISH);
		s->len = (size_t)(ls.next_out - s->data);
		if (ret == LZMA_STREAM_END)
			break;
		if (ret == LZMA_OK)
			continue;
		if (ret == LZMA_BUF_ERROR && !ls.avail_in)
			err = kbtf_err(-EINVAL, "%s data is truncated", what);
		else if (ret == LZMA_MEMLIMIT_ERROR || ret == LZMA_MEM_ERROR)
			err = kbtf_err(-ENOMEM, "%s data needs more than %llu MiB to decode", what,
				       LZMA_MEMLIMIT >> 20);
		else
			err = kbtf_err(-EINVAL, "%s data is corrupt (liblzma error %d)", what,
				       (int)ret);
		break;
	}
	lzma_end(&ls);
	return err;
}

/* ---------------------------------------------------------------- zstd */

static int unzstd(const uint8_t *in, size_t size, struct sink *s)
{
	ZSTD_DStream *zd = ZSTD_createDStream();
	ZSTD_inBuffer ib = {in, size, 0};
	ZSTD_outBuffer ob;
	size_t ret = 1, room;
	int err = 0;

	if (!zd)
		return kbtf_err(-ENOMEM, "cannot set up libzstd");
	for (;;) {
		room = sink_room(s);
		if (!room) {
			err = sink_full(s, "zstd");
			break;
		}
		ob.dst = s->data + s->len;
		ob.size = room;
		ob.pos = 0;
		ret = ZSTD_decompressStream(zd, &ob, &ib);
		s->len += ob.pos;
		if (ZSTD_isError(ret)) {
			err = kbtf_err(-EINVAL, "zstd data is corrupt: %s", ZSTD_getErrorName(ret));
			break;
		}
		if (ret == 0) {
			/* a frame ended; go on only if another zstd frame follows */
			if (size - ib.pos >= 4 && kbtf_le32(in + ib.pos) == ZSTD_MAGICNUMBER)
				continue;
			break;
		}
		if (ib.pos == ib.size && ob.pos < ob.size) {
			err = kbtf_err(-EINVAL, "zstd data is truncated");
			break;
		}
	}
	ZSTD_freeDStream(zd);
	return err;
}

/* ---------------------------------------------------------------- lz4 */

/* Where a block near the output bound is decoded first. */
struct lz4_scratch {
	uint8_t *data;
	size_t cap;
};

/* One block of the legacy frame, appended to @s. */

static int unlz4_legacy_block(const uint8_t *blk, size_t len, size_t at, struct sink *s,
			      struct lz4_scratch *scratch)
{
	/*
	 * An lz4 block cannot expand more than 255 times: every output byte
	 * is a literal (one input byte each) or part of a match, and a match
	 * grows by at most 255 bytes per length byte. So a small block needs
	 * a small buffer, not the format's 8 MiB (a scan of a boot image
	 * tries every lz4 magic it meets).
	 */
	size_t most = len < LZ4_LEGACY_BLOCK / 255 ? len * 255 : LZ4_LEGACY_BLOCK;
	size_t room = sink_reserve(s, most);
	int n;

	if (!room)
		return sink_full(s, "lz4");
	if (room >= most) {
		n = LZ4_decompress_safe((const char *)blk, (char *)s->data + s->len, (int)len,
					(int)most);
		if (n < 0)
			return kbtf_err(-EINVAL, "lz4 block at offset %zu is corrupt", at);
		s->len += (size_t)n;
		return 0;
	}
	/* near the bound: decode aside to learn whether the block fits */
	if (scratch->cap < most) {
		uint8_t *p = realloc(scratch->data, most);

		if (!p)
			return kbtf_err(-ENOMEM, "out of memory decompressing lz4");
		scratch->data = p;
		scratch->cap = most;
	}
	n = LZ4_decompress_safe((const char *)blk, (char *)scratch->data, (int)len, (int)most);
	if (n < 0)
		return kbtf_err(-EINVAL, "lz4 block at offset %zu is corrupt", at);
	if ((size_t)n > room) {
		memcpy(s->data + s->len, scratch->data, room);
		s->len += room;
		return sink_full(s, "lz4");
	}
	memcpy(s->data + s->len, scratch->data, (size_t)n);
	s->len += (size_t)n;
	return 0;
}

/*
 * The legacy frame: magic, then blocks of { le32 compressed size, data },
 * each decompressing to at most 8 MiB. It has no end mark: input ends, or
 * the kernel's 4-byte size trailer is all that is left, or a new legacy
 * magic starts another frame.
 */
static int unlz4_legacy(const uint8_t *in, size_t size, struct sink *s)
{
	struct lz4_scratch scratch = {0};
	size_t pos = 4, blk;
	int err = 0;

	while (pos < size && !s->full) {
		if (size - pos == 4 && pos > 4)
			break; /* the boot image's uncompressed-size trailer */
		if (size - pos < 4) {
			err = kbtf_err(-EINVAL, "lz4 data is truncated at offset %zu", pos);
			break;
		}
		blk = kbtf_le32(in + pos);
		pos += 4;
		if (blk == LZ4_LEGACY_MAGIC)
			continue;
		if (blk == 0 || blk > (size_t)LZ4_compressBound(LZ4_LEGACY_BLOCK)) {
			err = kbtf_err(-EINVAL, "lz4 block at offset %zu has impossible size %zu",
				       pos - 4, blk);
			break;
		}
		if (blk > size - pos) {
			err = kbtf_err(-EINVAL, "lz4 data is truncated at offset %zu", pos - 4);
			break;
		}
		err = unlz4_legacy_block(in + pos, blk, pos - 4, s, &scratch);
		if (err)
			break;
		pos += blk;
	}
	free(scratch.data);
	return err;
}

static int unlz4_frame(const uint8_t *in, size_t size, struct sink *s)
{
	LZ4F_dctx *dctx;
	size_t pos = 0, ret = 1, room, isz, osz;
	int err = 0;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
		return kbtf_err(-ENOMEM, "cannot set up liblz4");
	for (;;) {
		room = sink_room(s);
		if (!room) {
			err = sink_full(s, "lz4");
			break;
		}
		isz = size - pos;
		osz = room;
		ret = LZ4F_decompress(dctx, s->data + s->len, &osz, in + pos, &isz, NULL);
		pos += isz;
		s->len += osz;
		if (LZ4F_isError(ret)) {
			err = kbtf_err(-EINVAL, "lz4 data is corrupt: %s", LZ4F_getErrorName(ret));
			break;
		}
		if (ret == 0)
			break; /* frame complete */
		if (pos == size && osz == 0) {
			err = kbtf_err(-EINVAL, "lz4 data is truncated");
			break;
		}
	}
	LZ4F_freeDecompressionContext(dctx);
	return err;
}

/* ---------------------------------------------------------------- bzip2 */

static int bunzip2(const uint8_t *in, size_t size, struct sink *s)
{
	bz_stream bz;
	size_t room, used;
	int ret, err = 0;

	memset(&bz, 0, sizeof(bz));
	if (BZ2_bzDecompressInit(&bz, 0, 0) != BZ_OK)
		return kbtf_err(-ENOMEM, "cannot set up libbz2");
	bz.next_in = (char *)in;
	for (;;) {
		used = (size_t)((const uint8_t *)bz.next_in - in);
		if (!bz.avail_in)
			bz.avail_in =
			    size - used > (1u << 30) ? (1u << 30) : (unsigned int)(size - used);
		room = sink_room(s);
		if (!room) {
			err = sink_full(s, "bzip2");
			break;
		}
		bz.next_out = (char *)s->data + s->len;
		bz.avail_out = room > (1u << 30) ? (1u << 30) : (unsigned int)room;
		ret = BZ2_bzDecompress(&bz);
		s->len = (size_t)((uint8_t *)bz.next_out - s->data);
		if (ret == BZ_STREAM_END)
			break;
		if (ret != BZ_OK) {
			err = kbtf_err(-EINVAL, "bzip2 data is corrupt (libbz2 error %d)", ret);
			break;
		}
		if (!bz.avail_in && (const uint8_t *)bz.next_in == in + size && bz.avail_out) {
			err = kbtf_err(-EINVAL, "bzip2 data is truncated");
			break;
		}
	}
	BZ2_bzDecompressEnd(&bz);
	return err;
}

/* ---------------------------------------------------------------- entry */

static int decompress(enum kbtf_compression c, const void *data, size_t size, size_t max_out,
		      bool partial, struct kbtf_buf *out)
{
	struct sink s;
	int err;

	memset(out, 0, sizeof(*out));
	if (c == KBTF_COMP_NONE)
		return kbtf_err(-EINVAL, "data is not compressed");
	if (size < 4)
		return kbtf_err(-EINVAL, "%s data is truncated (%zu bytes)",
				kbtf_compression_str(c), size);
	err = sink_init(&s, size, max_out, partial);
	if (err)
		return err;
	switch (c) {
	case KBTF_COMP_GZIP:
		err = gunzip(data, size, &s);
		break;
	case KBTF_COMP_XZ:
		err = unlzma(data, size, &s, false);
		break;
	case KBTF_COMP_LZMA:
		err = unlzma(data, size, &s, true);
		break;
	case KBTF_COMP_ZSTD:
		err = unzstd(data, size, &s);
		break;
	case KBTF_COMP_LZ4:
		if (kbtf_le32(data) == LZ4_LEGACY_MAGIC)
			err = unlz4_legacy(data, size, &s);
		else
			err = unlz4_frame(data, size, &s);
		break;
	case KBTF_COMP_BZIP2:
		err = bunzip2(data, size, &s);
		break;
	default:
		err = kbtf_err(-EINVAL, "unknown compression %d", (int)c);
		break;
	}
	if (err) {
		free(s.data);
		return err;
	}
	sink_give(&s, out);
	return 0;
}

int kbtf_decompress(enum kbtf_compression c, const void *data, size_t size, size_t max_out,
		    struct kbtf_buf *out)
{
	return decompress(c, data, size, max_out, false, out);
}

int kbtf_decompress_prefix(enum kbtf_compression c, const void *data, size_t size, size_t want,
			   struct kbtf_buf *out)
{
	return decompress(c, data, size, want, true, out);
}

/* ---------------------------------------------------------------- compress */

static int gzip_buf(const uint8_t *in, size_t size, struct kbtf_buf *out)
{
	z_stream zs;
	uLong bound;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (size > (1u << 30))
		return kbtf_err(-EFBIG, "%zu bytes is too large to gzip in one go", size);
	if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return kbtf_err(-ENOMEM, "cannot set up zlib");
	bound = deflateBound(&zs, (uLong)size);
	out->data = malloc(bound);
	if (!out->data) {
		deflateEnd(&zs);
		return kbtf_err(-ENOMEM, "out of memory (%lu bytes)", bound);
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)size;
	zs.next_out = out->data;
	zs.avail_out = (uInt)bound;
	ret = deflate(&zs, Z_FINISH);
	out->size = zs.total_out;
	out->owner = KBTF_BUF_HEAP;
	deflateEnd(&zs);
	if (ret != Z_STREAM_END) {
		kbtf_buf_release(out);
		return kbtf_err(-EIO, "gzip compression failed (%d)", ret);
	}
	return 0;
}

/* xz as the kernel's module decompressor wants it: CRC32 check, 1 MiB dict. */
static int xz_buf(const uint8_t *in, size_t size, struct kbtf_buf *out)
{
	lzma_options_lzma opt;
	lzma_filter filters[2];
	size_t bound = lzma_stream_buffer_bound(size), pos = 0;
	lzma_ret ret;

	if (lzma_lzma_preset(&opt, 6))
		return kbtf_err(-EINVAL, "liblzma has no preset 6");
	opt.dict_size = 1u << 20;
	filters[0].id = LZMA_FILTER_LZMA2;
	filters[0].options = &opt;
	filters[1].id = LZMA_VLI_UNKNOWN;
	out->data = malloc(bound ? bound : 1);
	if (!out->data)
		return kbtf_err(-ENOMEM, "out of memory (%zu bytes)", bound);
	ret = lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC32, NULL, in, size, out->data, &pos,
					bound);
	out->size = pos;
	out->owner = KBTF_BUF_HEAP;
	if (ret != LZMA_OK) {
		kbtf_buf_release(out);
		return kbtf_err(-EIO, "xz compression failed (liblzma error %d)", (int)ret);
	}
	return 0;
}

static int lzma_alone_buf(const uint8_t *in, size_t size, struct kbtf_buf *out)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_options_lzma opt;
	size_t cap = size + size / 2 + 4096;
	lzma_ret ret;

	if (lzma_lzma_preset(&opt, 6))
		return kbtf_err(-EINVAL, "liblzma has no preset 6");
	if (lzma_alone_encoder(&ls, &opt) != LZMA_OK)
		return kbtf_err(-ENOMEM, "cannot set up liblzma");
	out->data = malloc(cap);
	if (!out->data) {
		lzma_end(&ls);
		return kbtf_err(-ENOMEM, "out of memory (%zu bytes)", cap);
	}
	ls.next_in = in;
	ls.avail_in = size;
	ls.next_out = out->data;
	ls.avail_out = cap;
	ret = lzma_code(&ls, LZMA_FINISH);
	out->size = (size_t)ls.total_out;
	out->owner = KBTF_BUF_HEAP;
	lzma_end(&ls);
	if (ret != LZMA_STREAM_END) {
		kbtf_buf_release(out);
		return kbtf_err(-EIO, "lzma compression failed (liblzma error %d)", (int)ret);
	}
	return 0;
}

/* Like the zstd command line: content size and checksum in the frame. */
static int zstd_buf(const uint8_t *in, size_t size, struct kbtf_buf *out)
{
	size_t bound = ZSTD_compressBound(size), n;
	ZSTD_CCtx *cc = ZSTD_createCCtx();

	if (!cc)
		return kbtf_err(-ENOMEM, "cannot set up libzstd");
	out->data = malloc(bound);
	if (!out->data) {
		ZSTD_freeCCtx(cc);
		return kbtf_err(-ENOMEM, "out of memory (%zu bytes)", bound);
	}
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 19);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	n = ZSTD_compress2(cc, out->data, bound, in, size);
	ZSTD_freeCCtx(cc);
	out->owner = KBTF_BUF_HEAP;
	if (ZSTD_isError(n)) {
		kbtf_buf_release(out);
		return kbtf_err(-EIO, "zstd compression failed: %s", ZSTD_getErrorName(n));
	}
	out->size = n;
	return 0;
}

static int lz4_frame_buf(const uint8_t *in, size_t size, struct kbtf_buf *out)
{
	LZ4F_preferences_t prefs;
	size_t bound, n;

	memset(&prefs, 0, sizeof(prefs));
	prefs.frameInfo.contentSize = size;
	prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
	prefs.compressionLevel = 9;
	bound = LZ4F_compressFrameBound(size, &prefs);
	out->data = malloc(bound);
	if (!out->data)
		return kbtf_err(-ENOMEM, "out of memory (%zu bytes)", bound);
	n = LZ4F_compressFrame(out->data, bound, in, size, &prefs);
	out->owner = KBTF_BUF_HEAP;
	if (LZ4F_isError(n)) {
		kbtf_buf_release(out);
		return kbtf_err(-EIO, "lz4 compression failed: %s", LZ4F_getErrorName(n));
	}
	out->size = n;
	return 0;
}

static int bzip2_buf(const uint8_t *in, size_t size, struct kbtf_buf *out)
{
	unsigned int cap;
	int ret;

	if (size > (1u << 30))
		return kbtf_err(-EFBIG, "%zu bytes is too large to bzip2 in one go", size);
	cap = (unsigned int)(size + size / 100 + 600);
	out->data = malloc(cap);
	if (!out->data)
		return kbtf_err(-ENOMEM, "out of memory (%u bytes)", cap);
	ret = BZ2_bzBuffToBuffCompress((char *)out->data, &cap, (char *)in, (unsigned int)size, 9,
				       0, 0);
	out->owner = KBTF_BUF_HEAP;
	if (ret != BZ_OK) {
		kbtf_buf_release(out);
		return kbtf_err(-EIO, "bzip2 compression failed (libbz2 error %d)", ret);
	}
	out->size = cap;
	return 0;
}

int kbtf_compress(enum kbtf_compression c, const void *data, size_t size, struct kbtf_buf *out)
{
	memset(out, 0, sizeof(*out));
	switch (c) {
	case KBTF_COMP_GZIP:
		return gzip_buf(data, size, out);
	case KBTF_COMP_XZ:
		return xz_buf(data, size, out);
	case KBTF_COMP_LZMA:
		return lzma_alone_buf(data, size, out);
	case KBTF_COMP_ZSTD:
		return zstd_buf(data, size, out);
	case KBTF_COMP_LZ4:
		return lz4_frame_buf(data, size, out);
	case KBTF_COMP_BZIP2:
		return bzip2_buf(data, size, out);
	default:
		return kbtf_err(-EINVAL, "cannot compress with %s", kbtf_compression_str(c));
	}
}
