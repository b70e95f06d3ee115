// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel generations (kernel_gen.h): one table of the releases where the
 * kernel's handling of module BTF changed, and the questions asked of it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "kernel_gen.h"

static const struct kgen_row {
	unsigned int major, minor; /* first release of the generation */
	enum kbtf_kernel_gen gen;
	const char *since;
	bool reads_btf_base;
} kgen_rows[] = {
    {0, 0, KBTF_KERNEL_6_1, "", false},
    /*
     * Linux 6.11 (the series "bpf: support resilient split BTF"): the
     * module loader finds .BTF.base, parses .BTF on it and relocates the
     * split onto vmlinux with btf_relocate(). Before it, .BTF.base is an
     * unknown section and .BTF is read as split BTF on vmlinux itself.
     */
    {6, 11, KBTF_KERNEL_6_12, "6.11", true},
    /* kflag on type and decl tags ("attribute" tags) */
    {6, 14, KBTF_KERNEL_6_14, "6.14", true},
    /*
     * Linux 7.1: the kind-layout header (hdr_len 32, layout_off and
     * layout_len; kernel commits 222edc843c15 "btf: Add BTF kind layout
     * encoding to UAPI" and 626e88c070ee "btf: Support kernel parsing of
     * BTF with layout info", merged into bpf-next as 01504da43e67 after
     * 7.0-rc and so first released in 7.1). Before it, struct btf_header
     * is 24 bytes and btf_parse_hdr() refuses a longer header with any
     * nonzero byte past it: 6.14 .. 7.0 read only the zero-tailed 32-byte
     * headers sid's kbuild writes, like 6.1 and 6.12.
     */
    {7, 1, KBTF_KERNEL_LAYOUT, "7.1", true},
};

#define NR_ROWS (sizeof(kgen_rows) / sizeof(kgen_rows[0]))

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int kbtf_kgen_parse_release(const char *release, unsigned int *major, unsigned int *minor)
{
	unsigned long ma, mi;
	char *end;

	/* digits only: strtoul alone would take " 6", "+6" or "-1" */
	if (!release || !is_digit(release[0]))
		return -EINVAL;
	ma = strtoul(release, &end, 10);
	if (*end != '.' || !is_digit(end[1]))
		return -EINVAL;
	mi = strtoul(end + 1, &end, 10);
	if (!ma || ma > UINT_MAX || mi > UINT_MAX)
		return -EINVAL;
	*major = (unsigned int)ma;
	*minor = (unsigned int)mi;
	return 0;
}

static const struct kgen_row *row_of(unsigned int major, unsigned int minor)
{
	size_t i = NR_ROWS;

	while (--i > 0) {
		const struct kgen_row *r = &kgen_rows[i];

		if (major > r->major || (major == r->major && minor >= r->minor))
			return r;
	}
	return &kgen_rows[0];
}

static const struct kgen_row *row_of_gen(enum kbtf_kernel_gen gen)
{
	size_t i;

	for (i = 0; i < NR_ROWS; i++)
		if (kgen_rows[i].gen == gen)
			return &kgen_rows[i];
	return &kgen_rows[NR_ROWS - 1];
}

enum kbtf_kernel_gen kbtf_kernel_gen_of_release(const char *release)
{
	unsigned int major, minor;

	if (kbtf_kgen_parse_release(release, &major, &minor))
		return kgen_rows[NR_ROWS - 1].gen;
	return row_of(major, minor)->gen;
}

const char *kbtf_kgen_first_release(enum kbtf_kernel_gen gen)
{
	return row_of_gen(gen)->since;
}

bool kbtf_kgen_reads_btf_base(enum kbtf_kernel_gen gen)
{
	return row_of_gen(gen)->reads_btf_base;
}

const char *kbtf_kgen_btf_base_since(void)
{
	size_t i;

	for (i = 0; i < NR_ROWS; i++)
		if (kgen_rows[i].reads_btf_base)
			return kgen_rows[i].since;
	return "";
}

int kbtf_kgen_release_reads_btf_base(const char *release)
{
	unsigned int major, minor;

	if (kbtf_kgen_parse_release(release, &major, &minor))
		return -1;
	return row_of(major, minor)->reads_btf_base;
}
