/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the validator: the state of judging one (module, kernel) pair
 * and the pieces kbtf_validate_pair (verdict.c) calls, one file per
 * concern: symbols (judge_symbols.c), relocation (judge_reloc.c), kernels
 * without .BTF.base support and plain split BTF (judge_nobase.c), layout
 * drift (judge_drift.c).
 */
#ifndef KBTF_JUDGE_H
#define KBTF_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/check.h"
#include "relocate.h"
#include "result_build.h"
#include "kbtf/validate.h"

#define MAX_LISTED 6 /* candidates / members spelled out per problem */

struct judge {
	struct kbtf_rb rb;
	const struct kbtf_vmod *m;
	const struct kbtf_vkernel *k;
	const struct kbtf_validate_opts *o;
	const char *modname;
	const char *release; /* never NULL: "this kernel" when unknown */
	enum kbtf_verdict btf_verdict;
	enum kbtf_load btf_load;
	bool symbols_bad;
	char headline[640]; /* the first BTF finding, for the summary */
};

/* verdict.c: shared facts and outcomes */
enum kbtf_kernel_gen kbtf_judge_gen(const struct judge *j);
enum kbtf_load kbtf_judge_load_rejected(const struct judge *j);
void kbtf_judge_rejected(struct judge *j, enum kbtf_verdict v, const char *headline);
void kbtf_judge_log_failure(struct judge *j, int err);
void kbtf_judge_appendf(char *buf, size_t len, size_t *used, const char *fmt, ...)
    KBTF_PRINTF(4, 5);

/* judge_reloc.c */
void kbtf_judge_relocation(struct judge *j);
void kbtf_judge_relocation_anyway(struct judge *j);

void kbtf_judge_symbols(struct judge *j);				     /* judge_symbols.c */
void kbtf_judge_drift(struct judge *j, const struct kbtf_reloc_result *res); /* judge_drift.c */
void kbtf_judge_pre611(struct judge *j);				     /* judge_nobase.c */
void kbtf_judge_plain(struct judge *j);

#endif
