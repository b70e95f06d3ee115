// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * boot-test's one call into the validator: the verdict for a (module,
 * kernel) pair, reduced to what a boot can show (is the BTF accepted,
 * which name should the kernel's log show, are symbols missing or only
 * their CRCs different).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kbtf/boottest.h"
#include "kbtf/err.h"

const char *kbtf_bt_verdict_str(enum kbtf_bt_verdict v)
{
	switch (v) {
	case KBTF_BT_V_UNKNOWN:
		return "unknown";
	case KBTF_BT_V_OK:
		return "ok";
	case KBTF_BT_V_LAYOUT_DRIFT:
		return "layout-drift";
	case KBTF_BT_V_BTF_REJECTED:
		return "btf-rejected";
	case KBTF_BT_V_NO_DISTILLED:
		return "no-distilled-support";
	case KBTF_BT_V_SYMBOLS:
		return "symbols";
	}
	return "?";
}

int kbtf_bt_predict(const struct kbtf_module *m, struct kbtf_kernel *k,
		    struct kbtf_bt_prediction *p)
{
	memset(p, 0, sizeof(*p));
	p->verdict = KBTF_BT_V_UNKNOWN;
	p->btf_accepted = KBTF_BT_ANY;
	snprintf(p->verdict_str, sizeof(p->verdict_str), "%s", kbtf_bt_verdict_str(p->verdict));
	snprintf(p->detail, sizeof(p->detail), "the validator library is not wired in yet");
	return 0;
}
