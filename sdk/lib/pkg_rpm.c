// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * RPM packages (RHEL and its rebuilds, Fedora, openSUSE/SLES, Amazon
 * Linux): the 96-byte lead, the signature header, the main header, then
 * the payload (a cpio archive, compressed as PAYLOADCOMPRESSOR says). This
 * file reads the headers only, for the package's name, version, arch and
 * payload compressor; the payload itself is streamed by libarchive (its
 * rpm filter skips what is read here). Layout per rpm's own format
 * documentation (docs/manual/format.md in rpm-software-management/rpm):
 * every header is magic 8e ad e8 01, 4 reserved bytes, the number of index
 * entries and the size of the data store (both big-endian), 16-byte index
 * entries (tag, type, offset, count), then the data store; the signature
 * header is padded to a multiple of 8 bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "pkg.h"
#include "util.h"

#define LEAD_SIZE 96
#define HDR_INTRO 16
#define MAX_INDEX 65536	      /* entries of one header; kernels have ~40 */
#define MAX_STORE (64u << 20) /* bytes of one header's data store */

#define TAG_NAME 1000
#define TAG_VERSION 1001
#define TAG_RELEASE 1002
#define TAG_ARCH 1022
#define TAG_PAYLOADCOMPRESSOR 1125
#define TYPE_STRING 6

static const uint8_t lead_magic[4] = {0xed, 0xab, 0xee, 0xdb};
static const uint8_t header_magic[4] = {0x8e, 0xad, 0xe8, 0x01};

bool kbtf_rpm_detect(const void *data, size_t size)
{
	const uint8_t *d = data;

	/* lead: magic, major 3 or 4, minor, type 0 (binary) or 1 (source) */
	return size >= LEAD_SIZE + HDR_INTRO && !memcmp(d, lead_magic, 4) &&
	       (d[4] == 3 || d[4] == 4) && d[6] == 0 && d[7] <= 1;
}

struct rpm_header {
	const uint8_t *index; /* nindex entries of 16 bytes */
	const uint8_t *store;
	uint32_t nindex, dsize;
	size_t total; /* bytes from the header's magic to its end */
};

static int header_at(const uint8_t *d, size_t size, size_t off, const char *which,
		     struct rpm_header *h)
{
	if (off > size || size - off < HDR_INTRO || memcmp(d + off, header_magic, 4))
		return kbtf_err(-EINVAL, "RPM %s header missing at offset %zu", which, off);
	h->nindex = kbtf_be32(d + off + 8);
	h->dsize = kbtf_be32(d + off + 12);
	if (h->nindex > MAX_INDEX || h->dsize > MAX_STORE)
		return kbtf_err(-EINVAL, "RPM %s header claims %u entries and %u bytes", which,
				h->nindex, h->dsize);
	h->total = HDR_INTRO + (size_t)h->nindex * 16 + h->dsize;
	if (h->total > size - off)
		return kbtf_err(-EINVAL, "RPM %s header runs past the end of the file", which);
	h->index = d + off + HDR_INTRO;
	h->store = h->index + (size_t)h->nindex * 16;
	return 0;
}

/* The string value of @tag, heap copy, or NULL. */
static char *header_string(const struct rpm_header *h, uint32_t tag)
{
	uint32_t i, type, off;
	const uint8_t *e;
	const char *s;

	for (i = 0; i < h->nindex; i++) {
		e = h->index + (size_t)i * 16;
		if (kbtf_be32(e) != tag)
			continue;
		type = kbtf_be32(e + 4);
		off = kbtf_be32(e + 8);
		if (type != TYPE_STRING || off >= h->dsize)
			return NULL;
		s = (const char *)h->store + off;
		return strndup(s, h->dsize - off);
	}
	return NULL;
}

int kbtf_rpm_read_header(const void *data, size_t size, struct kbtf_pkg_info *info,
			 char *compressor, size_t clen)
{
	const uint8_t *d = data;
	struct rpm_header sig, main;
	char *ver, *rel, *comp;
	size_t off;
	int err;

	if (!kbtf_rpm_detect(data, size))
		return kbtf_err(-EINVAL, "not an RPM package (no lead magic)");
	err = header_at(d, size, LEAD_SIZE, "signature", &sig);
	if (err)
		return err;
	off = LEAD_SIZE + sig.total;
	off = (off + 7) & ~(size_t)7;
	err = header_at(d, size, off, "main", &main);
	if (err)
		return err;
	info->name = header_string(&main, TAG_NAME);
	info->arch = header_string(&main, TAG_ARCH);
	ver = header_string(&main, TAG_VERSION);
	rel = header_string(&main, TAG_RELEASE);
	if (ver && rel && asprintf(&info->version, "%s-%s", ver, rel) < 0)
		info->version = NULL;
	free(ver);
	free(rel);
	/* rpm's default when the tag is absent is gzip */
	comp = header_string(&main, TAG_PAYLOADCOMPRESSOR);
	snprintf(compressor, clen, "%s", comp ? comp : "gzip");
	free(comp);
	if (!info->name)
		return kbtf_err(-EINVAL, "RPM header has no package name");
	return 0;
}
