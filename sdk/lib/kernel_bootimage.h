/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Boot images, what distributions install as vmlinuz: the x86 bzImage
 * (find the compressed kernel inside, decompress it into the ELF vmlinux it
 * is, read the release string it announces), the arm64 Image and the EFI
 * zboot wrapper around it.
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
 * arm64 boot images. The Image (Documentation/arch/arm64/booting.rst) is
 * the kernel's memory image with a 64-byte header: "ARM\x64" at 0x38, flags
 * at 0x18 (bit 0 set: a big-endian kernel). With the EFI stub it also
 * starts with "MZ"; Debian installs it uncompressed (6.1 to 7.2). Its
 * .BTF section is in there as loaded, with no section table to find it.
 */
bool kbtf_arm64_image_detect(const void *data, size_t size);
bool kbtf_arm64_image_big_endian(const void *data, size_t size);

/*
 * Find the vmlinux BTF in a memory image: the one blob whose header,
 * type and string sections are consistent and fit, the largest if several
 * do. -ENOENT when there is none (a kernel built without
 * CONFIG_DEBUG_INFO_BTF).
 */
int kbtf_image_find_btf(const void *data, size_t size, bool big_endian, size_t *off, size_t *len);

/*
 * EFI zboot (drivers/firmware/efi/libstub/zboot-header.S, since 6.1): a PE
 * file starting "MZ" "zimg", the compressed Image's offset and size at 8
 * and 12, the compressor's name at 0x18: arm64 (also riscv and loongarch)
 * kernels built with CONFIG_EFI_ZBOOT.
 */
bool kbtf_zboot_detect(const void *data, size_t size);
/* Decompress a zboot image's payload (the Image) into @out. */
int kbtf_zboot_read(const void *data, size_t size, struct kbtf_buf *out,
		    enum kbtf_compression *comp, char comp_name[16]);

/*
 * The release from a "Linux version <release> (" banner in a kernel image
 * (heap string), or NULL when there is none.
 */
char *kbtf_linux_banner_release(const void *data, size_t size);

#endif
