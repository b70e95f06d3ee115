// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * boot-test pieces that run without a kernel: the newc archive (checked
 * by GNU cpio, an independent reader), the /init script, the serial log
 * parser (fed console text as a Debian 6.12 kernel prints it), the
 * expectation rules, the comparison, the qemu runner's deadline (with a
 * stand-in "qemu" script), the KVM checks (fed cpuinfo and qemu output
 * text), and the static-binary check.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <elf.h>

#include "boottest.h"
#include "kbtf/err.h"
#include "kbtf/validate.h"
#include "util.h"

/* ------------------------------------------------------------------ cpio */

static char *tmpdir_new(void)
{
	char *d = strdup("/tmp/kbtf-ut-bt.XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = n;
	return buf;
}

static void test_cpio_read_by_gnu_cpio(void **state)
{
	static const char odd[] = "odd length\n"; /* 11 bytes: padding after data */
	struct kbtf_cpio c = {0};
	char *dir = tmpdir_new(), path[512], cmd[1024], link[64];
	size_t len;
	char *got;
	struct stat st;
	ssize_t n;
	FILE *f;

	if (system("command -v cpio >/dev/null 2>&1")) {
		assert_int_equal(kbtf_rm_rf(dir), 0);
		free(dir);
		skip();
	}
	assert_int_equal(kbtf_cpio_add_dir(&c, "/bin", 0755), 0);
	assert_int_equal(kbtf_cpio_add_dir(&c, "/m", 0700), 0);
	assert_int_equal(kbtf_cpio_add_file(&c, "/m/00-x.ko", 0644, odd, strlen(odd)), 0);
	assert_int_equal(kbtf_cpio_add_file(&c, "/init", 0755, "#!/bin/sh\n", 10), 0);
	assert_int_equal(kbtf_cpio_add_file(&c, "/empty", 0600, NULL, 0), 0);
	assert_int_equal(kbtf_cpio_add_symlink(&c, "/bin/sh", "busybox"), 0);
	assert_int_equal(kbtf_cpio_finish(&c), 0);
	assert_int_equal(c.out.size % 4, 0);

	snprintf(path, sizeof(path), "%s/a.cpio", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(c.out.data, 1, c.out.size, f), c.out.size);
	fclose(f);
	kbtf_cpio_fini(&c);

	snprintf(cmd, sizeof(cmd), "cd '%s' && mkdir x && cd x && cpio -id --quiet < ../a.cpio",
		 dir);
	assert_int_equal(system(cmd), 0);

	snprintf(path, sizeof(path), "%s/x/m/00-x.ko", dir);
	got = slurp(path, &len);
	assert_non_null(got);
	assert_int_equal(len, strlen(odd));
	assert_memory_equal(got, odd, len);
	free(got);
	snprintf(path, sizeof(path), "%s/x/init", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0755);
	snprintf(path, sizeof(path), "%s/x/empty", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	snprintf(path, sizeof(path), "%s/x/bin/sh", dir);
	n = readlink(path, link, sizeof(link) - 1);
	assert_int_equal(n, 7);
	link[n] = '\0';
	assert_string_equal(link, "busybox");
	assert_int_equal(kbtf_rm_rf(dir), 0);
	free(dir);
}

/* ----------------------------------------------------------- init script */

static void test_init_script(void **state)
{
	struct kbtf_bt_load loads[2] = {
	    {.name = "videodev", .file = "videodev.ko", .is_dep = true},
	    {.name = "kbtf_demo", .file = "kbtf_demo.ko", .force = true},
	};
	char *s = NULL;

	assert_int_equal(kbtf_bt_init_script(loads, 2, &s), 0);
	assert_non_null(strstr(s, "\nkbtf_try dep videodev /m/00-videodev.ko\n"));
	assert_non_null(strstr(s, "\nkbtf_try test kbtf_demo /m/01-kbtf_demo.ko -f\n"));
	assert_non_null(strstr(s, "poweroff -f\n"));
	/* the report must not interleave with console messages */
	assert_non_null(strstr(s, "dmesg -n 1\n"));
	free(s);

	loads[1].name = "x;reboot";
	assert_int_equal(kbtf_bt_init_script(loads, 2, &s), -EINVAL);
}

/* ---------------------------------------------------------------- serial */

/* As a Debian 6.12.113-rt kernel and the boot-test /init print it (CRLF). */
static const char serial_rt[] =
    "[    0.000000] Linux version 6.12.113+deb12-rt-amd64 (debian-kernel@lists.debian.org)\r\n"
    "[    2.338769] Run /init as init process\r\n"
    "KBTF-BOOT release=6.12.113+deb12-rt-amd64 uptime=2.49\r\n"
    "KBTF-BEGIN name=videodev kind=dep\r\n"
    "KBTF-LOAD name=videodev rc=0 errno=0 err=0 msg=ok\r\n"
    "KBTF-BTF name=videodev present\r\n"
    "KBTF-LOG name=videodev [    2.40] mc: Linux media interface: v0.10\r\n"
    "KBTF-END name=videodev\r\n"
    "KBTF-BEGIN name=kbtf_demo kind=test\r\n"
    "KBTF-LOAD name=kbtf_demo rc=0 errno=0 err=0 msg=ok\r\n"
    "KBTF-BTF name=kbtf_demo absent\r\n"
    "KBTF-LOG name=kbtf_demo [    2.51] kbtf_demo: loading out-of-tree module taints kernel.\r\n"
    "KBTF-LOG name=kbtf_demo [    2.52] distilled base BTF type 'spinlock' [4] is not mapped "
    "to base BTF id\r\n"
    "KBTF-LOG name=kbtf_demo [    2.52] Kernel module BTF mismatch detected, BTF debug info "
    "may be unavailable for some modules\r\n"
    "KBTF-END name=kbtf_demo\r\n"
    "KBTF-BEGIN name=other kind=test\r\n"
    "\x1b[?7lKBTF-LOAD name=other rc=-1 errno=22 err=EINVAL msg=Invalid argument\r\n"
    "KBTF-BTF name=other absent\r\n"
    "KBTF-LOG name=other [    2.60] other: disagrees about version of symbol module_layout\r\n"
    "KBTF-END name=other\r\n"
    "KBTF-DONE\r\n"
    "[    2.58] reboot: Power down\r\n";

static void test_serial_full(void **state)
{
	struct kbtf_bt_boot b;
	const struct kbtf_bt_obs *o;

	assert_int_equal(kbtf_bt_parse_serial(serial_rt, strlen(serial_rt), &b), 0);
	assert_int_equal(b.status, KBTF_BT_BOOT_OK);
	assert_string_equal(b.release, "6.12.113+deb12-rt-amd64");
	assert_true(b.init_uptime > 2.48 && b.init_uptime < 2.50);
	assert_int_equal(b.nr_obs, 3);

	o = kbtf_bt_boot_find(&b, "videodev");
	assert_non_null(o);
	assert_true(o->is_dep && o->result && o->rc == 0 && o->btf == 1);

	o = kbtf_bt_boot_find(&b, "kbtf_demo");
	assert_non_null(o);
	assert_false(o->is_dep);
	assert_true(o->started && o->result);
	assert_int_equal(o->rc, 0);
	assert_int_equal(o->btf, 0);
	assert_int_equal(o->nr_log, 3);
	assert_string_equal(o->log[1], "[    2.52] distilled base BTF type 'spinlock' [4] is not "
				       "mapped to base BTF id");

	o = kbtf_bt_boot_find(&b, "other");
	assert_non_null(o);
	assert_int_equal(o->rc, -1);
	assert_int_equal(o->err, EINVAL);
	assert_string_equal(o->errname, "EINVAL");
	kbtf_bt_boot_fini(&b);
}

static void test_serial_cut_and_panic(void **state)
{
	static const char cut[] = "KBTF-BOOT release=6.1.0-56-amd64 uptime=1.9\n"
				  "KBTF-BEGIN name=hang kind=test\n"
				  "[    3.1] Kernel panic - not syncing: Fatal exception\n";
	static const char none[] = "[    0.0] Linux version 6.1.0\n[    1.0] Kernel panic - "
				   "not syncing: VFS: Unable to mount root fs\n";
	struct kbtf_bt_boot b;
	const struct kbtf_bt_obs *o;

	assert_int_equal(kbtf_bt_parse_serial(cut, strlen(cut), &b), 0);
	assert_int_equal(b.status, KBTF_BT_BOOT_CUT);
	assert_non_null(b.panic);
	o = kbtf_bt_boot_find(&b, "hang");
	assert_non_null(o);
	assert_true(o->started);
	assert_false(o->result);
	assert_int_equal(o->btf, -1);
	kbtf_bt_boot_fini(&b);

	assert_int_equal(kbtf_bt_parse_serial(none, strlen(none), &b), 0);
	assert_int_equal(b.status, KBTF_BT_BOOT_NO_INIT);
	assert_non_null(strstr(b.panic, "VFS"));
	kbtf_bt_boot_fini(&b);

	assert_int_equal(kbtf_bt_parse_serial("", 0, &b), 0);
	assert_int_equal(b.status, KBTF_BT_BOOT_NO_INIT);
	kbtf_bt_boot_fini(&b);
}

/* ---------------------------------------------------------------- expect */

static const char magic_amd64[] = "6.12.113+deb12-amd64 SMP preempt mod_unload modversions ";
static const char magic_117[] = "6.12.117+deb12-amd64 SMP preempt mod_unload modversions ";
static const char magic_rt[] = "6.12.113+deb12-rt-amd64 SMP preempt_rt mod_unload modversions ";

static struct kbtf_bt_facts facts(bool force, const char *kmagic)
{
	struct kbtf_bt_facts f = {
	    .force = force,
	    .module_has_btf = true,
	    .module_has_crcs = true,
	    .module_vermagic = magic_amd64,
	    .kernel_vermagic = kmagic,
	    .kernel_modversions = KBTF_BT_YES,
	    .kernel_btf_modules = KBTF_BT_YES,
	    .allow_btf_mismatch = KBTF_BT_YES,
	    .layout_crc_match = KBTF_BT_YES,
	};
	return f;
}

static struct kbtf_bt_prediction pred(enum kbtf_bt_verdict v, enum kbtf_bt_tri btf,
				      const char *needle)
{
	struct kbtf_bt_prediction p = {.verdict = v, .btf_accepted = btf};

	snprintf(p.needle, sizeof(p.needle), "%s", needle);
	return p;
}

static void test_expect_ok_and_rejected(void **state)
{
	struct kbtf_bt_prediction ok = pred(KBTF_BT_V_OK, KBTF_BT_YES, "");
	struct kbtf_bt_prediction rej = pred(KBTF_BT_V_BTF_REJECTED, KBTF_BT_NO, "'spinlock'");
	struct kbtf_bt_facts f = facts(true, magic_rt);
	struct kbtf_bt_expect e;

	kbtf_bt_expect(&ok, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_YES);
	assert_int_equal(e.btf, KBTF_BT_YES);
	assert_string_equal(e.needle, "");

	kbtf_bt_expect(&rej, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_YES);
	assert_int_equal(e.btf, KBTF_BT_NO);
	assert_string_equal(e.needle, "'spinlock'");

	f.allow_btf_mismatch = KBTF_BT_NO;
	kbtf_bt_expect(&rej, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_NO);

	/* a module without .BTF registers nothing whatever the verdict */
	f = facts(true, magic_amd64);
	f.module_has_btf = false;
	kbtf_bt_expect(&ok, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_YES);
	assert_int_equal(e.btf, KBTF_BT_NO);
}

static void test_expect_vermagic(void **state)
{
	struct kbtf_bt_prediction ok = pred(KBTF_BT_V_OK, KBTF_BT_YES, "");
	struct kbtf_bt_facts f = facts(false, magic_rt);
	struct kbtf_bt_expect e;

	/* preempt vs preempt_rt: refused unless forced */
	kbtf_bt_expect(&ok, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_NO);
	assert_int_equal(e.err, ENOEXEC);
	assert_string_equal(e.needle, "version magic");

	/* with CRCs the kernel ignores the release word (same_magic) */
	f = facts(false, magic_117);
	kbtf_bt_expect(&ok, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_YES);
	f.module_has_crcs = false;
	kbtf_bt_expect(&ok, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_NO);

	/* struct module's layout is checked even before vermagic */
	f = facts(false, magic_amd64);
	f.layout_crc_match = KBTF_BT_NO;
	kbtf_bt_expect(&ok, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_NO);
	assert_int_equal(e.err, ENOEXEC);
	assert_string_equal(e.needle, "disagrees about version of symbol module_layout");
	f.force = true;
	kbtf_bt_expect(&ok, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_YES);

	/* kernel vermagic unknown: the load may go either way */
	f = facts(false, NULL);
	kbtf_bt_expect(&ok, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_ANY);
	assert_int_equal(e.btf, KBTF_BT_YES);
}

static void test_expect_symbols(void **state)
{
	struct kbtf_bt_prediction miss = pred(KBTF_BT_V_SYMBOLS, KBTF_BT_ANY, "");
	struct kbtf_bt_prediction crc = pred(KBTF_BT_V_SYMBOLS, KBTF_BT_NO, "'spinlock'");
	struct kbtf_bt_facts f = facts(true, magic_amd64);
	struct kbtf_bt_expect e;

	miss.symbols_missing = true;
	miss.refuse_err = ENOENT;
	snprintf(miss.sym_needle, sizeof(miss.sym_needle), "Unknown symbol __mutex_init");
	kbtf_bt_expect(&miss, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_NO);
	assert_int_equal(e.err, ENOENT);
	assert_string_equal(e.needle, "Unknown symbol __mutex_init");

	/* no export list: a refusal agrees, a load must still show the BTF facts */
	crc = pred(KBTF_BT_V_OK, KBTF_BT_YES, "");
	crc.symbols_unchecked = true;
	kbtf_bt_expect(&crc, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_ANY);
	assert_int_equal(e.btf, KBTF_BT_YES);
	crc = pred(KBTF_BT_V_SYMBOLS, KBTF_BT_NO, "'spinlock'");

	crc.crc_mismatch = true;
	kbtf_bt_expect(&crc, &f, &e); /* forced: the CRCs are not looked at, BTF decides */
	assert_int_equal(e.loads, KBTF_BT_YES);
	assert_int_equal(e.btf, KBTF_BT_NO);
	f.force = false;
	kbtf_bt_expect(&crc, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_NO);
	assert_int_equal(e.err, EINVAL);

	/* no prediction, no expectation */
	miss = pred(KBTF_BT_V_UNKNOWN, KBTF_BT_ANY, "");
	kbtf_bt_expect(&miss, &f, &e);
	assert_int_equal(e.loads, KBTF_BT_ANY);
	assert_int_equal(e.btf, KBTF_BT_ANY);
}

/* ------------------------------------------------------------ prediction */

/* Results as kbtf_validate_pair fills them, written out by hand. */
static void test_prediction_from_result(void **state)
{
	struct kbtf_problem btf = {
	    .kind = KBTF_PROBLEM_BTF,
	    .name = "spinlock",
	    .reason = "size-mismatch",
	    .kernel_first = true,
	};
	struct kbtf_problem syms[3] = {
	    {.kind = KBTF_PROBLEM_SYMBOL, .name = "_printk", .reason = "crc-mismatch"},
	    {.kind = KBTF_PROBLEM_SYMBOL, .name = "__mutex_init", .reason = "unresolved"},
	    /* boot-test checks struct module itself, before vermagic */
	    {.kind = KBTF_PROBLEM_SYMBOL, .name = "module_layout", .reason = "unresolved"},
	};
	struct kbtf_warning drift = {.kind = "layout-drift", .name = "sk_buff"};
	struct kbtf_result r = {
	    .verdict = KBTF_VERDICT_BTF_REJECTED,
	    .load = KBTF_LOAD_NO_BTF,
	    .summary = "BTF rejected",
	    .problems = &btf,
	    .nr_problems = 1,
	    .kernel_log = "distilled base BTF type 'spinlock' [4] is not mapped to base BTF id\n"
			  "Kernel module BTF mismatch detected, BTF debug info may be unavailable "
			  "for some modules",
	};
	struct kbtf_bt_prediction p;

	/* the BTF step ran: its lines are the log's (btf_log) */
	r.btf_log = r.kernel_log;

	kbtf_bt_prediction_from_result(&r, &p);
	assert_int_equal(p.verdict, KBTF_BT_V_BTF_REJECTED);
	assert_string_equal(p.verdict_str, "btf-rejected");
	assert_int_equal(p.btf_accepted, KBTF_BT_NO);
	assert_string_equal(p.needle, "'spinlock'");
	assert_false(p.symbols_missing || p.crc_mismatch);

	/* 6.1: meta checks fail; the kernel says so in its own words */
	btf.name = ".BTF";
	btf.reason = "meta-check";
	r.verdict = KBTF_VERDICT_NO_DISTILLED;
	r.kernel_log = "failed to validate module [kbtf_demo] BTF: -22";
	r.btf_log = r.kernel_log;
	kbtf_bt_prediction_from_result(&r, &p);
	assert_int_equal(p.verdict, KBTF_BT_V_NO_DISTILLED);
	assert_string_equal(p.needle, "failed to validate module [kbtf_demo]");

	/* symbols: the BTF outcome comes from the BTF problems, not r.load;
	 * the normal load's log stops at module_layout, a forced load still
	 * meets the BTF step's line (btf_log) */
	r.verdict = KBTF_VERDICT_SYMBOLS;
	r.load = KBTF_LOAD_REFUSED;
	r.kernel_log = "kbtf_demo: disagrees about version of symbol module_layout";
	kbtf_bt_prediction_from_result(&r, &p);
	assert_string_equal(p.needle, "failed to validate module [kbtf_demo]");
	r.problems = syms;
	r.nr_problems = 2;
	kbtf_bt_prediction_from_result(&r, &p);
	assert_int_equal(p.btf_accepted, KBTF_BT_YES);
	assert_true(p.crc_mismatch);
	assert_true(p.symbols_missing);
	assert_int_equal(p.refuse_err, ENOENT);
	assert_string_equal(p.sym_needle, "Unknown symbol __mutex_init");
	r.problems = &syms[2];
	r.nr_problems = 1;
	kbtf_bt_prediction_from_result(&r, &p);
	assert_false(p.symbols_missing || p.crc_mismatch);

	/* a member the module's code reads moved (judge_access.c): no kernel
	 * checks that, so the BTF is still accepted on a forced load */
	btf.name = "net_device";
	btf.reason = "member-moved";
	r.problems = &btf;
	r.nr_problems = 1;
	kbtf_bt_prediction_from_result(&r, &p);
	assert_int_equal(p.btf_accepted, KBTF_BT_YES);

	/* ok with a by-value layout change */
	r.verdict = KBTF_VERDICT_OK;
	r.load = KBTF_LOAD_OK;
	r.nr_problems = 0;
	r.warnings = &drift;
	r.nr_warnings = 1;
	kbtf_bt_prediction_from_result(&r, &p);
	assert_int_equal(p.verdict, KBTF_BT_V_LAYOUT_DRIFT);
	assert_int_equal(p.btf_accepted, KBTF_BT_YES);
	assert_string_equal(p.needle, "");

	r.verdict = KBTF_VERDICT_ERROR;
	kbtf_bt_prediction_from_result(&r, &p);
	assert_int_equal(p.verdict, KBTF_BT_V_UNKNOWN);
}

/* --------------------------------------------------------------- compare */

static void test_compare(void **state)
{
	struct kbtf_bt_prediction rej = pred(KBTF_BT_V_BTF_REJECTED, KBTF_BT_NO, "'spinlock'");
	struct kbtf_bt_facts f = facts(true, magic_rt);
	char *log_ok[] = {"distilled base BTF type 'spinlock' [4] is not mapped to base BTF id"};
	char *log_other[] = {"BPF: [112389] Invalid name_offset:2043233"};
	struct kbtf_bt_obs o = {
	    .name = "kbtf_demo",
	    .started = true,
	    .result = true,
	    .rc = 0,
	    .btf = 0,
	    .log = log_ok,
	    .nr_log = 1,
	};
	struct kbtf_bt_expect e;
	char why[256];

	kbtf_bt_expect(&rej, &f, &e);
	assert_int_equal(kbtf_bt_compare(&e, &o, true, why, sizeof(why)), KBTF_BT_AGREE);

	o.log = log_other; /* rejected, but not for the reason predicted */
	assert_int_equal(kbtf_bt_compare(&e, &o, true, why, sizeof(why)), KBTF_BT_DISAGREE);
	assert_non_null(strstr(why, "spinlock"));

	o.log = log_ok;
	o.btf = 1; /* registered after all */
	assert_int_equal(kbtf_bt_compare(&e, &o, true, why, sizeof(why)), KBTF_BT_DISAGREE);

	o.btf = 0;
	o.rc = -1;
	o.err = EINVAL;
	assert_int_equal(kbtf_bt_compare(&e, &o, true, why, sizeof(why)), KBTF_BT_DISAGREE);

	o.result = false; /* hung in the load */
	assert_int_equal(kbtf_bt_compare(&e, &o, true, why, sizeof(why)), KBTF_BT_DISAGREE);
	assert_int_equal(kbtf_bt_compare(&e, NULL, true, why, sizeof(why)), KBTF_BT_INCONCLUSIVE);
	assert_int_equal(kbtf_bt_compare(&e, &o, false, why, sizeof(why)), KBTF_BT_INCONCLUSIVE);
}

/*
 * A normal load's log line for line: the second module of a boot does not
 * repeat the once-per-boot taint and signature lines; a refused load
 * prints exactly the predicted lines; a loaded one may add its own.
 */
static void test_compare_lines(void **state)
{
	static const char taints[] = "a: loading out-of-tree module taints kernel.\n"
				     "a: module verification failed: signature and/or required "
				     "key missing - tainting kernel";
	struct kbtf_bt_prediction ok = pred(KBTF_BT_V_OK, KBTF_BT_YES, "");
	struct kbtf_bt_prediction unk = pred(KBTF_BT_V_SYMBOLS, KBTF_BT_YES, "");
	struct kbtf_bt_facts f = facts(false, magic_amd64);
	char *log_a[] = {"[    2.53] a: loading out-of-tree module taints kernel.",
			 ("[    2.54] a: module verification failed: signature and/or required key "
			  "missing - tainting kernel"),
			 "[    2.56] a: hello from init"};
	char *log_b[] = {"[    2.60] b: Unknown symbol foo (err -2)"};
	char *log_b_twice[] = {"[    2.60] b: loading out-of-tree module taints kernel.",
			       "[    2.60] b: Unknown symbol foo (err -2)"};
	struct kbtf_bt_obs a = {
	    .name = "a", .started = true, .result = true, .btf = 1, .log = log_a, .nr_log = 3};
	struct kbtf_bt_obs b = {.name = "b",
				.started = true,
				.result = true,
				.rc = -1,
				.err = ENOENT,
				.btf = 0,
				.log = log_b,
				.nr_log = 1};
	struct kbtf_bt_expect ea, eb;
	unsigned int printed = 0;
	char why[256];

	ok.log_known = unk.log_known = true;
	snprintf(ok.log, sizeof(ok.log), "%s", taints);
	snprintf(unk.log, sizeof(unk.log), "%s\nb: Unknown symbol foo (err -2)",
		 "b: loading out-of-tree module taints kernel.\n"
		 "b: module verification failed: signature and/or required key missing - "
		 "tainting kernel");
	unk.symbols_missing = true;
	unk.refuse_err = ENOENT;
	snprintf(unk.sym_needle, sizeof(unk.sym_needle), "Unknown symbol foo");

	kbtf_bt_expect(&ok, &f, &ea);
	kbtf_bt_expect_in_boot(&ea, &printed);
	kbtf_bt_expect(&unk, &f, &eb);
	kbtf_bt_expect_in_boot(&eb, &printed);
	assert_true(ea.exact && eb.exact);
	assert_string_equal(eb.log, "b: Unknown symbol foo (err -2)");
	assert_int_equal(kbtf_bt_compare(&ea, &a, true, why, sizeof(why)), KBTF_BT_AGREE);
	assert_int_equal(kbtf_bt_compare(&eb, &b, true, why, sizeof(why)), KBTF_BT_AGREE);

	/* a taint line the kernel would print only once is a disagreement */
	b.log = log_b_twice;
	b.nr_log = 2;
	assert_int_equal(kbtf_bt_compare(&eb, &b, true, why, sizeof(why)), KBTF_BT_DISAGREE);
	assert_non_null(strstr(why, "line 1"));

	/* a predicted line the kernel did not print */
	a.nr_log = 1;
	assert_int_equal(kbtf_bt_compare(&ea, &a, true, why, sizeof(why)), KBTF_BT_DISAGREE);
	assert_non_null(strstr(why, "did not print"));

	/* a signed module: its signature notice is compared on neither side */
	f.module_signed = true;
	kbtf_bt_expect(&ok, &f, &ea);
	assert_int_equal(kbtf_bt_compare(&ea, &a, true, why, sizeof(why)), KBTF_BT_AGREE);

	/* forced: not line for line */
	f = facts(true, magic_amd64);
	kbtf_bt_expect(&ok, &f, &ea);
	assert_false(ea.exact);
}

/* ------------------------------------------------------------------ qemu */

/* A stand-in for qemu: a shell script that prints and then lingers. */
static char *fake_qemu(const char *dir, const char *body)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/fake-qemu", dir) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

static void test_qemu_deadline(void **state)
{
	char *dir = tmpdir_new();
	char *q = fake_qemu(dir, "echo booting; echo KBTF-BOOT release=x uptime=1; exec sleep 60");
	struct kbtf_qemu_opts o = {
	    .qemu = q,
	    .kernel = "k",
	    .initrd = "i",
	    .timeout_s = 1,
	    .accel = KBTF_BT_ACCEL_TCG,
	    .done_marker = "KBTF-DONE",
	};
	struct kbtf_qemu_run r;

	assert_int_equal(kbtf_qemu_run(&o, &r), 0);
	assert_true(r.timed_out);
	assert_true(r.seconds >= 0.9 && r.seconds < 5);
	assert_int_equal(r.exit_code, -9);
	assert_non_null(strstr(r.serial, "KBTF-BOOT"));
	assert_string_equal(r.accel, "tcg");
	kbtf_qemu_run_fini(&r);
	free(q);

	/* exits on its own: no timeout, exit status kept */
	q = fake_qemu(dir, "echo KBTF-DONE; exit 0");
	o.qemu = q;
	o.timeout_s = 30;
	assert_int_equal(kbtf_qemu_run(&o, &r), 0);
	assert_false(r.timed_out);
	assert_int_equal(r.exit_code, 0);
	assert_true(r.seconds < 5);
	kbtf_qemu_run_fini(&r);
	free(q);

	/* a binary that is not there */
	o.qemu = "/nonexistent/qemu";
	assert_int_equal(kbtf_qemu_run(&o, &r), 0);
	assert_int_equal(r.exit_code, 127);
	kbtf_qemu_run_fini(&r);
	assert_int_equal(kbtf_rm_rf(dir), 0);
	free(dir);
}

/*
 * /proc/cpuinfo as x86 Linux prints it (one CPU; flags cut short). The
 * "vmx flags" line lists VMX features and is not the CPU's flags.
 */
#define CPUINFO_HEAD                                                                               \
	"processor\t: 0\n"                                                                         \
	"vendor_id\t: GenuineIntel\n"                                                              \
	"model name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n"                                           \
	"fpu\t\t: yes\n"

static void test_cpuinfo_virt(void **state)
{
	/* bare metal Intel: vmx, and the "vmx flags" line after it */
	assert_true(kbtf_bt_cpuinfo_has_virt(
	    CPUINFO_HEAD
	    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov "
	    "pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm "
	    "constant_tsc vmx smx est tm2 ssse3 fma cx16 xtpr pdcm sse4_1 sse4_2\n"
	    "vmx flags\t: vnmi preemption_timer invvpid ept_x_only ept_ad flexpriority\n"
	    "bugs\t\t: spectre_v1 spectre_v2\n\n"));
	/* AMD: svm, and the last word of the line */
	assert_true(kbtf_bt_cpuinfo_has_virt("processor\t: 0\nvendor_id\t: AuthenticAMD\n"
					     "flags\t\t: fpu vme de pse tsc lm lahf_lm svm\n"));
	/* a guest without nested virtualization: hypervisor, no vmx */
	assert_false(kbtf_bt_cpuinfo_has_virt(
	    CPUINFO_HEAD
	    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep hypervisor lahf_lm "
	    "abm 3dnowprefetch ssbd ibrs ibpb stibp fsgsbase bmi1 avx2 smep bmi2\n"
	    "bugs\t\t: spectre_v1 spectre_v2 spec_store_bypass\n\n"));
	/* words that only contain the flag, and the flag under another key */
	assert_false(kbtf_bt_cpuinfo_has_virt("flags\t\t: fpu svm_lock nrip_save avx_vnni\n"
					      "vmx flags\t: vmx vnmi\n"
					      "model name\t: svm vmx\n"));
	/* last line without a newline */
	assert_true(kbtf_bt_cpuinfo_has_virt("flags\t\t: fpu vmx"));
	assert_false(kbtf_bt_cpuinfo_has_virt(""));
	/* arm64 prints "Features", never "flags" */
	assert_false(kbtf_bt_cpuinfo_has_virt("processor\t: 0\nBogoMIPS\t: 48.00\n"
					      "Features\t: fp asimd evtstrm aes pmull sha1\n"));
}

static void test_kvm_failure(void **state)
{
	assert_null(kbtf_bt_kvm_failure("[    0.000000] Linux version 6.12.113+deb12-amd64\n"));
	assert_null(kbtf_bt_kvm_failure(""));
	assert_string_equal(kbtf_bt_kvm_failure("KVM internal error. Suberror: 1\n"
						"extra data[0]: 0x0000000000000000\n"
						"emulation failure\n"
						"RAX=0000000000000000 RBX=0000000000000000\n"),
			    "KVM internal error");
	assert_string_equal(
	    kbtf_bt_kvm_failure(
		"Could not access KVM kernel module: Permission denied\n"
		"qemu-system-x86_64: failed to initialize kvm: Permission denied\n"),
	    "qemu could not initialize KVM");
	assert_string_equal(kbtf_bt_kvm_failure("qemu-system-x86_64: -accel kvm: failed to "
						"initialize KVM: No such file or directory\n"),
			    "qemu could not initialize KVM");
}

/* ---------------------------------------------------------- static check */

static void test_check_static(void **state)
{
	/* the test binary itself is dynamically linked */
	assert_int_equal(kbtf_bt_check_static("/proc/self/exe", 0), -ENOEXEC);
	assert_int_equal(kbtf_bt_check_static("/etc/hostname", 0) < 0, 1);
	assert_int_equal(kbtf_bt_check_static("/nonexistent", 0) < 0, 1);
	if (access("/bin/busybox", R_OK))
		skip();
	assert_int_equal(kbtf_bt_check_static("/bin/busybox", 0), 0);
	/* the host's busybox is no tool for an arm64 guest */
	assert_int_equal(kbtf_bt_check_static("/bin/busybox", EM_AARCH64), -ENOEXEC);
	assert_non_null(strstr(kbtf_errstr(), "not an aarch64 ELF executable"));
	assert_int_equal(kbtf_bt_elf_machine("/bin/busybox"), EM_X86_64);
	assert_int_equal(kbtf_bt_elf_machine("/etc/hostname"), 0);
}

/* ---------------------------------------------------------- architectures */

static void test_arch_table(void **state)
{
	const struct kbtf_bt_arch *a = kbtf_bt_arch_find("aarch64");

	(void)state;
	assert_non_null(a);
	assert_ptr_equal(kbtf_bt_arch_find("arm64"), a);
	assert_string_equal(a->qemu, "qemu-system-aarch64");
	assert_string_equal(a->machine, "virt");
	assert_non_null(strstr(a->append, "console=ttyAMA0"));
	assert_int_equal(a->e_machine, EM_AARCH64);
	assert_ptr_equal(kbtf_bt_arch_find("amd64"), kbtf_bt_arch_default());
	assert_null(kbtf_bt_arch_find("riscv64"));
	assert_null(kbtf_bt_arch_find(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cpio_read_by_gnu_cpio),
	    cmocka_unit_test(test_arch_table),
	    cmocka_unit_test(test_init_script),
	    cmocka_unit_test(test_serial_full),
	    cmocka_unit_test(test_serial_cut_and_panic),
	    cmocka_unit_test(test_expect_ok_and_rejected),
	    cmocka_unit_test(test_expect_vermagic),
	    cmocka_unit_test(test_expect_symbols),
	    cmocka_unit_test(test_prediction_from_result),
	    cmocka_unit_test(test_compare),
	    cmocka_unit_test(test_compare_lines),
	    cmocka_unit_test(test_qemu_deadline),
	    cmocka_unit_test(test_cpuinfo_virt),
	    cmocka_unit_test(test_kvm_failure),
	    cmocka_unit_test(test_check_static),
	};

	return cmocka_run_group_tests_name("boottest", tests, NULL, NULL);
}
