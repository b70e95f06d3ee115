/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What `kbtf distill` and `kbtf build` share: running the distiller on one
 * module with progress output, opening the base and saying which was used,
 * and the options both commands take.
 */
#ifndef KBTF_DISTILL_UI_H
#define KBTF_DISTILL_UI_H

#include <stdbool.h>

#include "kbtf/distill.h"

struct distill_ui {
	const char *current; /* module being processed, for messages */
	bool quiet;
	/*
	 * No base found by looking it up: warn and leave the modules as kbuild
	 * built them (--missing-base=warn, what kbtf.mk asks for) instead of
	 * failing.
	 */
	bool warn_missing_base;
	double total_ms; /* time spent distilling */
};

/* Distill @path; prints one progress line; returns a KBTF_EXIT_* code. */
int distill_one(struct distill_ui *ui, const char *path, struct kbtf_distill_module_opts *o);

/*
 * Open --base, or find one for @release/@kdir; prints which; KBTF_EXIT_*
 * code. With ui->warn_missing_base, a base that is nowhere to be found is
 * a warning: KBTF_EXIT_OK with *@k NULL.
 */
int distill_base_for(struct distill_ui *ui, const char *base, const char *release, const char *kdir,
		     struct kbtf_kernel **k);

/* getopt values of the options distill and build share. */
enum {
	OPT_SIGN = 256,
	OPT_SIGN_HASH,
	OPT_KDIR,
	OPT_NO_LAYOUT,
	OPT_PLAIN_SPLIT,
	OPT_DISTILLED,
	OPT_MISSING_BASE,
	OPT_REDISTILL,
};

/*
 * Handle an option distill and build share beyond the common ones of
 * cmd.h: 1 handled, 0 not shared, -1 usage error (reported).
 */
int distill_common_option(int c, int argc, char **argv, struct kbtf_distill_module_opts *o);

#endif
