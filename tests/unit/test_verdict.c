// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The verdict of one (module, kernel) pair. kbtf_verdict_combine() on
 * findings alone, with the expected values taken from the order of the
 * kernel's load_module(); then kbtf_validate_pair() on modules and kernels
 * built in memory: symbols before BTF, what a BTF failure means under each
 * MODULE_ALLOW_BTF_MISMATCH setting and the lines the kernel prints,
 * kernels before 6.11, plain split BTF, no BTF, layout drift by value
 * against a build kernel, and a pair that could not be read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kbtf/builder.h"
#include "kbtf/err.h"
#include "kbtf/validate.h"
#include "judge.h"
#include "prepared.h"

/* ------------------------------------------------------------ kernels */

/*
 * A vmlinux: 1 int, 2 struct spinlock (@lock_size), 3 struct list_head
 * (next/prev, or prev/next when @swapped), 4 struct task_struct (64),
 * 5 a pointer to list_head.
 */
/*
 * A neighbouring build of that vmlinux, for plain splits: one type more
 * at the end, unnamed (a pointer: same strings, one more type) or named
 * (struct x: 2 string bytes more).
 */
static enum { VML_SAME, VML_EXTRA_PTR, VML_EXTRA_NAMED } vml_extra;

static void vmlinux(struct kbtf_buf *out, uint32_t lock_size, bool swapped)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "spinlock", lock_size);
	kbtf_builder_add_member(b, "val", 1, 0, 0);
	kbtf_builder_add_struct(b, "list_head", 16);
	kbtf_builder_add_member(b, swapped ? "prev" : "next", 5, 0, 0);
	kbtf_builder_add_member(b, swapped ? "next" : "prev", 5, 64, 0);
	kbtf_builder_add_struct(b, "task_struct", 64);
	kbtf_builder_add_member(b, "pid", 1, 0, 0);
	kbtf_builder_add_ptr(b, 3);
	if (vml_extra == VML_EXTRA_PTR)
		kbtf_builder_add_ptr(b, 4);
	else if (vml_extra == VML_EXTRA_NAMED)
		kbtf_builder_add_struct(b, "x", 4);
	assert_int_equal(kbtf_builder_write(b, NULL, out), 0);
	kbtf_builder_free(b);
}

struct kern {
	struct kbtf_kernel k;
	struct kbtf_vkernel *vk;
	char symvers[64];
};

static void kern_open(struct kern *kk, const char *release, uint32_t lock_size, const char *config,
		      const char *symvers)
{
	memset(kk, 0, sizeof(*kk));
	vmlinux(&kk->k.btf_raw, lock_size, false);
	kk->k.source = (char *)"test-kernel";
	kk->k.arch = (char *)"x86_64"; /* as the test modules: the ELF machine is compared */
	kk->k.release = (char *)release;
	if (config) {
		kk->k.config = (char *)config;
		kk->k.config_len = strlen(config);
	}
	if (symvers) {
		int fd;

		snprintf(kk->symvers, sizeof(kk->symvers), "/tmp/kbtf-symvers-XXXXXX");
		fd = mkstemp(kk->symvers);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, symvers, strlen(symvers)), (ssize_t)strlen(symvers));
		close(fd);
		kk->k.symvers_path = kk->symvers;
	}
	if (kbtf_vkernel_from_kernel(&kk->k, NULL, &kk->vk))
		fail_msg("vkernel: %s", kbtf_errstr());
}

static void kern_close(struct kern *kk)
{
	kbtf_vkernel_free(kk->vk);
	kbtf_btf_free(kk->k.btf);
	kbtf_buf_release(&kk->k.btf_raw);
	if (kk->symvers[0])
		unlink(kk->symvers);
}

static const char cfg_allow[] = "CONFIG_DEBUG_INFO_BTF_MODULES=y\nCONFIG_MODVERSIONS=y\n"
				"CONFIG_MODULE_ALLOW_BTF_MISMATCH=y\nCONFIG_MODULE_FORCE_LOAD=y\n";
static const char cfg_strict[] = "CONFIG_DEBUG_INFO_BTF_MODULES=y\nCONFIG_MODVERSIONS=y\n"
				 "# CONFIG_MODULE_ALLOW_BTF_MISMATCH is not set\n";
static const char exports[] = "0x0000abcd\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n"
			      "0x00001234\tkmalloc\tvmlinux\tEXPORT_SYMBOL\t\n";

/* ------------------------------------------------------------ modules */

struct mod {
	struct kbtf_module m;
	struct kbtf_buf base, split;
	struct kbtf_btf *dist;
	struct kbtf_modsym undef[2];
	struct kbtf_modinfo info[2];
	struct kbtf_vmod *vm;
};

/*
 * The module's distilled base: 1 int, 2 spinlock(4), 3 list_head(16),
 * 4 task_struct(64); its split: struct mod_state { spinlock lock;
 * list_head l; task_struct *t; }.
 */
static void distilled(struct mod *md)
{
	struct kbtf_parse_opts o = {.name = "base"};
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	int ptr;

	kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	kbtf_builder_add_struct(b, "spinlock", 4);
	kbtf_builder_add_struct(b, "list_head", 16);
	kbtf_builder_add_struct(b, "task_struct", 64);
	assert_int_equal(kbtf_builder_write(b, NULL, &md->base), 0);
	kbtf_builder_free(b);
	assert_int_equal(kbtf_btf_parse(md->base.data, md->base.size, &o, &md->dist), 0);
	b = kbtf_builder_new(md->dist);
	ptr = kbtf_builder_add_ptr(b, 4);
	kbtf_builder_add_struct(b, "mod_state", 32);
	kbtf_builder_add_member(b, "lock", 2, 0, 0);
	kbtf_builder_add_member(b, "l", 3, 64, 0);
	kbtf_builder_add_member(b, "t", (uint32_t)ptr, 192, 0);
	assert_int_equal(kbtf_builder_write(b, NULL, &md->split), 0);
	kbtf_builder_free(b);
}

/*
 * A plain split on the test vmlinux (as pahole writes for one kernel):
 * struct mod_state { spinlock lock; }, and int mod_init(void), whose FUNC
 * refers to its FUNC_PROTO, a type of the split.
 */
static void plain(struct mod *md)
{
	struct kbtf_buf raw;
	struct kbtf_btf *vml;
	struct kbtf_builder *b;
	int proto;

	vmlinux(&raw, 4, false);
	assert_int_equal(kbtf_btf_parse(raw.data, raw.size, NULL, &vml), 0);
	b = kbtf_builder_new(vml);
	kbtf_builder_add_struct(b, "mod_state", 32);
	kbtf_builder_add_member(b, "lock", 2, 0, 0);
	proto = kbtf_builder_add_func_proto(b, 1);
	kbtf_builder_add_func(b, "mod_init", BTF_FUNC_STATIC, (uint32_t)proto);
	assert_int_equal(kbtf_builder_write(b, NULL, &md->split), 0);
	kbtf_builder_free(b);
	kbtf_btf_free(vml);
	kbtf_buf_release(&raw);
}

enum form { DISTILLED, PLAIN, NO_BTF };

static void mod_open(struct mod *md, enum form form, const char *release, uint32_t printk_crc)
{
	static char vermagic[128];

	memset(md, 0, sizeof(*md));
	if (form == DISTILLED)
		distilled(md);
	else if (form == PLAIN)
		plain(md);
	md->m.path = (char *)"/src/mod.ko";
	md->m.name = (char *)"mod";
	md->m.arch = (char *)"x86_64"; /* as the test kernels */
	snprintf(vermagic, sizeof(vermagic), "%s SMP preempt mod_unload modversions ", release);
	md->m.vermagic = vermagic;
	if (form != NO_BTF) {
		md->m.btf_data = md->split.data;
		md->m.btf_size = md->split.size;
	}
	if (form == DISTILLED) {
		md->m.btf_base_data = md->base.data;
		md->m.btf_base_size = md->base.size;
	}
	md->undef[0] = (struct kbtf_modsym){(char *)"_printk", printk_crc, true};
	md->undef[1] = (struct kbtf_modsym){(char *)"kmalloc", 0x1234, true};
	md->m.undef = md->undef;
	md->m.nr_undef = 2;
	/* an in-tree GPL module: no taint lines before the symbol step's */
	md->info[0] = (struct kbtf_modinfo){"license", "GPL"};
	md->info[1] = (struct kbtf_modinfo){"intree", "Y"};
	md->m.modinfo = md->info;
	md->m.nr_modinfo = 2;
	if (kbtf_vmod_from_module(&md->m, &md->vm))
		fail_msg("vmod: %s", kbtf_errstr());
}

static void mod_close(struct mod *md)
{
	kbtf_vmod_free(md->vm);
	kbtf_btf_free(md->dist);
	kbtf_buf_release(&md->base);
	kbtf_buf_release(&md->split);
}

/* ------------------------------------------------------------ helpers */

static void judge(struct mod *md, struct kern *kk, const struct kbtf_validate_opts *o,
		  struct kbtf_result *r)
{
	if (kbtf_validate_pair(md->vm, kk->vk, o, r))
		fail_msg("validate: %s", kbtf_errstr());
}

static const struct kbtf_problem *problem(const struct kbtf_result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nr_problems; i++)
		if (!strcmp(r->problems[i].name, name))
			return &r->problems[i];
	return NULL;
}

static const struct kbtf_warning *warning(const struct kbtf_result *r, const char *kind)
{
	size_t i;

	for (i = 0; i < r->nr_warnings; i++)
		if (!strcmp(r->warnings[i].kind, kind))
			return &r->warnings[i];
	return NULL;
}

static void expect_log(const struct kbtf_result *r, const char *needle)
{
	if (!strstr(r->kernel_log, needle))
		fail_msg("kernel log lacks \"%s\":\n%s", needle, r->kernel_log);
}

/* ------------------------------------------------------------ combine */

/*
 * Findings without the pair they came from. The expected outcomes come
 * from load_module(): early_mod_check() runs check_modstruct_version()
 * and check_modinfo(), then simplify_symbols() resolves symbols, and only
 * the formed module reaches btf_module_notify(), where a failed
 * btf_parse_module() refuses the load unless MODULE_ALLOW_BTF_MISMATCH=y.
 */
static void expect_outcome(const struct kbtf_findings *f, int allow, enum kbtf_verdict v,
			   enum kbtf_load load, enum kbtf_step step)
{
	struct kbtf_outcome o = kbtf_verdict_combine(f, allow);

	assert_int_equal(o.verdict, v);
	assert_int_equal(o.load, load);
	assert_int_equal(o.step, step);
}

/* The kernel refuses the symbols before it ever parses the BTF. */
static void test_combine_symbols_before_btf(void **state)
{
	struct kbtf_findings f = {0};

	f.sym.unresolved = true;
	f.btf.verdict = KBTF_VERDICT_BTF_REJECTED;
	f.btf.fate = KBTF_BTF_FAILS;
	expect_outcome(&f, 1, KBTF_VERDICT_SYMBOLS, KBTF_LOAD_REFUSED, KBTF_STEP_SYMBOLS);
	expect_outcome(&f, -1, KBTF_VERDICT_SYMBOLS, KBTF_LOAD_REFUSED, KBTF_STEP_SYMBOLS);
	/* a misread that would load does not either: the load stops earlier */
	f.btf.verdict = KBTF_VERDICT_NO_DISTILLED;
	f.btf.fate = KBTF_BTF_MISREAD;
	expect_outcome(&f, 1, KBTF_VERDICT_SYMBOLS, KBTF_LOAD_REFUSED, KBTF_STEP_SYMBOLS);
}

/* early_mod_check(): struct module's CRC, then vermagic, then the symbols. */
static void test_combine_early_checks(void **state)
{
	struct kbtf_findings f = {0};

	f.sym.layout_mismatch = f.sym.vermagic_mismatch = f.sym.unresolved = true;
	expect_outcome(&f, 1, KBTF_VERDICT_SYMBOLS, KBTF_LOAD_REFUSED, KBTF_STEP_MODSTRUCT);
	f.sym.layout_mismatch = false;
	expect_outcome(&f, 1, KBTF_VERDICT_SYMBOLS, KBTF_LOAD_REFUSED, KBTF_STEP_MODINFO);
	f.sym.unresolved = false;
	expect_outcome(&f, 1, KBTF_VERDICT_SYMBOLS, KBTF_LOAD_REFUSED, KBTF_STEP_MODINFO);
}

/* btf_module_notify() after a failed parse: the config decides. */
static void test_combine_btf_rejected(void **state)
{
	struct kbtf_findings f = {0};

	f.btf.verdict = KBTF_VERDICT_BTF_REJECTED;
	f.btf.fate = KBTF_BTF_FAILS;
	expect_outcome(&f, 1, KBTF_VERDICT_BTF_REJECTED, KBTF_LOAD_NO_BTF, KBTF_STEP_BTF);
	expect_outcome(&f, 0, KBTF_VERDICT_BTF_REJECTED, KBTF_LOAD_REFUSED, KBTF_STEP_BTF);
	expect_outcome(&f, -1, KBTF_VERDICT_BTF_REJECTED, KBTF_LOAD_NO_BTF_OR_REFUSED,
		       KBTF_STEP_BTF);
	/* plain split of another vmlinux whose checks pass: nothing fails */
	f.btf.fate = KBTF_BTF_MISREAD;
	expect_outcome(&f, 0, KBTF_VERDICT_BTF_REJECTED, KBTF_LOAD_WRONG_BTF, KBTF_STEP_BTF);
}

/*
 * A module with .BTF.base on a kernel before 6.11: .BTF is parsed on the
 * kernel's own vmlinux. Rejected, the config decides as for any failed
 * parse; passed, the kernel registers the misread BTF whatever its config.
 */
static void test_combine_pre_611(void **state)
{
	struct kbtf_findings f = {0};

	f.btf.verdict = KBTF_VERDICT_NO_DISTILLED;
	f.btf.fate = KBTF_BTF_FAILS;
	expect_outcome(&f, 1, KBTF_VERDICT_NO_DISTILLED, KBTF_LOAD_NO_BTF, KBTF_STEP_BTF);
	expect_outcome(&f, 0, KBTF_VERDICT_NO_DISTILLED, KBTF_LOAD_REFUSED, KBTF_STEP_BTF);
	f.btf.fate = KBTF_BTF_MISREAD;
	expect_outcome(&f, 0, KBTF_VERDICT_NO_DISTILLED, KBTF_LOAD_WRONG_BTF, KBTF_STEP_BTF);
	expect_outcome(&f, 1, KBTF_VERDICT_NO_DISTILLED, KBTF_LOAD_WRONG_BTF, KBTF_STEP_BTF);
}

/* Nothing found loads; an unreadable input leaves nothing to simulate. */
static void test_combine_ok_and_unreadable(void **state)
{
	struct kbtf_findings f = {0};

	expect_outcome(&f, -1, KBTF_VERDICT_OK, KBTF_LOAD_OK, KBTF_STEP_BTF);
	f.sym.layout_mismatch = true;
	f.btf.verdict = KBTF_VERDICT_BTF_REJECTED;
	f.btf.fate = KBTF_BTF_FAILS;
	f.unreadable = "cannot open";
	expect_outcome(&f, 1, KBTF_VERDICT_ERROR, KBTF_LOAD_UNKNOWN, KBTF_STEP_READ);
}

/* ------------------------------------------------------------ pairs */

static void test_ok(void **state)
{
	const struct kbtf_warning *w;
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	kern_open(&kk, "6.12.113+deb12-amd64", 4, cfg_allow, exports);
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_OK);
	assert_int_equal(r.load, KBTF_LOAD_OK);
	assert_int_equal(r.nr_problems, 0);
	assert_int_equal(r.reloc_err, 0);
	assert_string_equal(r.kernel_log, "");
	assert_string_equal(r.btf_form, "distilled");
	assert_false(r.unchecked & KBTF_UNCHECKED_SYMBOLS);
	assert_non_null(r.symbols_from);
	assert_true(r.unchecked & KBTF_UNCHECKED_LAYOUT); /* no layout record */
	assert_non_null(warning(&r, "drift-not-checked"));
	assert_null(warning(&r, "symbols-not-checked"));
	assert_null(warning(&r, "layout-record-broken"));
	kbtf_result_fini(&r);

	/* a layout record that cannot be read says so, not "no layout record" */
	md.vm->layout_error = strdup(".kbtf.layout: bad BTF magic 0x6f6e at offset 0");
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_OK);
	w = warning(&r, "layout-record-broken");
	assert_non_null(w);
	assert_int_equal(w->severity, KBTF_SEV_WARNING);
	assert_non_null(strstr(w->message, "/src/mod.ko"));
	assert_non_null(strstr(w->message, "bad BTF magic"));
	w = warning(&r, "drift-not-checked");
	assert_non_null(w);
	assert_non_null(strstr(w->message, "broken"));
	assert_null(strstr(w->message, "has no layout record"));
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

static void rt_pair(const char *config, enum kbtf_load load, const char *log, int allow)
{
	const struct kbtf_problem *p;
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	kern_open(&kk, "6.12.113+deb12-rt-amd64", 32, config, exports);
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_BTF_REJECTED);
	assert_int_equal(r.load, load);
	assert_int_equal(r.allow_btf_mismatch, allow);
	p = problem(&r, "spinlock");
	assert_non_null(p);
	assert_string_equal(p->reason, "size-mismatch");
	assert_true(p->kernel_first);
	assert_non_null(strstr(p->expected, "4 bytes, embedded by value in struct mod_state"));
	assert_non_null(strstr(p->actual, "32 bytes"));
	expect_log(&r, "distilled base BTF type 'spinlock' [2] is not mapped to base BTF id");
	if (log)
		expect_log(&r, log);
	assert_int_equal(r.reloc_err, -EINVAL);
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

static void test_rejected_allow(void **state)
{
	rt_pair(cfg_allow, KBTF_LOAD_NO_BTF,
		"Kernel module BTF mismatch detected, BTF debug info may be unavailable", 1);
}

static void test_rejected_strict(void **state)
{
	rt_pair(cfg_strict, KBTF_LOAD_REFUSED, "failed to validate module [mod] BTF: -22", 0);
}

static void test_rejected_config_unknown(void **state)
{
	rt_pair(NULL, KBTF_LOAD_NO_BTF_OR_REFUSED, NULL, -1);
}

static void test_pre_611(void **state)
{
	const struct kbtf_problem *p;
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	kern_open(&kk, "6.1.0-56-amd64", 4, cfg_allow, exports);
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_NO_DISTILLED);
	p = problem(&r, ".BTF.base");
	assert_non_null(p);
	assert_string_equal(p->reason, "no-distilled-support");
	assert_non_null(strstr(p->actual, "older than 6.11"));
	/* relocation is still simulated for the record */
	assert_int_equal(r.reloc_err, 0);
	assert_true(r.load == KBTF_LOAD_NO_BTF || r.load == KBTF_LOAD_WRONG_BTF);
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

static void test_symbols_beat_btf(void **state)
{
	static const char few[] = "0x0000ffff\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n";
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	kern_open(&kk, "6.12.113+deb12-rt-amd64", 32, cfg_allow, few);
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_SYMBOLS);
	assert_int_equal(r.load, KBTF_LOAD_REFUSED);
	assert_string_equal(problem(&r, "_printk")->reason, "crc-mismatch");
	assert_string_equal(problem(&r, "kmalloc")->reason, "unresolved");
	assert_string_equal(problem(&r, "spinlock")->reason, "size-mismatch");
	assert_int_equal(kbtf_result_count(&r, KBTF_PROBLEM_SYMBOL), 2);
	assert_int_equal(kbtf_result_count(&r, KBTF_PROBLEM_BTF), 1);
	expect_log(&r, "mod: disagrees about version of symbol _printk");
	expect_log(&r, "mod: Unknown symbol kmalloc (err -2)");
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

/* A kABI stablelist as kernel-abi-stablelists ships it, in a temp file. */
static void kabi_list(struct kern *kk, char *path, const char *text)
{
	int fd;

	strcpy(path, "/tmp/kbtf-kabi-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	kk->k.kabi_path = path;
}

/*
 * kABI facts (judge_kabi.c): the imports outside the stablelist; and
 * weak-modules on a newer kernel of the same major release links the
 * module when every CRC is equal, not otherwise. No verdict changes.
 */
static void test_kabi_facts(void **state)
{
	static const char list[] = "[rhel10_x86_64_stablelist]\n\t_printk\n\tvfree\n";
	static const char other[] = "0x0000ffff\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n"
				    "0x00001234\tkmalloc\tvmlinux\tEXPORT_SYMBOL\t\n";
	char path[32];
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	/* a newer kernel of 6.12 with the module's CRCs: linked */
	kern_open(&kk, "6.12.0-124.el10.x86_64", 4, cfg_allow, exports);
	kabi_list(&kk, path, list);
	mod_open(&md, DISTILLED, "6.12.0-55.el10.x86_64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_non_null(r.kabi);
	assert_non_null(strstr(r.kabi, "kABI: 1 of 2 imports outside the stablelist"));
	assert_non_null(strstr(r.kabi, "minor update: kmalloc;"));
	assert_non_null(strstr(r.kabi, "weak-modules: would link it from 6.12.0-55.el10.x86_64 "
				       "into weak-updates/ (all 2 CRCs equal)"));
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
	unlink(path);

	/* one CRC differs: not linked, and the symbol is named */
	kern_open(&kk, "6.12.0-124.el10.x86_64", 4, cfg_allow, other);
	kabi_list(&kk, path, list);
	mod_open(&md, DISTILLED, "6.12.0-55.el10.x86_64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_non_null(r.kabi);
	assert_non_null(strstr(r.kabi, "would not link it into weak-updates/ (CRC of _printk: "
				       "0x0000ffff here, module built against 0x0000abcd)"));
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
	unlink(path);

	/* an older kernel, or the module's own: nothing for weak-modules */
	kern_open(&kk, "6.12.0-55.el10.x86_64", 4, cfg_allow, exports);
	kabi_list(&kk, path, list);
	mod_open(&md, DISTILLED, "6.12.0-124.el10.x86_64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_non_null(r.kabi);
	assert_null(strstr(r.kabi, "weak-modules"));
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
	unlink(path);

	/* no stablelist: no kABI fact at all */
	kern_open(&kk, "6.12.0-124.el10.x86_64", 4, cfg_allow, exports);
	mod_open(&md, DISTILLED, "6.12.0-55.el10.x86_64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_null(r.kabi);
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

/*
 * The module's side of a symbol problem (the "module:" line of the text
 * report, the "module (build time)" column) says what the module does with
 * the symbol: an unresolved symbol is one it imports, not one it exports.
 */
static void test_symbol_module_side_imports(void **state)
{
	static const char few[] = "0x0000ffff\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n";
	const struct kbtf_problem *p;
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	kern_open(&kk, "6.12.113+deb12-amd64", 4, cfg_allow, few);
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	p = problem(&r, "kmalloc");
	assert_non_null(p);
	assert_string_equal(p->reason, "unresolved");
	assert_non_null(p->expected);
	assert_true(!strncmp(p->expected, "imports it", 10));
	assert_null(strstr(p->expected, "export"));
	assert_string_equal(p->actual, "not exported by 6.12.113+deb12-amd64");
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

static void test_symbols_unknown_warns(void **state)
{
	struct kbtf_validate_opts o = {.no_symbols = true};
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	kern_open(&kk, "6.12.113+deb12-amd64", 4, cfg_allow, NULL);
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_OK);
	assert_int_equal(warning(&r, "symbols-not-checked")->severity, KBTF_SEV_WARNING);
	/* unchecked is not ok: the verdict the reports print says so */
	assert_true(r.unchecked & KBTF_UNCHECKED_SYMBOLS);
	assert_int_equal(r.skipped, 0);
	assert_null(r.symbols_from);
	assert_string_equal(kbtf_result_label(&r), "ok-unchecked");
	assert_non_null(strstr(r.summary, "not checked: symbols"));
	kbtf_result_fini(&r);
	judge(&md, &kk, &o, &r);
	assert_int_equal(warning(&r, "symbols-not-checked")->severity, KBTF_SEV_INFO);
	/* --no-symbols asked for a BTF-only verdict */
	assert_true(r.skipped & KBTF_UNCHECKED_SYMBOLS);
	assert_string_equal(kbtf_result_label(&r), "ok");
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

/* The test kernel, its vmlinux a neighbouring build (@extra). */
static void plain_kernel(struct kern *kk, int extra)
{
	vml_extra = extra;
	kern_open(kk, "6.12.113+deb12-amd64", 4, cfg_allow, exports);
	vml_extra = VML_SAME;
}

static void test_plain_split(void **state)
{
	struct kbtf_validate_opts o_nosym = {.no_symbols = true};
	const struct kbtf_problem *p;
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	kern_open(&kk, "6.12.113+deb12-amd64", 4, cfg_allow, exports);
	mod_open(&md, PLAIN, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_OK);
	assert_string_equal(r.btf_form, "split");
	assert_int_equal(r.reloc_err, -1);
	assert_int_equal(warning(&r, "plain-split")->severity, KBTF_SEV_INFO);
	kbtf_result_fini(&r);
	mod_close(&md);

	/*
	 * The same BTF, but the module's vermagic names another release (or
	 * the kernel's release was read from a file name): the BTF decides.
	 */
	mod_open(&md, PLAIN, "6.12.117+deb12-amd64", 0xabcd);
	judge(&md, &kk, &o_nosym, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_OK);
	assert_non_null(strstr(warning(&r, "plain-split")->message, "the BTF decides"));
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);

	/* one unnamed type more: mod_init's FUNC lands on mod_state, not its proto */
	plain_kernel(&kk, VML_EXTRA_PTR);
	mod_open(&md, PLAIN, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, &o_nosym, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_BTF_REJECTED);
	p = problem(&r, ".BTF");
	assert_string_equal(p->reason, "built-for-another-kernel");
	if (!strstr(p->actual, "FUNC 'mod_init' refers to [7], which is STRUCT 'mod_state'"))
		fail_msg("actual: %s", p->actual);
	assert_int_equal(r.load, KBTF_LOAD_WRONG_BTF);
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);

	/*
	 * one named type more: the split's own strings start 2 bytes later;
	 * its names still read as identifiers, only where they land tells
	 */
	plain_kernel(&kk, VML_EXTRA_NAMED);
	mod_open(&md, PLAIN, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, &o_nosym, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_BTF_REJECTED);
	p = problem(&r, ".BTF");
	assert_string_equal(p->reason, "built-for-another-kernel");
	if (!strstr(p->actual, "lands inside the module's own string"))
		fail_msg("actual: %s", p->actual);
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

static void test_no_btf(void **state)
{
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	kern_open(&kk, "6.12.113+deb12-rt-amd64", 32, cfg_allow, exports);
	mod_open(&md, NO_BTF, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_OK);
	assert_string_equal(r.btf_form, "none");
	assert_non_null(warning(&r, "no-btf"));
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

/*
 * The loader's ELF checks of one module are remembered per kernel machine,
 * release and struct module size: judged on kernels in turn, each still
 * gets its own answer. The image is an x86_64 header without a section
 * table: an aarch64 kernel refuses the machine, an x86_64 one the table.
 */
static void test_elf_checks_per_kernel(void **state)
{
	static uint8_t img[64];
	struct kbtf_result r;
	struct kern kk;
	struct mod md;
	int i;

	memcpy(img, "\177ELF\2\1\1", 7);
	img[16] = 1;  /* ET_REL */
	img[18] = 62; /* EM_X86_64 */
	img[52] = 64; /* e_ehsize */
	kern_open(&kk, "6.12.113+deb12-amd64", 32, cfg_allow, exports);
	mod_open(&md, NO_BTF, "6.12.113+deb12-amd64", 0xabcd);
	md.m.image.data = img;
	md.m.image.size = sizeof(img);
	for (i = 0; i < 4; i++) {
		kk.k.arch = (char *)(i % 2 ? "aarch64" : "x86_64");
		judge(&md, &kk, NULL, &r);
		assert_int_equal(r.verdict, KBTF_VERDICT_ELF_REJECTED);
		assert_non_null(r.kernel_log);
		if (i % 2)
			assert_non_null(
			    strstr(r.kernel_log, "Invalid architecture in ELF header: 62"));
		else
			assert_null(strstr(r.kernel_log, "architecture"));
		kbtf_result_fini(&r);
	}
	md.m.image.data = NULL;
	mod_close(&md);
	kern_close(&kk);
}

/* Build kernel list_head is next/prev, the target's prev/next: same size,
 * relocation is happy, the module's embedded list_head is not. */
static void test_drift_by_value(void **state)
{
	struct kbtf_validate_opts o = {0};
	const struct kbtf_warning *w;
	struct kbtf_buf raw;
	struct kbtf_btf *build;
	struct kbtf_result r;
	struct kern kk;
	struct mod md;
	size_t i;
	bool next = false;

	kern_open(&kk, "6.12.113+deb12-amd64", 4, cfg_allow, exports);
	kbtf_btf_free(kk.k.btf);
	kbtf_buf_release(&kk.k.btf_raw);
	kbtf_vkernel_free(kk.vk);
	kk.k.btf = NULL;
	vmlinux(&kk.k.btf_raw, 4, true);
	assert_int_equal(kbtf_vkernel_from_kernel(&kk.k, NULL, &kk.vk), 0);
	vmlinux(&raw, 4, false);
	assert_int_equal(kbtf_btf_parse(raw.data, raw.size, NULL, &build), 0);
	assert_int_equal(kbtf_btf_index_names(build), 0);
	o.build_btf = build;
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, &o, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_OK);
	w = warning(&r, "layout-drift");
	assert_non_null(w);
	assert_int_equal(w->severity, KBTF_SEV_WARNING);
	assert_string_equal(w->name, "struct list_head");
	for (i = 0; i < w->nr_details; i++)
		next |= !strcmp(w->details[i], "next: offset 0 -> 8");
	assert_true(next);
	kbtf_result_fini(&r);
	mod_close(&md);
	kbtf_btf_free(build);
	kbtf_buf_release(&raw);
	kern_close(&kk);
}

/* The vermagic the loader compares, rebuilt from release and config. */
static void test_vermagic(void **state)
{
	static const char same[] = "CONFIG_X86_64=y\nCONFIG_SMP=y\nCONFIG_PREEMPT_BUILD=y\n"
				   "CONFIG_MODULE_UNLOAD=y\nCONFIG_MODVERSIONS=y\n"
				   "CONFIG_MODULE_ALLOW_BTF_MISMATCH=y\n";
	static const char nomodv[] = "CONFIG_X86_64=y\nCONFIG_SMP=y\nCONFIG_PREEMPT_BUILD=y\n"
				     "CONFIG_MODULE_UNLOAD=y\nCONFIG_MODULE_ALLOW_BTF_MISMATCH=y\n";
	const struct kbtf_problem *p;
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	/* another release, same flags: modversions make the release not count */
	kern_open(&kk, "6.12.117+deb12-amd64", 4, same, exports);
	assert_string_equal(kk.vk->vermagic,
			    "6.12.117+deb12-amd64 SMP preempt mod_unload modversions ");
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_null(problem(&r, "vermagic"));
	assert_int_equal(r.verdict, KBTF_VERDICT_OK);
	kbtf_result_fini(&r);
	kern_close(&kk);

	/* a kernel without modversions: "modversions " is missing on its side */
	kern_open(&kk, "7.2.13+deb14-amd64", 4, nomodv, exports);
	judge(&md, &kk, NULL, &r);
	p = problem(&r, "vermagic");
	assert_non_null(p);
	assert_int_equal(p->kind, KBTF_PROBLEM_SYMBOL);
	assert_string_equal(p->reason, "vermagic-mismatch");
	assert_int_equal(r.verdict, KBTF_VERDICT_SYMBOLS);
	expect_log(&r, "mod: version magic '6.12.113+deb12-amd64 SMP preempt mod_unload "
		       "modversions ' should be '7.2.13+deb14-amd64 SMP preempt mod_unload '");
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

/* struct module's layout CRC is the loader's very first check. */
static void test_module_layout(void **state)
{
	static const char ex[] = "0x00001111\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\t\n"
				 "0x0000abcd\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n"
				 "0x00001234\tkmalloc\tvmlinux\tEXPORT_SYMBOL\t\n";
	const struct kbtf_problem *p;
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	kern_open(&kk, "6.12.113+deb12-amd64", 4, cfg_allow, ex);
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	md.vm->syms.has_layout_crc = true;
	md.vm->syms.layout_crc = 0x1111;
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_OK);
	kbtf_result_fini(&r);
	md.vm->syms.layout_crc = 0x2222;
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_SYMBOLS);
	p = problem(&r, "module_layout");
	assert_non_null(p);
	assert_string_equal(p->reason, "crc-mismatch");
	assert_string_equal(p->expected, "CRC 0x00002222 (module's __versions)");
	expect_log(&r, "mod: disagrees about version of symbol module_layout");
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

/*
 * A module with .BTF.base on 6.1 that also lacks a symbol: the loader
 * stops at simplify_symbols(), the BTF step's finding is still reported.
 */
static void test_pre_611_symbols(void **state)
{
	static const char few[] = "0x0000abcd\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n";
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	kern_open(&kk, "6.1.0-56-amd64", 4, cfg_allow, few);
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_SYMBOLS);
	assert_int_equal(r.load, KBTF_LOAD_REFUSED);
	assert_string_equal(problem(&r, "kmalloc")->reason, "unresolved");
	assert_string_equal(problem(&r, ".BTF.base")->reason, "no-distilled-support");
	assert_non_null(strstr(r.summary, "1 symbol problem; BTF: kernel predates .BTF.base"));
	assert_non_null(strstr(r.consequence, "cannot resolve or verify its symbols"));
	/* the symbol step's lines come first, as the kernel would print them */
	assert_int_equal(strncmp(r.kernel_log, "mod: Unknown symbol kmalloc", 27), 0);
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

/*
 * The kernel's log stops where load_module() stops (expected lines from
 * the kernel's order, not from running kbtf): module_layout's CRC
 * (check_modstruct_version()) ends the load with its one line, before
 * vermagic, the other symbols and the BTF, whatever those would say.
 */
static void test_log_stops_at_module_layout(void **state)
{
	static const char rt[] = "CONFIG_X86_64=y\nCONFIG_SMP=y\nCONFIG_PREEMPT_RT=y\n"
				 "CONFIG_MODULE_UNLOAD=y\nCONFIG_MODVERSIONS=y\n"
				 "CONFIG_DEBUG_INFO_BTF_MODULES=y\n"
				 "CONFIG_MODULE_ALLOW_BTF_MISMATCH=y\n";
	static const char ex[] = "0x00001111\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\t\n"
				 "0x0000ffff\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n";
	struct kbtf_result r;
	struct kern kk;
	struct mod md;
	size_t i;

	kern_open(&kk, "6.12.113+deb12-rt-amd64", 32, rt, ex);
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	md.vm->syms.has_layout_crc = true;
	md.vm->syms.layout_crc = 0x2222;
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_SYMBOLS);
	assert_string_equal(r.kernel_log, "mod: disagrees about version of symbol module_layout");
	/* every later finding is still listed, none is the kernel's first */
	assert_non_null(problem(&r, "vermagic"));
	assert_string_equal(problem(&r, "_printk")->reason, "crc-mismatch");
	assert_string_equal(problem(&r, "kmalloc")->reason, "unresolved");
	assert_string_equal(problem(&r, "spinlock")->reason, "size-mismatch");
	for (i = 0; i < r.nr_problems; i++)
		assert_int_equal(r.problems[i].kernel_first,
				 !strcmp(r.problems[i].name, "module_layout"));
	assert_non_null(strstr(r.kernel_log_note, "check_modstruct_version()"));
	/* what a forced load meets later, for boot-test */
	assert_non_null(strstr(r.btf_log, "distilled base BTF type 'spinlock'"));
	kbtf_result_fini(&r);

	/* module_layout matches: check_modinfo() stops at vermagic, alone */
	md.vm->syms.layout_crc = 0x1111;
	judge(&md, &kk, NULL, &r);
	assert_string_equal(r.kernel_log,
			    "mod: version magic '6.12.113+deb12-amd64 SMP preempt mod_unload "
			    "modversions ' should be '6.12.113+deb12-rt-amd64 SMP preempt_rt "
			    "mod_unload modversions '");
	assert_true(problem(&r, "vermagic")->kernel_first);
	assert_false(problem(&r, "module_layout") != NULL);
	assert_false(problem(&r, "spinlock")->kernel_first);
	assert_non_null(strstr(r.kernel_log_note, "check_modinfo()"));
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

/*
 * Between vermagic and the symbols, the taint lines of an out-of-tree,
 * proprietary, unsigned module (check_modinfo() up to 6.3,
 * module_augment_kernel_taints() from 6.4, then the signature notice),
 * each once per boot; none when vermagic refuses the module first.
 */
static void test_log_taints(void **state)
{
	static const char cfg_sig[] = "CONFIG_DEBUG_INFO_BTF_MODULES=y\nCONFIG_MODVERSIONS=y\n"
				      "CONFIG_MODULE_ALLOW_BTF_MISMATCH=y\nCONFIG_MODULE_SIG=y\n";
	static const char few[] = "0x0000abcd\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n";
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	kern_open(&kk, "6.12.113+deb12-amd64", 4, cfg_sig, few);
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	md.info[0].value = "Proprietary";
	md.m.nr_modinfo = 1;
	kbtf_vmod_free(md.vm);
	if (kbtf_vmod_from_module(&md.m, &md.vm))
		fail_msg("vmod: %s", kbtf_errstr());
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_SYMBOLS);
	assert_string_equal(r.kernel_log,
			    "mod: loading out-of-tree module taints kernel.\n"
			    "mod: module license 'Proprietary' taints kernel.\n"
			    "Disabling lock debugging due to kernel taint\n"
			    "mod: module verification failed: signature and/or required key "
			    "missing - tainting kernel\n"
			    "mod: Unknown symbol kmalloc (err -2)");
	assert_true(problem(&r, "kmalloc")->kernel_first);
	assert_non_null(strstr(r.kernel_log_note, "once per boot"));
	kbtf_result_fini(&r);
	kern_close(&kk);

	/* vermagic refuses it: check_modinfo() stops before any taint */
	kern_open(&kk, "6.12.113+deb12-rt-amd64", 4,
		  "CONFIG_X86_64=y\nCONFIG_SMP=y\nCONFIG_PREEMPT_RT=y\nCONFIG_MODULE_UNLOAD=y\n"
		  "CONFIG_MODVERSIONS=y\nCONFIG_MODULE_SIG=y\n",
		  few);
	judge(&md, &kk, NULL, &r);
	assert_non_null(strstr(r.kernel_log, "version magic"));
	assert_null(strstr(r.kernel_log, "taints"));
	kbtf_result_fini(&r);
	kern_close(&kk);
	mod_close(&md);
}

/*
 * simplify_symbols() does not stop at the first bad symbol: every one gets
 * its lines, in symbol-table order (a CRC mismatch is check_version()'s
 * line, then "Unknown symbol ... (err -22)"), and the BTF step never runs.
 */
static void test_log_all_symbols_no_btf(void **state)
{
	static const char few[] = "0x0000ffff\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n";
	struct kbtf_result r;
	struct kern kk;
	struct mod md;

	kern_open(&kk, "6.12.113+deb12-rt-amd64", 32, cfg_allow, few);
	mod_open(&md, DISTILLED, "6.12.113+deb12-amd64", 0xabcd);
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_SYMBOLS);
	assert_string_equal(r.kernel_log, "mod: disagrees about version of symbol _printk\n"
					  "mod: Unknown symbol _printk (err -22)\n"
					  "mod: Unknown symbol kmalloc (err -2)");
	assert_true(problem(&r, "_printk")->kernel_first);
	assert_false(problem(&r, "kmalloc")->kernel_first);
	assert_false(problem(&r, "spinlock")->kernel_first);
	assert_non_null(strstr(r.kernel_log_note, "simplify_symbols()"));
	kbtf_result_fini(&r);

	/* the symbols resolve: now the BTF step runs and prints, and its
	 * problem is the one the kernel reports */
	kern_close(&kk);
	kern_open(&kk, "6.12.113+deb12-rt-amd64", 32, cfg_allow, exports);
	judge(&md, &kk, NULL, &r);
	assert_int_equal(r.verdict, KBTF_VERDICT_BTF_REJECTED);
	assert_int_equal(strncmp(r.kernel_log, "distilled base BTF type 'spinlock'", 34), 0);
	assert_true(problem(&r, "spinlock")->kernel_first);
	/* "Kernel module BTF mismatch detected" is a pr_warn_once() */
	assert_non_null(strstr(r.kernel_log_note, "once per boot"));
	kbtf_result_fini(&r);
	mod_close(&md);
	kern_close(&kk);
}

/* A pair that could not be read: "error", and nothing said about a load. */
static void test_result_error(void **state)
{
	struct kbtf_result r;

	assert_int_equal(kbtf_result_error(&r, "/m/gone.ko", "/k/vmlinuz", "gone"), 0);
	assert_int_equal(r.verdict, KBTF_VERDICT_ERROR);
	assert_int_equal(r.load, KBTF_LOAD_UNKNOWN);
	assert_string_equal(r.summary, "gone");
	assert_string_equal(r.module, "/m/gone.ko");
	assert_string_equal(r.source, "/k/vmlinuz");
	assert_null(r.consequence);
	assert_int_equal(r.allow_btf_mismatch, -1);
	assert_int_equal(r.reloc_err, -1);
	kbtf_result_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_combine_symbols_before_btf),
	    cmocka_unit_test(test_combine_early_checks),
	    cmocka_unit_test(test_combine_btf_rejected),
	    cmocka_unit_test(test_combine_pre_611),
	    cmocka_unit_test(test_combine_ok_and_unreadable),
	    cmocka_unit_test(test_ok),
	    cmocka_unit_test(test_rejected_allow),
	    cmocka_unit_test(test_rejected_strict),
	    cmocka_unit_test(test_rejected_config_unknown),
	    cmocka_unit_test(test_pre_611),
	    cmocka_unit_test(test_symbols_beat_btf),
	    cmocka_unit_test(test_symbol_module_side_imports),
	    cmocka_unit_test(test_kabi_facts),
	    cmocka_unit_test(test_symbols_unknown_warns),
	    cmocka_unit_test(test_plain_split),
	    cmocka_unit_test(test_no_btf),
	    cmocka_unit_test(test_elf_checks_per_kernel),
	    cmocka_unit_test(test_drift_by_value),
	    cmocka_unit_test(test_vermagic),
	    cmocka_unit_test(test_module_layout),
	    cmocka_unit_test(test_pre_611_symbols),
	    cmocka_unit_test(test_log_stops_at_module_layout),
	    cmocka_unit_test(test_log_taints),
	    cmocka_unit_test(test_log_all_symbols_no_btf),
	    cmocka_unit_test(test_result_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
