// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Boot image reading (see kernel_bootimage.h). For the x86 bzImage: The layout facts used are the
 * boot protocol's (Documentation/arch/x86/boot.rst): setup_sects at 0x1f1,
 * "HdrS" at 0x202, the protocol version at 0x206, kernel_version at 0x20e
 * (a pointer to a string, relative to 0x200), payload_offset/_length at
 * 0x248/0x24c (protocol 2.08+, offset counted from the protected-mode code
 * that starts after the (setup_sects + 1) 512-byte sectors). The payload
 * is the compressed vmlinux followed by its uncompressed size (le32).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_bootimage.h"
#include "elf_read.h"
#include "kbtf/buf.h"
#include "kbtf/err.h"
#include "util.h"

#define HDR_SETUP_SECTS 0x1f1
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_KERNEL_VERSION 0x20e
#define HDR_PAYLOAD_OFFSET 0x248
#define HDR_PAYLOAD_LENGTH 0x24c
#define HDR_END 0x250

#define SCAN_MAX_TRIES 256 /* candidate streams tried when scanning */

bool kbtf_bootimage_detect(const void *data, size_t size)
{
	return size >= HDR_END && !memcmp((const uint8_t *)data + HDR_MAGIC, "HdrS", 4);
}

static bool release_char(int c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '+' || c == '~';
}

/* A release is a word of release characters that starts with a digit. */
static char *release_word(const char *s, size_t max)
{
	size_t n = 0;

	if (!max || !isdigit((unsigned char)s[0]))
		return NULL;
	while (n < max && n < 128 && release_char((unsigned char)s[n]))
		n++;
	return strndup(s, n);
}

static void read_version_string(const uint8_t *p, size_t size, struct kbtf_bootimage *bi)
{
	uint16_t ptr = kbtf_le16(p + HDR_KERNEL_VERSION);
	size_t off = (size_t)ptr + 0x200, len;

	if (bi->protocol < 0x0200 || !ptr || off >= size)
		return;
	len = strnlen((const char *)p + off, size - off < 512 ? size - off : 512);
	bi->version_string = strndup((const char *)p + off, len);
	bi->release = release_word((const char *)p + off, len);
}

char *kbtf_linux_banner_release(const void *data, size_t size)
{
	static const char tag[] = "Linux version ";
	const uint8_t *p = data, *end = p + size, *hit;
	char *rel;

	while (p < end && (hit = memmem(p, (size_t)(end - p), tag, sizeof(tag) - 1))) {
		const char *s = (const char *)hit + sizeof(tag) - 1;
		size_t left = (size_t)(end - (const uint8_t *)s);

		/* "Linux version %s" format strings do not start with a digit */
		rel = release_word(s, left);
		if (rel && strlen(rel) < left && s[strlen(rel)] == ' ')
			return rel;
		free(rel);
		p = hit + 1;
	}
	return NULL;
}

/* Decompress @len bytes at @off if they are a stream whose output is an ELF. */
static int try_payload(const uint8_t *p, size_t off, size_t len, size_t max_out,
		       struct kbtf_bootimage *bi)
{
	enum kbtf_compression c = kbtf_compression_detect(p + off, len);
	struct kbtf_buf head;
	bool elf;
	int err;

	if (c == KBTF_COMP_NONE)
		return kbtf_err(-EINVAL, "no known compression magic at payload offset %zu", off);
	err = kbtf_decompress_prefix(c, p + off, len, 64, &head);
	if (err)
		return err;
	elf = kbtf_elf_detect(head.data, head.size);
	kbtf_buf_release(&head);
	if (!elf)
		return kbtf_err(-EINVAL, "%s payload at offset %zu is not an ELF kernel",
				kbtf_compression_str(c), off);
	err = kbtf_decompress(c, p + off, len, max_out, &bi->elf);
	if (err)
		return kbtf_err_prefix(err, "%s payload at offset %zu", kbtf_compression_str(c),
				       off);
	bi->compression = c;
	bi->payload_off = off;
	bi->payload_len = len;
	return 0;
}

static int from_header(const uint8_t *p, size_t size, struct kbtf_bootimage *bi)
{
	unsigned int sects = p[HDR_SETUP_SECTS] ? p[HDR_SETUP_SECTS] : 4;
	size_t pm_start = ((size_t)sects + 1) * 512;
	uint32_t off = kbtf_le32(p + HDR_PAYLOAD_OFFSET), len = kbtf_le32(p + HDR_PAYLOAD_LENGTH);
	size_t max_out = KBTF_INPUT_MAX;
	uint32_t trailer;

	if (bi->protocol < 0x0208 || !len)
		return kbtf_err(-ENOENT, "boot protocol %u.%02u has no payload fields",
				bi->protocol >> 8, bi->protocol & 0xff);
	if (pm_start > size || off > size - pm_start || len > size - pm_start - off)
		return kbtf_err(-EINVAL,
				"payload (offset %u, %u bytes) runs past the %zu-byte image", off,
				len, size);
	/* the appended uncompressed size is exact: a bound no bomb can pass */
	if (len >= 8) {
		trailer = kbtf_le32(p + pm_start + off + len - 4);
		if (trailer && trailer <= KBTF_INPUT_MAX)
			max_out = trailer;
	}
	return try_payload(p, pm_start + off, len, max_out, bi);
}

static const uint8_t *next_magic(const uint8_t *p, const uint8_t *end)
{
	for (; p + 4 <= end; p++) {
		switch (p[0]) {
		case 0x1f: /* gzip */
			if (p[1] == 0x8b && p[2] == 8)
				return p;
			break;
		case 0xfd: /* xz */
		case 0x28: /* zstd */
		case 0x02: /* lz4 legacy */
		case 0x04: /* lz4 frame */
		case 'B':  /* bzip2 */
		case 0x5d: /* lzma */
			if (kbtf_compression_detect(p, (size_t)(end - p)) != KBTF_COMP_NONE)
				return p;
			break;
		}
	}
	return NULL;
}

/*
 * Try every compressed stream from @start on; @skip is the header's payload
 * offset when that one already failed (again, it would only evade the
 * bound its size trailer set).
 */
static int by_scanning(const uint8_t *p, size_t size, size_t start, size_t skip,
		       struct kbtf_bootimage *bi)
{
	const uint8_t *end = p + size, *hit = p + start;
	int tries = 0;

	while ((hit = next_magic(hit, end)) && tries++ < SCAN_MAX_TRIES) {
		if ((size_t)(hit - p) != skip &&
		    !try_payload(p, (size_t)(hit - p), (size_t)(end - hit), KBTF_INPUT_MAX, bi)) {
			bi->scanned = true;
			return 0;
		}
		hit++;
	}
	return kbtf_err(-EINVAL, "no compressed kernel found in the boot image");
}

int kbtf_bootimage_read(const void *data, size_t size, struct kbtf_bootimage *bi)
{
	const uint8_t *p = data;
	char *header_why = NULL;
	size_t start = 0, skip = SIZE_MAX;
	int err, header_err = 0;

	memset(bi, 0, sizeof(*bi));
	if (kbtf_bootimage_detect(data, size)) {
		bi->has_setup_header = true;
		bi->protocol = kbtf_le16(p + HDR_VERSION);
		read_version_string(p, size, bi);
		header_err = from_header(p, size, bi);
		if (!header_err)
			return 0;
		/* remember why the header's payload failed: it beats "not found" */
		if (header_err != -ENOENT)
			header_why = strdup(kbtf_errstr());
		start = ((size_t)(p[HDR_SETUP_SECTS] ? p[HDR_SETUP_SECTS] : 4) + 1) * 512;
		if (start > size)
			start = 0;
		else if (bi->protocol >= 0x0208)
			skip = start + kbtf_le32(p + HDR_PAYLOAD_OFFSET);
	}
	err = by_scanning(p, size, start, skip, bi);
	if (err) {
		if (header_why)
			err = kbtf_err(header_err, "%s", header_why);
		kbtf_bootimage_release(bi);
	}
	free(header_why);
	return err;
}

void kbtf_bootimage_release(struct kbtf_bootimage *bi)
{
	if (!bi)
		return;
	kbtf_buf_release(&bi->elf);
	free(bi->version_string);
	free(bi->release);
	memset(bi, 0, sizeof(*bi));
}

/* ---------------------------------------------------------------- arm64 */

#define ARM64_MAGIC 0x38 /* "ARM\x64" */
#define ARM64_FLAGS 0x18
#define ARM64_HDR_END 0x40

bool kbtf_arm64_image_detect(const void *data, size_t size)
{
	return size >= ARM64_HDR_END && !memcmp((const uint8_t *)data + ARM64_MAGIC, "ARM\x64", 4);
}

bool kbtf_arm64_image_big_endian(const void *data, size_t size)
{
	return size >= ARM64_HDR_END && (((const uint8_t *)data)[ARM64_FLAGS] & 1);
}

/*
 * Is there a complete vmlinux BTF at @p (@left bytes to the end)? The
 * checks are the kernel's own header rules (btf_parse_hdr(): version 1, no
 * flags, sections inside the blob, 4-byte aligned types) plus what a base
 * BTF must be: types present, strings starting and ending with NUL.
 * Returns its length, or 0.
 */
static size_t btf_blob_at(const uint8_t *p, size_t left, bool be)
{
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
	uint64_t end, str_end;

	if (left < 24 || p[2] != 1 || p[3] != 0)
		return 0;
	hdr_len = kbtf_get32(p + 4, be);
	type_off = kbtf_get32(p + 8, be);
	type_len = kbtf_get32(p + 12, be);
	str_off = kbtf_get32(p + 16, be);
	str_len = kbtf_get32(p + 20, be);
	if (hdr_len < 24 || hdr_len > 256 || hdr_len % 4 || type_off % 4 || !type_len ||
	    type_len % 4 || str_len < 2)
		return 0;
	end = (uint64_t)hdr_len + type_off + type_len;
	str_end = (uint64_t)hdr_len + str_off + str_len;
	if (str_end > end)
		end = str_end;
	if (end > left || (uint64_t)type_off + type_len > str_off)
		return 0;
	if (p[hdr_len + str_off] != 0 || p[str_end - 1] != 0)
		return 0;
	return (size_t)end;
}

int kbtf_image_find_btf(const void *data, size_t size, bool big_endian, size_t *off, size_t *len)
{
	static const uint8_t le_magic[2] = {0x9f, 0xeb}, be_magic[2] = {0xeb, 0x9f};
	const uint8_t *p = data, *end = p + size, *hit;
	const uint8_t *magic = big_endian ? be_magic : le_magic;
	size_t best = 0, n;

	*off = *len = 0;
	for (hit = p; hit < end && (hit = memmem(hit, (size_t)(end - hit), magic, 2)); hit++) {
		n = btf_blob_at(hit, (size_t)(end - hit), big_endian);
		if (n > best) {
			best = n;
			*off = (size_t)(hit - p);
			*len = n;
			hit += n - 1; /* nothing inside a blob starts another */
		}
	}
	if (!best)
		return kbtf_err(-ENOENT,
				"no BTF in the %zu-byte kernel image (built without "
				"CONFIG_DEBUG_INFO_BTF?)",
				size);
	return 0;
}

/* ---------------------------------------------------------------- EFI zboot */

#define ZBOOT_PAYLOAD_OFF 8
#define ZBOOT_PAYLOAD_SIZE 12
#define ZBOOT_COMP_NAME 0x18
#define ZBOOT_HDR_END 0x40

bool kbtf_zboot_detect(const void *data, size_t size)
{
	const uint8_t *p = data;

	return size >= ZBOOT_HDR_END && p[0] == 'M' && p[1] == 'Z' && !memcmp(p + 4, "zimg", 4);
}

int kbtf_zboot_read(const void *data, size_t size, struct kbtf_buf *out,
		    enum kbtf_compression *comp, char comp_name[16])
{
	const uint8_t *p = data;
	uint32_t off = kbtf_le32(p + ZBOOT_PAYLOAD_OFF), len = kbtf_le32(p + ZBOOT_PAYLOAD_SIZE);
	enum kbtf_compression c;
	int err;

	memset(out, 0, sizeof(*out));
	snprintf(comp_name, 16, "%.*s", (int)strnlen((const char *)p + ZBOOT_COMP_NAME, 15),
		 (const char *)p + ZBOOT_COMP_NAME);
	if (off < ZBOOT_HDR_END || off > size || len > size - off || len < 4)
		return kbtf_err(
		    -EINVAL, "EFI zboot payload (offset %u, %u bytes) runs past the %zu-byte image",
		    off, len, size);
	c = kbtf_compression_detect(p + off, len);
	if (c == KBTF_COMP_NONE)
		return kbtf_err(-EINVAL,
				"EFI zboot payload (\"%s\") is in no compression kbtf reads",
				comp_name);
	err = kbtf_decompress(c, p + off, len, KBTF_INPUT_MAX, out);
	if (err)
		return kbtf_err_prefix(err, "EFI zboot %s payload", comp_name);
	if (!kbtf_arm64_image_detect(out->data, out->size)) {
		kbtf_buf_release(out);
		return kbtf_err(-EINVAL, "EFI zboot payload is not an arm64 Image");
	}
	*comp = c;
	return 0;
}
