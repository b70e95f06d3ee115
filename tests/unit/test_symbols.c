// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Module.symvers parsing (every format the kernel has written) and the
 * loader's symbol rules: unresolved, CRC mismatch, GPL-only, namespaces,
 * exports of other modules, a module without __versions.
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

#include "kbtf/err.h"
#include "kbtf/source.h"
#include "symbols.h"

/* Lines as Linux 6.12's modpost writes them (taken from the Debian headers). */
static const char symvers_612[] =
    "0xf7370f56\tsystem_state\tvmlinux\tEXPORT_SYMBOL\t\n"
    "0xbea5ff1e\tstatic_key_initialized\tvmlinux\tEXPORT_SYMBOL_GPL\t\n"
    "0xd6551b9c\tcpu_cache_has_invalidate_memregion\tvmlinux\tEXPORT_SYMBOL_GPL\tDEVMEM\n"
    "0x12345678\tmii_link_ok\tdrivers/net/mii\tEXPORT_SYMBOL\t\n"
    "0x0badcafe\t_raw_spin_lock\tvmlinux\tEXPORT_SYMBOL\t\n";

static struct kbtf_symvers *parse(const char *text)
{
	struct kbtf_symvers *sv = NULL;

	if (kbtf_symvers_parse(text, strlen(text), "test.symvers", &sv))
		fail_msg("parse: %s", kbtf_errstr());
	return sv;
}

static void test_parse_612(void **state)
{
	struct kbtf_symvers *sv = parse(symvers_612);
	const struct kbtf_export *e;

	assert_int_equal(kbtf_symvers_count(sv), 5);
	assert_true(kbtf_symvers_has_crcs(sv));
	e = kbtf_symvers_find(sv, "cpu_cache_has_invalidate_memregion");
	assert_non_null(e);
	assert_int_equal(e->crc, 0xd6551b9c);
	assert_string_equal(e->module, "vmlinux");
	assert_string_equal(e->ns, "DEVMEM");
	assert_true(e->gpl_only);
	e = kbtf_symvers_find(sv, "mii_link_ok");
	assert_string_equal(e->module, "drivers/net/mii");
	assert_false(e->gpl_only);
	assert_string_equal(e->ns, "");
	assert_null(kbtf_symvers_find(sv, "nope"));
	kbtf_symvers_free(sv);
}

static void test_parse_old_formats(void **state)
{
	/* 5.4 .. 5.9: namespace third; before 5.4: four fields */
	struct kbtf_symvers *sv = parse("0x00000001\tfoo\tFOO_NS\tvmlinux\tEXPORT_SYMBOL_GPL\n"
					"0x00000002\tbar\tdrivers/x\tEXPORT_SYMBOL\n");
	const struct kbtf_export *e = kbtf_symvers_find(sv, "foo");

	assert_string_equal(e->ns, "FOO_NS");
	assert_string_equal(e->module, "vmlinux");
	assert_true(e->gpl_only);
	e = kbtf_symvers_find(sv, "bar");
	assert_string_equal(e->module, "drivers/x");
	assert_string_equal(e->ns, "");
	kbtf_symvers_free(sv);
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
	    "0x1\tonly_two\n",
	    "zzz\tsym\tvmlinux\tEXPORT_SYMBOL\t\n",
	    "0x1\t\tvmlinux\tEXPORT_SYMBOL\t\n",
	    "0x100000000\tbig\tvmlinux\tEXPORT_SYMBOL\t\n",
	    "0x1\ta\tb\tc\td\te\tf\n",
	};
	struct kbtf_symvers *sv;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kbtf_symvers_parse(bad[i], strlen(bad[i]), "x", &sv), -EINVAL);
		assert_non_null(strstr(kbtf_errstr(), "x:1"));
	}
	/* no CRCs at all: a kernel without modversions */
	sv = parse("0x00000000\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n");
	assert_false(kbtf_symvers_has_crcs(sv));
	kbtf_symvers_free(sv);
}

static void test_parse_wanted(void **state)
{
	struct kbtf_symvers *wanted, *sv;
	static const char bad[] = "0x1 no tabs at all\n";

	assert_int_equal(kbtf_symvers_new(&wanted), 0);
	assert_int_equal(kbtf_symvers_add(wanted, "mii_link_ok", 0, "", "", ""), 0);
	assert_int_equal(kbtf_symvers_add(wanted, "not_exported", 0, "", "", ""), 0);
	assert_int_equal(
	    kbtf_symvers_parse_wanted(symvers_612, strlen(symvers_612), "x", wanted, &sv), 0);
	assert_int_equal(kbtf_symvers_count(sv), 1);
	assert_int_equal(kbtf_symvers_find(sv, "mii_link_ok")->crc, 0x12345678);
	assert_string_equal(kbtf_symvers_find(sv, "mii_link_ok")->module, "drivers/net/mii");
	assert_null(kbtf_symvers_find(sv, "system_state"));
	kbtf_symvers_free(sv);
	assert_int_equal(kbtf_symvers_parse_wanted(bad, strlen(bad), "x", wanted, &sv), -EINVAL);
	kbtf_symvers_free(wanted);
}

/* A stored profile keeps Module.symvers zstd-compressed: read as the raw file. */
static void test_load_wanted_zstd(void **state)
{
	char raw[] = "/tmp/kbtf-test-symvers.XXXXXX", zst[64];
	struct kbtf_symvers *wanted, *a, *b;
	char cmd[256];
	FILE *f;
	int fd = mkstemp(raw);

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(symvers_612, f);
	fclose(f);
	snprintf(zst, sizeof(zst), "%s.zst", raw);
	snprintf(cmd, sizeof(cmd), "zstd -q -f %s -o %s", raw, zst);
	if (system(cmd)) {
		unlink(raw);
		skip();
	}
	assert_int_equal(kbtf_symvers_new(&wanted), 0);
	assert_int_equal(kbtf_symvers_add(wanted, "mii_link_ok", 0, "", "", ""), 0);
	assert_int_equal(
	    kbtf_symvers_add(wanted, "cpu_cache_has_invalidate_memregion", 0, "", "", ""), 0);
	assert_int_equal(kbtf_symvers_load_wanted(raw, wanted, &a), 0);
	if (kbtf_symvers_load_wanted(zst, wanted, &b))
		fail_msg("%s", kbtf_errstr());
	assert_int_equal(kbtf_symvers_count(a), 2);
	assert_int_equal(kbtf_symvers_count(b), 2);
	assert_int_equal(kbtf_symvers_find(b, "mii_link_ok")->crc, 0x12345678);
	assert_string_equal(kbtf_symvers_find(b, "cpu_cache_has_invalidate_memregion")->ns,
			    "DEVMEM");
	assert_true(kbtf_symvers_find(b, "cpu_cache_has_invalidate_memregion")->gpl_only);
	kbtf_symvers_free(a);
	kbtf_symvers_free(b);
	kbtf_symvers_free(wanted);
	unlink(raw);
	unlink(zst);
}

struct fixture {
	struct kbtf_symvers *sv;
	struct kbtf_modsym undef[4];
	struct kbtf_modsyms ms;
	struct kbtf_symcheck_kernel k;
	struct kbtf_sym_result res;
};

static void setup(struct fixture *f, const char *license)
{
	memset(f, 0, sizeof(*f));
	f->sv = parse(symvers_612);
	f->ms.name = "demo";
	f->ms.undef = f->undef;
	f->ms.has_versions = true;
	f->ms.license = license ? strdup(license) : NULL;
	f->k.exports = f->sv;
	f->k.modversions = 1;
	f->k.force_load = 1;
	f->k.allow_missing_ns = -1;
}

static void add_undef(struct fixture *f, const char *name, uint32_t crc)
{
	struct kbtf_modsym *u = &f->undef[f->ms.nr_undef++];

	u->name = (char *)name;
	u->crc = crc;
	u->has_crc = true;
}

static void run(struct fixture *f)
{
	assert_int_equal(kbtf_symbols_check(&f->ms, &f->k, &f->res), 0);
}

static void teardown(struct fixture *f)
{
	kbtf_sym_result_fini(&f->res);
	free(f->ms.license);
	f->ms.license = NULL;
	kbtf_symvers_free(f->sv);
}

static void test_all_resolve(void **state)
{
	struct fixture f;

	setup(&f, "GPL");
	add_undef(&f, "system_state", 0xf7370f56);
	add_undef(&f, "static_key_initialized", 0xbea5ff1e);
	add_undef(&f, "mii_link_ok", 0x12345678);
	run(&f);
	assert_int_equal(f.res.nr_issues, 0);
	assert_int_equal(f.res.nr_checked, 3);
	assert_int_equal(f.res.nr_from_modules, 1);
	teardown(&f);
}

static void test_unresolved(void **state)
{
	struct fixture f;

	setup(&f, "GPL");
	add_undef(&f, "system_state", 0xf7370f56);
	add_undef(&f, "__x86_return_thunk", 0x1);
	run(&f);
	assert_int_equal(f.res.nr_issues, 1);
	assert_int_equal(f.res.issues[0].kind, KBTF_SYM_UNRESOLVED);
	assert_string_equal(f.res.issues[0].name, "__x86_return_thunk");
	assert_string_equal(f.res.issues[0].kernel_log,
			    "demo: Unknown symbol __x86_return_thunk (err -2)");
	teardown(&f);
}

static void test_crc_mismatch(void **state)
{
	struct fixture f;

	setup(&f, "GPL");
	add_undef(&f, "_raw_spin_lock", 0x11111111);
	run(&f);
	assert_int_equal(f.res.nr_issues, 1);
	assert_int_equal(f.res.issues[0].kind, KBTF_SYM_CRC);
	assert_int_equal(f.res.issues[0].module_crc, 0x11111111);
	assert_int_equal(f.res.issues[0].kernel_crc, 0x0badcafe);
	assert_non_null(strstr(f.res.issues[0].kernel_log,
			       "demo: disagrees about version of symbol _raw_spin_lock"));
	kbtf_sym_result_fini(&f.res);

	/* a kernel without modversions does not compare */
	f.k.modversions = 0;
	run(&f);
	assert_int_equal(f.res.nr_issues, 0);
	teardown(&f);
}

static void test_gpl_only(void **state)
{
	struct fixture f;

	setup(&f, "Proprietary");
	add_undef(&f, "static_key_initialized", 0xbea5ff1e);
	add_undef(&f, "system_state", 0xf7370f56);
	run(&f);
	assert_int_equal(f.res.nr_issues, 1);
	assert_int_equal(f.res.issues[0].kind, KBTF_SYM_GPL_ONLY);
	assert_string_equal(f.res.issues[0].name, "static_key_initialized");
	teardown(&f);

	assert_true(kbtf_license_gpl_compatible("Dual BSD/GPL"));
	assert_true(kbtf_license_gpl_compatible("GPL v2"));
	assert_false(kbtf_license_gpl_compatible("GPLv2"));
	assert_false(kbtf_license_gpl_compatible(NULL));
}

static void test_namespace(void **state)
{
	struct fixture f;
	char *ns[] = {"DEVMEM"};

	setup(&f, "GPL");
	add_undef(&f, "cpu_cache_has_invalidate_memregion", 0xd6551b9c);
	run(&f);
	assert_int_equal(f.res.nr_issues, 1);
	assert_int_equal(f.res.issues[0].kind, KBTF_SYM_NAMESPACE);
	assert_string_equal(f.res.issues[0].ns, "DEVMEM");
	kbtf_sym_result_fini(&f.res);

	f.ms.import_ns = ns;
	f.ms.nr_import_ns = 1;
	run(&f);
	assert_int_equal(f.res.nr_issues, 0);
	f.ms.import_ns = NULL;
	f.ms.nr_import_ns = 0;
	teardown(&f);
}

static void test_peers_and_self(void **state)
{
	struct fixture f;
	char *own[] = {"my_helper"};

	setup(&f, "GPL");
	add_undef(&f, "peer_fn", 0x5);
	add_undef(&f, "my_helper", 0x6);
	assert_int_equal(kbtf_symvers_new((struct kbtf_symvers **)&f.k.peers), 0);
	assert_int_equal(kbtf_symvers_add((struct kbtf_symvers *)f.k.peers, "peer_fn", 0x5, "other",
					  "EXPORT_SYMBOL", ""),
			 0);
	f.ms.exports = own;
	f.ms.nr_exports = 1;
	run(&f);
	assert_int_equal(f.res.nr_issues, 0);
	assert_int_equal(f.res.nr_from_peers, 1);
	assert_int_equal(f.res.nr_checked, 1);
	f.ms.exports = NULL;
	f.ms.nr_exports = 0;
	kbtf_symvers_free((struct kbtf_symvers *)f.k.peers);
	teardown(&f);
}

static void test_unversioned_module(void **state)
{
	struct fixture f;

	setup(&f, "GPL");
	add_undef(&f, "system_state", 0);
	f.undef[0].has_crc = false;
	f.ms.has_versions = false;
	run(&f);
	assert_true(f.res.unversioned);
	assert_int_equal(f.res.nr_issues, 0);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_612),	       cmocka_unit_test(test_parse_old_formats),
	    cmocka_unit_test(test_parse_errors),       cmocka_unit_test(test_parse_wanted),
	    cmocka_unit_test(test_all_resolve),	       cmocka_unit_test(test_unresolved),
	    cmocka_unit_test(test_crc_mismatch),       cmocka_unit_test(test_gpl_only),
	    cmocka_unit_test(test_namespace),	       cmocka_unit_test(test_peers_and_self),
	    cmocka_unit_test(test_unversioned_module), cmocka_unit_test(test_load_wanted_zstd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
