// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Inputs that look like what kbtf wants and are not (issue 13 items 8 and
 * 9), on the committed fuzz seeds (tests/fuzz/corpus/source: a module, its
 * distilled form, the 4 KB vmlinux they were built on):
 *
 *   - an already distilled module whose .BTF header says version 2: the
 *     kernel's btf_parse_hdr() refuses it, so distill refuses it with that
 *     reason (one header check, kbtf_check_kernel, for validate and
 *     distill), not "nothing to do";
 *   - a module cut short: the file-structure half of the loader's ELF
 *     checks (what inspect refuses) says why, and a module without
 *     .gnu.linkonce.this_module passes that half.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kbtf/distill.h"
#include "kbtf/err.h"
#include "kbtf/source.h"

#define SEEDS "tests/fuzz/corpus/source/"

static char tmpdir[] = "/tmp/kbtf-test-malformed-XXXXXX";

static void read_seed(const char *name, struct kbtf_buf *out)
{
	if (kbtf_buf_from_file(name, out))
		fail_msg("%s: %s (run from the top of the tree)", name, kbtf_errstr());
}

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
}

/* distill the module at @path onto the seed vmlinux, into a scratch file */
static int distill(const char *path, struct kbtf_distill_module_report *rep)
{
	struct kbtf_kernel *k;
	char out[128];
	struct kbtf_distill_module_opts o = {.out = out};
	int err;

	snprintf(out, sizeof(out), "%s/out.ko", tmpdir);
	assert_int_equal(kbtf_kernel_open(SEEDS "vmlinux", NULL, &k), 0);
	o.base = k;
	memset(rep, 0, sizeof(*rep));
	err = kbtf_distill_module(path, &o, rep);
	kbtf_kernel_free(k);
	return err;
}

static void test_distilled_header_version(void **state)
{
	struct kbtf_distill_module_report rep;
	struct kbtf_module *m;
	struct kbtf_buf b;
	char path[128];
	uint8_t *copy;
	size_t at;

	read_seed(SEEDS "module-distilled.ko", &b);
	snprintf(path, sizeof(path), "%s/v1.ko", tmpdir);
	write_file(path, b.data, b.size);
	assert_int_equal(distill(path, &rep), 0);
	assert_true(rep.already);

	assert_int_equal(kbtf_module_open_buf(b.data, b.size, "seed", &m), 0);
	assert_non_null(m->btf_data);
	at = (size_t)(m->btf_data - m->image.data);
	kbtf_module_free(m);
	copy = malloc(b.size);
	assert_non_null(copy);
	memcpy(copy, b.data, b.size); /* the seed is mapped read-only */
	copy[at + 2] = 2;	      /* .BTF header: version 2 */
	snprintf(path, sizeof(path), "%s/v2.ko", tmpdir);
	write_file(path, copy, b.size);
	free(copy);
	assert_int_equal(distill(path, &rep), -EINVAL);
	assert_false(rep.already);
	assert_non_null(strstr(kbtf_errstr(), ".BTF: Unsupported version"));
	kbtf_buf_release(&b);
}

static void test_truncated_structure(void **state)
{
	static const struct kbtf_elf_target file_only = {.file_only = true};
	struct kbtf_buf b;
	char log[320];

	read_seed(SEEDS "module.ko", &b);
	assert_int_equal(kbtf_module_elf_check(b.data, b.size, &file_only, log, sizeof(log)), 0);
	assert_int_equal(kbtf_module_elf_check(b.data, b.size - 64, &file_only, log, sizeof(log)),
			 -ENOEXEC);
	assert_string_equal(log, "Invalid ELF section header overflow");
	kbtf_buf_release(&b);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_distilled_header_version),
	    cmocka_unit_test(test_truncated_structure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
