// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Once-per-boot lines of a module load's kernel log (klog.h). The words
 * are the kernel's, from kernel/module/main.c (check_modinfo() up to 6.3,
 * module_augment_kernel_taints() from 6.4), kernel/module/version.c
 * (check_version()), kernel/panic.c (add_taint()) and kernel/bpf/btf.c
 * (btf_module_notify(), the pr_warn_once since 6.2); the judges write
 * them (judge_symbols.c, verdict.c), this file only recognizes them.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"

struct once_line {
	const char *text;
	bool whole; /* the whole line, else its end after "name: " */
	unsigned int cls;
};

static const struct once_line once_lines[] = {
    {"loading out-of-tree module taints kernel.", false, KBTF_KLOG_OOT},
    {"module verification failed: signature and/or required key missing - tainting kernel", false,
     KBTF_KLOG_UNSIGNED},
    {"Kernel module BTF mismatch detected, BTF debug info may be unavailable for some modules",
     true, KBTF_KLOG_BTF_MISMATCH},
    {"Disabling lock debugging due to kernel taint", true, KBTF_KLOG_DEBUG_LOCKS},
    {"loading test module taints kernel.", false, KBTF_KLOG_TEST},
};

static bool ends_with(const char *s, size_t len, const char *end)
{
	size_t n = strlen(end);

	return len >= n && !memcmp(s + len - n, end, n);
}

static unsigned int line_class(const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	size_t i;

	for (i = 0; i < sizeof(once_lines) / sizeof(once_lines[0]); i++) {
		const struct once_line *o = &once_lines[i];

		if (o->whole ? len == strlen(o->text) && !memcmp(line, o->text, len)
			     : colon && ends_with(line, len, o->text) &&
				   (size_t)(colon - line) + 2 + strlen(o->text) == len)
			return o->cls;
	}
	if (!colon)
		return 0;
	/* "NAME: no symbol version for SYM" */
	if (memmem(line, len, ": no symbol version for ", 24))
		return KBTF_KLOG_NO_VERSION;
	/* "NAME: module license 'L' taints kernel." */
	if (memmem(line, len, ": module license '", 18) && ends_with(line, len, "' taints kernel."))
		return KBTF_KLOG_LICENSE;
	/* try_to_force_load(): "NAME: REASON: kernel tainted." */
	if (ends_with(line, len, ": kernel tainted."))
		return KBTF_KLOG_FORCED;
	return 0;
}

unsigned int kbtf_klog_once_class(const char *line)
{
	return line_class(line, strlen(line));
}

char *kbtf_klog_in_boot(const char *log, unsigned int *printed)
{
	size_t len = strlen(log);
	char *out = malloc(len + 1), *o = out;
	unsigned int now = 0;
	const char *p = log;

	if (!out)
		return NULL;
	while (*p) {
		size_t n = strcspn(p, "\n");
		unsigned int cls = line_class(p, n);

		if (!(cls & *printed)) {
			if (o != out)
				*o++ = '\n';
			memcpy(o, p, n);
			o += n;
		}
		now |= cls;
		p += n;
		if (*p)
			p++;
	}
	*o = '\0';
	*printed |= now;
	return out;
}

const char *kbtf_klog_once_note(const char *log)
{
	const char *p = log ? log : "";

	while (*p) {
		size_t n = strcspn(p, "\n");

		if (line_class(p, n))
			return "The taint, signature and mismatch notices are printed once per "
			       "boot: only the first module of a boot that meets them shows them.";
		p += n;
		if (*p)
			p++;
	}
	return "";
}
