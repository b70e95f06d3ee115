// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * BTF archives: a .BTF section holding more than one BTF blob back to back,
 * as a linker produces when it concatenates per-object .BTF sections. A
 * blob's own header says how long it is, so members are found by walking
 * headers; only the header of each member is read here.
 */
#include <errno.h>
#include <string.h>

#include "kbtf/btf.h"
#include "kbtf/err.h"

#define ARCHIVE_MAX_PAD 8

/* Length of the blob at @p (header + sections), 0 if it is not BTF. */
static size_t blob_len(const uint8_t *p, size_t left)
{
	struct kbtf_btf_rawhdr h;
	const struct btf_header *hd = &h.hdr;
	uint64_t end, types_end;

	if (!kbtf_btf_peek(p, left, &h))
		return 0;
	end = (uint64_t)hd->hdr_len + hd->str_off + hd->str_len;
	types_end = (uint64_t)hd->hdr_len + hd->type_off + hd->type_len;
	if (hd->hdr_len < KBTF_HDR_LEN_CLASSIC || end > left || types_end > end)
		return 0;
	return (size_t)end;
}

int kbtf_btf_archive_members(const void *data, size_t size, struct kbtf_archive_member *m,
			     size_t max)
{
	const uint8_t *p = data;
	size_t off = 0, n = 0, len, pad;

	while (off < size) {
		len = blob_len(p + off, size - off);
		if (!len) {
			if (!n)
				return kbtf_err(-EINVAL,
						"not BTF: no valid BTF header at offset 0");
			return kbtf_err(-EINVAL,
					"%zu bytes after BTF blob %zu (offset %zu) are neither "
					"padding nor another BTF blob",
					size - off, n, off);
		}
		if (n < max) {
			m[n].offset = off;
			m[n].size = len;
		}
		n++;
		off += len;
		for (pad = 0; off < size && pad < ARCHIVE_MAX_PAD && p[off] == 0; pad++)
			off++;
		if (off < size && pad == ARCHIVE_MAX_PAD && p[off] == 0)
			return kbtf_err(-EINVAL, "more than %d zero bytes after BTF blob %zu",
					ARCHIVE_MAX_PAD, n);
	}
	return (int)n;
}
