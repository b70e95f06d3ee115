/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel log of one module load, as a boot shows it: which predicted
 * lines the kernel prints at most once per boot (a taint bit it tests
 * first, or pr_*_once()), so that the log of the second module of a boot
 * can be told from the first one's.
 */
#ifndef KBTF_KLOG_H
#define KBTF_KLOG_H

/* What makes a line appear once per boot; 0 for a line of every load. */
enum kbtf_klog_once {
	KBTF_KLOG_EVERY = 0,
	KBTF_KLOG_OOT = 1u << 0,	  /* TAINT_OOT_MODULE tested first */
	KBTF_KLOG_UNSIGNED = 1u << 1,	  /* pr_notice_once, CONFIG_MODULE_SIG */
	KBTF_KLOG_NO_VERSION = 1u << 2,	  /* pr_warn_once in check_version() */
	KBTF_KLOG_BTF_MISMATCH = 1u << 3, /* pr_warn_once, MODULE_ALLOW_BTF_MISMATCH */
	KBTF_KLOG_LICENSE = 1u << 4,	  /* TAINT_PROPRIETARY_MODULE tested first */
	KBTF_KLOG_DEBUG_LOCKS = 1u << 5,  /* debug_locks turned off once */
	KBTF_KLOG_FORCED = 1u << 6,	  /* TAINT_FORCED_MODULE tested first */
	KBTF_KLOG_TEST = 1u << 7,	  /* TAINT_TEST tested first */
};

/* The once-per-boot class of one log line (without its timestamp). */
unsigned int kbtf_klog_once_class(const char *line);

/*
 * @log (lines joined by '\n') as the kernel prints it for a load that
 * comes after loads that already printed the classes in *@printed: those
 * lines dropped, and *@printed extended with the classes @log prints.
 * A heap string, or NULL when out of memory.
 */
char *kbtf_klog_in_boot(const char *log, unsigned int *printed);

/* One sentence saying which lines of @log a boot prints only once, or "". */
const char *kbtf_klog_once_note(const char *log);

#endif
