/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel generations: which kernel release brought which behaviour towards
 * a module's BTF. The one place that knows the releases: the parse-time
 * rule set a kernel applies (kbtf/check.h), whether it reads a module's
 * .BTF.base, and so which BTF a module built for it should carry. The SDK
 * (what to write) and the validator (what a kernel will do) both ask here.
 */
#ifndef KBTF_KERNEL_GEN_H
#define KBTF_KERNEL_GEN_H

#include <stdbool.h>

#include "kbtf/check.h" /* enum kbtf_kernel_gen, kbtf_kernel_gen_of_release() */

/*
 * "6.12.113+deb12-amd64" -> 6, 12. 0, or -EINVAL when @release does not
 * start with MAJOR.MINOR (major > 0).
 */
int kbtf_kgen_parse_release(const char *release, unsigned int *major, unsigned int *minor);

/* The first release of @gen, as "6.11" ("" for the oldest generation). */
const char *kbtf_kgen_first_release(enum kbtf_kernel_gen gen);

/*
 * Does a kernel of @gen read a module's .BTF.base and relocate its .BTF
 * onto its own vmlinux? Older kernels ignore .BTF.base and read .BTF as
 * split BTF on their own vmlinux.
 */
bool kbtf_kgen_reads_btf_base(enum kbtf_kernel_gen gen);

/* The first release that reads .BTF.base: "6.11". */
const char *kbtf_kgen_btf_base_since(void);

/* Same question for a release: 1 yes, 0 no, -1 the release does not say. */
int kbtf_kgen_release_reads_btf_base(const char *release);

#endif
