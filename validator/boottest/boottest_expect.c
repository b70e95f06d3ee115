// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * From a prediction to what the kernel should visibly do, and the
 * comparison with what it did. The rules follow the order in which the
 * kernel's load_module() meets each obstacle; the first one that stops the
 * load decides (docs/boot-test.md, "What agree means"):
 *
 *   0. module_layout (skipped with --force): its CRC in __versions must
 *                 equal the kernel's (the layout of struct module)
 *   1. vermagic   (skipped with --force): the strings must match; the
 *                 release word is ignored when the module has CRCs
 *   2. symbols    unknown symbols refuse the load even when forced; CRC
 *                 mismatches refuse it unless forced
 *   3. BTF        accepted: loads, /sys/kernel/btf/<mod> exists;
 *                 rejected: MODULE_ALLOW_BTF_MISMATCH=y loads without BTF,
 *                 =n refuses; the log names what the validator named
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boottest.h"
#include "klog.h"

const char *kbtf_bt_agreement_str(enum kbtf_bt_agreement a)
{
	switch (a) {
	case KBTF_BT_AGREE:
		return "agree";
	case KBTF_BT_DISAGREE:
		return "DISAGREE";
	case KBTF_BT_INCONCLUSIVE:
		return "inconclusive";
	}
	return "?";
}

/* The kernel's same_magic(): with CRCs the release (first word) is not compared. */
static bool same_vermagic(const char *a, const char *b, bool has_crcs)
{
	if (has_crcs) {
		a += strcspn(a, " ");
		b += strcspn(b, " ");
	}
	return !strcmp(a, b);
}

static void refuse(struct kbtf_bt_expect *e, int err, const char *needle, const char *why)
{
	e->loads = KBTF_BT_NO;
	e->btf = KBTF_BT_NO;
	e->err = err;
	snprintf(e->needle, sizeof(e->needle), "%s", needle);
	snprintf(e->why, sizeof(e->why), "%s", why);
}

/* Step 3: the module got past vermagic and symbols; its BTF decides. */
static void expect_btf(const struct kbtf_bt_prediction *p, const struct kbtf_bt_facts *f,
		       struct kbtf_bt_expect *e)
{
	e->loads = KBTF_BT_YES;
	if (!f->module_has_btf || f->kernel_btf_modules == KBTF_BT_NO) {
		e->btf = KBTF_BT_NO;
		snprintf(e->why, sizeof(e->why), "%s",
			 !f->module_has_btf ? "module has no .BTF: nothing to register"
					    : "kernel has no DEBUG_INFO_BTF_MODULES");
		return;
	}
	if (p->btf_accepted == KBTF_BT_YES) {
		e->btf = f->kernel_btf_modules == KBTF_BT_YES ? KBTF_BT_YES : KBTF_BT_ANY;
		snprintf(e->why, sizeof(e->why), "BTF accepted: registered");
		return;
	}
	if (p->btf_accepted == KBTF_BT_ANY) {
		e->btf = KBTF_BT_ANY;
		if (f->allow_btf_mismatch != KBTF_BT_YES)
			e->loads = KBTF_BT_ANY;
		snprintf(e->why, sizeof(e->why), "the prediction says nothing of the BTF");
		return;
	}
	if (f->allow_btf_mismatch == KBTF_BT_NO) {
		refuse(e, 0, "failed to validate module",
		       "BTF rejected, ALLOW_BTF_MISMATCH=n: refused");
		if (p->needle[0])
			snprintf(e->needle, sizeof(e->needle), "%s", p->needle);
		return;
	}
	e->btf = KBTF_BT_NO;
	if (f->allow_btf_mismatch == KBTF_BT_ANY)
		e->loads = KBTF_BT_ANY;
	snprintf(e->needle, sizeof(e->needle), "%s", p->needle);
	snprintf(e->why, sizeof(e->why), "BTF rejected, ALLOW_BTF_MISMATCH=%s: %s",
		 f->allow_btf_mismatch == KBTF_BT_YES ? "y" : "unknown",
		 f->allow_btf_mismatch == KBTF_BT_YES ? "loads without BTF"
						      : "no BTF, load either way");
}

static void expect_steps(const struct kbtf_bt_prediction *p, const struct kbtf_bt_facts *f,
			 struct kbtf_bt_expect *e)
{
	bool magic_unknown = false;

	memset(e, 0, sizeof(*e));
	e->loads = KBTF_BT_ANY;
	e->btf = KBTF_BT_ANY;
	if (p->verdict == KBTF_BT_V_UNKNOWN) {
		snprintf(e->why, sizeof(e->why), "no prediction");
		return;
	}
	/* load_module(): the ELF checks come before everything, forced or not */
	if (p->elf_refused) {
		refuse(e, ENOEXEC, p->elf_needle, "the loader's ELF checks refuse it: refused");
		return;
	}
	if (!f->force && f->layout_crc_match == KBTF_BT_NO) {
		refuse(e, ENOEXEC, "disagrees about version of symbol module_layout",
		       "struct module layout (module_layout CRC) differs, not forced: refused");
		return;
	}
	if (!f->force) {
		if (!f->module_vermagic || !f->kernel_vermagic || !f->kernel_vermagic[0]) {
			magic_unknown = true;
		} else if (!same_vermagic(f->module_vermagic, f->kernel_vermagic,
					  f->module_has_crcs)) {
			refuse(e, ENOEXEC, "version magic",
			       "vermagic differs, not forced: refused");
			return;
		}
	}
	if (p->symbols_missing) {
		refuse(e, p->refuse_err, p->sym_needle,
		       "symbols the kernel does not give: refused even when forced");
		return;
	}
	if (p->crc_mismatch && !f->force) {
		refuse(e, EINVAL, "disagrees about version of symbol",
		       "modversions CRC mismatch, not forced: refused");
		return;
	}
	expect_btf(p, f, e);
	if ((magic_unknown || p->symbols_unchecked) && e->loads == KBTF_BT_YES) {
		e->loads = KBTF_BT_ANY;
		snprintf(e->why + strlen(e->why), sizeof(e->why) - strlen(e->why), " (%s: %s)",
			 magic_unknown ? "kernel vermagic unknown" : "symbols not checked",
			 "a refusal agrees too");
	}
}

void kbtf_bt_expect(const struct kbtf_bt_prediction *p, const struct kbtf_bt_facts *f,
		    struct kbtf_bt_expect *e)
{
	expect_steps(p, f, e);
	/* a normal load whose every step was judged: the log line for line
	 * (a forced one skips checks whose lines validate predicts) */
	if (!f->force && p->log_known && e->loads != KBTF_BT_ANY) {
		e->exact = true;
		e->skip_signature = f->module_signed;
		e->verifier_lines = strstr(p->log, "failed to validate module [") ||
				    strstr(p->log, "Kernel module BTF mismatch detected");
		snprintf(e->log, sizeof(e->log), "%s", p->log);
	}
}

/* set in *printed once a load of the boot had a log that is not known */
#define PRINTED_UNKNOWN (1u << 31)

void kbtf_bt_expect_in_boot(struct kbtf_bt_expect *e, unsigned int *printed)
{
	char *log;

	if (!e->exact || (*printed & PRINTED_UNKNOWN)) {
		/* what this load prints once is not known: nor is what the
		 * next ones of this boot print */
		e->exact = false;
		*printed |= PRINTED_UNKNOWN;
		return;
	}
	log = kbtf_klog_in_boot(e->log, printed);
	if (!log) {
		e->exact = false;
		*printed |= PRINTED_UNKNOWN;
		return;
	}
	snprintf(e->log, sizeof(e->log), "%s", log);
	free(log);
}

/* A kernel log line without its "[    2.520000] " timestamp. */
static const char *untimed(const char *line)
{
	const char *end;

	if (line[0] != '[' || !(end = strstr(line, "] ")))
		return line;
	return end + 2;
}

/* Whether the @n bytes at @l are the signature notice. */
static bool is_signature(const char *l, size_t n)
{
	char line[512];

	if (n >= sizeof(line))
		return false;
	memcpy(line, l, n);
	line[n] = '\0';
	return kbtf_klog_once_class(line) == KBTF_KLOG_UNSIGNED;
}

/* The next line of @want at or after *@pos (its length in *@n), or NULL. */
static const char *next_want(const struct kbtf_bt_expect *e, const char **pos, size_t *n)
{
	while (**pos) {
		const char *l = *pos;

		*n = strcspn(l, "\n");
		*pos = l + *n + (l[*n] ? 1 : 0);
		if (!e->skip_signature || !is_signature(l, *n))
			return l;
	}
	return NULL;
}

/*
 * Lines the booting kernel prints on its own schedule, which can fall
 * into any load's window of dmesg: x86's delayed TSC refinement (about 2 s
 * after boot, tsc_refine_calibration_work()) and the clocksource switch
 * it triggers. No module load prints them.
 */
static bool boot_noise(const char *line)
{
	return !strncmp(line, "tsc: ", 5) || !strncmp(line, "clocksource: ", 13);
}

/*
 * The observed lines against e->log, in order: a refused load printed
 * exactly those; a loaded one printed those first, then whatever the
 * module's own init function printed. A signed module's signature notice
 * is left out on both sides.
 */
static bool log_lines_agree(const struct kbtf_bt_expect *e, const struct kbtf_bt_obs *o,
			    bool loaded, char *why, size_t len)
{
	const char *pos = e->log, *want;
	size_t i, n = 0, w = 0;

	for (i = 0; i < o->nr_log; i++) {
		const char *got = untimed(o->log[i]);

		if (boot_noise(got))
			continue;
		if (e->skip_signature && kbtf_klog_once_class(got) == KBTF_KLOG_UNSIGNED)
			continue;
		want = next_want(e, &pos, &w);
		/* the BTF verifier's log of a failed parse, before the line
		 * that says so (kbtf predicts the failure, not those words) */
		if (e->verifier_lines && !strncmp(got, "BPF: ", 5) && want &&
		    (!strncmp(want, "failed to validate module [", 27) ||
		     !strncmp(want, "Kernel module BTF mismatch detected", 35))) {
			pos = want;
			continue;
		}
		if (!want) {
			if (loaded)
				return true; /* the module's own messages */
			snprintf(why, len, "the kernel printed a line kbtf did not predict: '%s'",
				 got);
			return false;
		}
		n++;
		if (strlen(got) != w || strncmp(got, want, w)) {
			snprintf(why, len, "kernel log line %zu is '%s', predicted '%.*s'", n, got,
				 (int)w, want);
			return false;
		}
	}
	want = next_want(e, &pos, &w);
	if (want) {
		snprintf(why, len, "the kernel did not print the predicted line '%.*s'", (int)w,
			 want);
		return false;
	}
	return true;
}

static bool log_has(const struct kbtf_bt_obs *o, const char *needle)
{
	size_t i;

	for (i = 0; i < o->nr_log; i++) {
		if (strstr(o->log[i], needle))
			return true;
	}
	return false;
}

enum kbtf_bt_agreement kbtf_bt_compare(const struct kbtf_bt_expect *e, const struct kbtf_bt_obs *o,
				       bool have_prediction, char *why, size_t len)
{
	bool loaded;

	if (!have_prediction) {
		snprintf(why, len, "no prediction to compare with");
		return KBTF_BT_INCONCLUSIVE;
	}
	if (!o || !o->started) {
		snprintf(why, len, "the guest never got to this module");
		return KBTF_BT_INCONCLUSIVE;
	}
	if (!o->result) {
		snprintf(why, len, "no load result: the guest hung or crashed during the load");
		return KBTF_BT_DISAGREE;
	}
	loaded = o->rc == 0;
	if (e->loads != KBTF_BT_ANY && loaded != (e->loads == KBTF_BT_YES)) {
		snprintf(why, len, "expected the load to %s, it %s", loaded ? "fail" : "succeed",
			 loaded ? "succeeded" : "failed");
		return KBTF_BT_DISAGREE;
	}
	if (!loaded && e->err && o->err != e->err) {
		snprintf(why, len, "refused with %s, expected %s", o->errname, strerror(e->err));
		return KBTF_BT_DISAGREE;
	}
	if (loaded && e->btf != KBTF_BT_ANY && o->btf != (e->btf == KBTF_BT_YES ? 1 : 0)) {
		snprintf(why, len, "expected /sys/kernel/btf/%s to be %s", o->name,
			 e->btf == KBTF_BT_YES ? "there" : "absent");
		return KBTF_BT_DISAGREE;
	}
	/* a refusal nobody predicted (loads ANY) says nothing about the BTF */
	if (e->needle[0] && (loaded || e->loads == KBTF_BT_NO) && !log_has(o, e->needle)) {
		snprintf(why, len, "the kernel log does not mention '%s'", e->needle);
		return KBTF_BT_DISAGREE;
	}
	if (e->exact && !log_lines_agree(e, o, loaded, why, len))
		return KBTF_BT_DISAGREE;
	snprintf(why, len, "%s", e->why);
	return KBTF_BT_AGREE;
}

void kbtf_bt_obs_str(const struct kbtf_bt_obs *o, char *buf, size_t len)
{
	if (!o || !o->started)
		snprintf(buf, len, "not tried");
	else if (!o->result)
		snprintf(buf, len, "no result (hang/crash)");
	else if (o->rc)
		snprintf(buf, len, "refused: %s", o->errname);
	else
		snprintf(buf, len, "loaded, %s",
			 o->btf == 1   ? "BTF registered"
			 : o->btf == 0 ? "no BTF"
				       : "BTF ?");
}

void kbtf_bt_expect_str(const struct kbtf_bt_expect *e, char *buf, size_t len)
{
	static const char *const btf[] = {"no BTF", "BTF registered"};

	if (e->loads == KBTF_BT_NO)
		snprintf(buf, len, "refused%s%s", e->err ? ": " : "",
			 e->err == ENOEXEC  ? "ENOEXEC"
			 : e->err == ENOENT ? "ENOENT"
			 : e->err == EINVAL ? "EINVAL"
					    : "");
	else if (e->loads == KBTF_BT_YES)
		snprintf(buf, len, "loaded, %s",
			 e->btf == KBTF_BT_ANY ? "BTF either" : btf[e->btf]);
	else
		snprintf(buf, len, "either%s%s", e->btf == KBTF_BT_NO ? ", no BTF" : "",
			 e->btf == KBTF_BT_YES ? ", BTF registered" : "");
}
