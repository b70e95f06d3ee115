/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86 boot images (bzImage, what distributions install as vmlinuz): find
 * the compressed kernel inside, decompress it into the ELF vmlinux it is,
 * and read the release string the image announces.
 */
#ifndef KBTF_KERNEL_BOOTIMAGE_H
#define KBTF_KERNEL_BOOTIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/buf.h"
#include "kbtf/source.h"

struct kbtf_bootimage {
	bool has_setup_header; /* "HdrS" at 0x202 */
	uint16_t protocol;     /* boot protocol, e.g. 0x020f */
	bool scanned;	       /* payload found by scanning, not from the header */
	size_t payload_off;    /* file offset of the compressed payload */
	size_t payload_len;
	enum kbtf_compression compression;
	char *version_string; /* the header's kernel_version text, NULL if none */
	char *release;	      /* its first word */
	struct kbtf_buf elf;  /* the decompressed payload (an ELF vmlinux) */
};

/* True for a buffer that carries an x86 setup header. */
bool kbtf_bootimage_detect(const void *data, size_t size);

/*
 * Locate and decompress the payload. The setup header's payload fields
 * (boot protocol >= 2.08) are used when present; otherwise, or when they do
 * not lead to an ELF, the image is scanned for a compressed stream that
 * decompresses to one. The 4-byte size the kernel build appends bounds the
 * output. Fails when no payload can be found or decompressed.
 */
int kbtf_bootimage_read(const void *data, size_t size, struct kbtf_bootimage *bi);
void kbtf_bootimage_release(struct kbtf_bootimage *bi);

/*
 * The release from a "Linux version <release> (" banner in a kernel image
 * (heap string), or NULL when there is none.
 */
char *kbtf_linux_banner_release(const void *data, size_t size);

#endif
