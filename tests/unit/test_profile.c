// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel profiles and the store: a synthetic kernel (builder BTF, config,
 * Module.symvers) survives add -> list -> load; the index is rebuilt when
 * it lies; names, replacement, removal; every shape of kernel set and its
 * errors; adds from several threads; the real vmlinux BTF round trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <dirent.h>
#include <pthread.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf_shared.h"
#include "kbtf/btf.h"
#include "kbtf/builder.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "profile.h"
#include "kernel_priv.h"
#include "profile_index.h"
#include "util.h"

static char tmpdir[256];
static char storedir[320];

static const char symvers_text[] = "0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n"
				   "0x9abcdef0\tkmalloc_caches\tvmlinux\tEXPORT_SYMBOL_GPL\t\n";

static const char config_text[] = "CONFIG_MODULE_ALLOW_BTF_MISMATCH=y\nCONFIG_X=m\n";

/* ----------------------------------------------------------- fixtures */

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kbtf-test-profile.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(storedir, sizeof(storedir), "%s/store", tmpdir);
	setenv("XDG_CACHE_HOME", tmpdir, 1);
	return 0;
}

static int teardown(void **state)
{
	kbtf_rm_rf(tmpdir);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A small vmlinux-like BTF: @extra distinct structs beyond a few basics. */
static void make_btf(struct kbtf_buf *out, unsigned int extra)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	char name[32];
	unsigned int i;
	int intid;

	assert_non_null(b);
	intid = kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	assert_true(intid > 0);
	assert_true(kbtf_builder_add_struct(b, "spinlock", 4) > 0);
	assert_int_equal(kbtf_builder_add_member(b, "lock", intid, 0, 0), 0);
	assert_true(kbtf_builder_add_typedef(b, "spinlock_t", 2) > 0);
	for (i = 0; i < extra; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		assert_true(kbtf_builder_add_struct(b, name, 4) > 0);
		assert_int_equal(kbtf_builder_add_member(b, "v", intid, 0, 0), 0);
	}
	assert_int_equal(kbtf_builder_write(b, NULL, out), 0);
	kbtf_builder_free(b);
}

/* A kernel as the source readers hand it over, made by hand. */
struct fake_kernel {
	struct kbtf_kernel k;
	char source[64];
	char release[64];
	char symvers[320];
	char arch[16];
};

static void fake_kernel(struct fake_kernel *f, const char *release, unsigned int extra)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->release, sizeof(f->release), "%s", release);
	snprintf(f->source, sizeof(f->source), "/boot/vmlinuz-%s", release);
	snprintf(f->arch, sizeof(f->arch), "x86_64");
	snprintf(f->symvers, sizeof(f->symvers), "%s/Module.symvers", tmpdir);
	write_text(f->symvers, symvers_text);
	f->k.source = f->source;
	f->k.release = f->release;
	f->k.arch = f->arch;
	f->k.config = (char *)config_text;
	f->k.config_len = strlen(config_text);
	f->k.symvers_path = f->symvers;
	make_btf(&f->k.btf_raw, extra);
}

static void fake_kernel_release(struct fake_kernel *f)
{
	/* storing parses (and keeps) the kernel's BTF */
	kbtf_btf_free(f->k.btf);
	f->k.btf = NULL;
	kbtf_buf_release(&f->k.btf_raw);
}

static struct kbtf_store *open_store(void)
{
	struct kbtf_store *s = NULL;

	assert_int_equal(kbtf_store_open(storedir, &s), 0);
	return s;
}

static void add_ok(struct kbtf_store *s, const char *release, const char *suite)
{
	struct kbtf_profile_add_opts o = {.suite = suite};
	struct fake_kernel f;
	int err;

	fake_kernel(&f, release, 3);
	err = kbtf_store_add(s, &f.k, &o, NULL);
	if (err)
		fail_msg("add %s: %s", release, kbtf_errstr());
	fake_kernel_release(&f);
}

static size_t count_entries(const char *dir, const char *prefix)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

static char *read_all(const char *path)
{
	struct kbtf_buf b;
	char *s;

	assert_int_equal(kbtf_buf_from_file(path, &b), 0);
	s = calloc(1, b.size + 1);
	assert_non_null(s);
	memcpy(s, b.data, b.size);
	kbtf_buf_release(&b);
	return s;
}

/* A file the profile keeps zstd-compressed: it is, and holds @text. */
static void assert_zstd_text(const char *path, const char *text)
{
	struct kbtf_buf b, plain;

	assert_int_equal(kbtf_buf_from_file(path, &b), 0);
	assert_int_equal(kbtf_compression_detect(b.data, b.size), KBTF_COMP_ZSTD);
	assert_int_equal(kbtf_decompress(KBTF_COMP_ZSTD, b.data, b.size, 1 << 20, &plain), 0);
	assert_int_equal(plain.size, strlen(text));
	assert_memory_equal(plain.data, text, plain.size);
	kbtf_buf_release(&plain);
	kbtf_buf_release(&b);
}

/* -------------------------------------------------------------- names */

static void test_release_split(void **state)
{
	static const char *const cases[][3] = {
	    {"6.12.113+deb12-rt-amd64", "6.12.113", "rt-amd64"},
	    {"6.12.113+deb12-amd64", "6.12.113", "amd64"},
	    {"6.1.0-56-cloud-amd64", "6.1.0", "cloud-amd64"},
	    {"6.12.115+deb13.1-amd64", "6.12.115", "amd64"},
	    {"7.2.13+deb14-rt-amd64", "7.2.13", "rt-amd64"},
	    {"6.8.0-45-generic", "6.8.0", "generic"},
	    {"5.14.0-427.el9.x86_64", "5.14.0", ""},
	    {"6.18.44-fc-v769", "6.18.44", "fc-v769"},
	    {"6.6.0", "6.6.0", ""},
	    {"mykernel", "", ""},
	};
	char v[64], f[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kbtf_release_split(cases[i][0], v, sizeof(v), f, sizeof(f));
		assert_string_equal(v, cases[i][1]);
		assert_string_equal(f, cases[i][2]);
	}
}

static void test_name_check(void **state)
{
	static const char *const good[] = {"6.12.113+deb12-rt-amd64", "my_kernel~1", "a"};
	static const char *const bad[] = {"",	    ".hidden", "@list",	   "all",  "a/b", "a b",
					  "6.12.*", "a,b",     "debian:x", "x\ty", "q?"};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(kbtf_profile_name_check(good[i]), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(kbtf_profile_name_check(bad[i]), -EINVAL);
}

/* -------------------------------------------------------------- store */

static void test_add_list_load(void **state)
{
	struct kbtf_store *s = open_store();
	struct kbtf_profile_add_opts o = {.suite = "bookworm", .package_version = "6.12.113-1"};
	const struct kbtf_profile_info *const *list;
	struct kbtf_profile_info info, marker;
	struct fake_kernel f;
	struct kbtf_buf btf;
	char dir[512], path[600], *text;
	size_t len;
	FILE *mf;
	size_t n;

	fake_kernel(&f, "6.12.113+deb12-rt-amd64", 50);
	assert_int_equal(kbtf_store_add(s, &f.k, &o, &info), 0);
	assert_string_equal(info.name, "6.12.113+deb12-rt-amd64");
	assert_string_equal(info.version, "6.12.113");
	assert_string_equal(info.flavour, "rt-amd64");
	assert_string_equal(info.suite, "bookworm");
	assert_string_equal(info.arch, "x86_64");
	assert_string_equal(info.origin, "/boot/vmlinuz-6.12.113+deb12-rt-amd64");
	assert_string_equal(info.btf_encoding, "raw");
	assert_int_equal(info.btf_stored, info.btf_size);
	assert_int_equal(info.btf_types, 3 + 50);
	assert_int_equal(info.btf_size, f.k.btf_raw.size);
	assert_true(info.has_config);
	assert_true(info.has_symvers);
	assert_false(info.has_image);

	/* the files a kernel reader opens */
	assert_int_equal(kbtf_store_profile_dir(s, info.name, dir, sizeof(dir)), 0);
	assert_true(kbtf_profile_is_dir(dir));
	assert_int_equal(kbtf_profile_load_btf(dir, &btf), 0);
	/* raw is used in place: mapped, or read whole when that small */
	assert_int_equal(btf.owner, btf.size > KBTF_BUF_READ_MAX ? KBTF_BUF_MMAP : KBTF_BUF_HEAP);
	assert_int_equal(btf.size, f.k.btf_raw.size);
	assert_memory_equal(btf.data, f.k.btf_raw.data, btf.size);
	kbtf_buf_release(&btf);
	snprintf(path, sizeof(path), "%s/release", dir);
	text = read_all(path);
	assert_string_equal(text, "6.12.113+deb12-rt-amd64\n");
	free(text);
	/* config: zstd, byte for byte the kernel's; Module.symvers: in the
	 * index alone, which rebuilds it byte for byte */
	snprintf(path, sizeof(path), "%s/config", dir);
	assert_zstd_text(path, config_text);
	snprintf(path, sizeof(path), "%s/Module.symvers", dir);
	assert_int_equal(access(path, F_OK), -1);
	mf = open_memstream(&text, &len);
	assert_non_null(mf);
	assert_int_equal(kbtf_pindex_print_symvers(dir, mf), 0);
	assert_int_equal(fclose(mf), 0);
	assert_string_equal(text, symvers_text);
	free(text);

	/* the marker says what the add said */
	assert_int_equal(kbtf_profile_read_info(dir, &marker), 0);
	assert_memory_equal(&marker, &info, sizeof(info));

	/* a fresh store object lists it from the index */
	kbtf_store_free(s);
	s = open_store();
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(list[0], &info, sizeof(info));
	assert_non_null(kbtf_store_find(s, "6.12.113+deb12-rt-amd64"));
	assert_null(kbtf_store_find(s, "6.12.113+deb12-amd64"));
	assert_int_equal(count_entries(storedir, ".tmp-"), 0);
	fake_kernel_release(&f);
	kbtf_store_free(s);
}

static void test_lz4_encoding(void **state)
{
	struct kbtf_profile_add_opts o = {.compress = true, .name = "packed"};
	struct kbtf_store *s = open_store();
	struct kbtf_profile_info info;
	struct fake_kernel f;
	struct kbtf_buf btf;
	char dir[512];

	fake_kernel(&f, "6.1.0-56-amd64", 500);
	assert_int_equal(kbtf_store_add(s, &f.k, &o, &info), 0);
	assert_string_equal(info.name, "packed");
	assert_string_equal(info.release, "6.1.0-56-amd64");
	assert_string_equal(info.btf_encoding, "lz4");
	assert_int_equal(info.btf_size, f.k.btf_raw.size);
	assert_true(info.btf_stored < info.btf_size / 2);
	assert_int_equal(kbtf_store_profile_dir(s, "packed", dir, sizeof(dir)), 0);
	assert_int_equal(kbtf_profile_load_btf(dir, &btf), 0);
	assert_int_equal(btf.owner, KBTF_BUF_HEAP);
	assert_int_equal(btf.size, f.k.btf_raw.size);
	assert_memory_equal(btf.data, f.k.btf_raw.data, btf.size);
	kbtf_buf_release(&btf);
	fake_kernel_release(&f);
	kbtf_store_free(s);
}

static void test_sorted_by_version(void **state)
{
	const struct kbtf_profile_info *const *list;
	struct kbtf_store *s = open_store();
	size_t n;

	add_ok(s, "6.12.113+deb12-amd64", "bookworm");
	add_ok(s, "6.1.0-56-amd64", "bookworm");
	add_ok(s, "6.12.9+deb12-amd64", "bookworm");
	add_ok(s, "6.1.0-9-amd64", "bookworm");
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(list[0]->name, "6.1.0-9-amd64");
	assert_string_equal(list[1]->name, "6.1.0-56-amd64");
	assert_string_equal(list[2]->name, "6.12.9+deb12-amd64");
	assert_string_equal(list[3]->name, "6.12.113+deb12-amd64");
	kbtf_store_free(s);
}

static void test_replace_and_remove(void **state)
{
	const struct kbtf_profile_info *const *list;
	struct kbtf_store *s = open_store();
	struct kbtf_profile_add_opts o = {.replace = true, .suite = "trixie"};
	struct fake_kernel f;
	size_t n;

	add_ok(s, "6.12.94+deb13-amd64", "bookworm");
	fake_kernel(&f, "6.12.94+deb13-amd64", 7);
	assert_int_equal(kbtf_store_add(s, &f.k, NULL, NULL), -EEXIST);
	assert_non_null(strstr(kbtf_errstr(), "6.12.94+deb13-amd64"));
	assert_int_equal(kbtf_store_add(s, &f.k, &o, NULL), 0);
	fake_kernel_release(&f);
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0]->suite, "trixie");
	assert_int_equal(list[0]->btf_types, 3 + 7);
	assert_int_equal(count_entries(storedir, ".tmp-"), 0);

	assert_int_equal(kbtf_store_remove(s, "6.12.94+deb13-amd64"), 0);
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(count_entries(storedir, "6.12"), 0);
	assert_int_equal(count_entries(storedir, ".rm-"), 0);
	assert_int_equal(kbtf_store_remove(s, "6.12.94+deb13-amd64"), -ENOENT);
	assert_int_equal(kbtf_store_remove(s, "../etc"), -EINVAL);
	kbtf_store_free(s);
}

/* kbtf_store_remove_many()'s report, one line per name. */
static void record_done(const char *name, int err, void *ctx)
{
	char *log = ctx;
	size_t len = strlen(log);

	snprintf(log + len, 512 - len, "%s %d\n", name, err);
}

/*
 * Several profiles removed under one lock: each name told, a name that
 * is not there (or not a name) told as such without stopping the others,
 * the list written once with the rest, and the first error returned.
 */
static void test_remove_many(void **state)
{
	const struct kbtf_profile_info *const *list;
	struct kbtf_store *s = open_store();
	const char *names[] = {"6.1.0-56-amd64", "6.1.0-9-amd64", "nosuch", "../etc",
			       "6.12.9+deb12-amd64"};
	char log[512] = "";
	size_t n;

	add_ok(s, "6.12.113+deb12-amd64", "bookworm");
	add_ok(s, "6.1.0-56-amd64", "bookworm");
	add_ok(s, "6.12.9+deb12-amd64", "bookworm");
	add_ok(s, "6.1.0-9-amd64", "bookworm");
	assert_int_equal(kbtf_store_remove_many(s, names, 5, record_done, log), -ENOENT);
	assert_string_equal(log, "6.1.0-56-amd64 0\n6.1.0-9-amd64 0\nnosuch -2\n../etc -22\n"
				 "6.12.9+deb12-amd64 0\n");
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0]->name, "6.12.113+deb12-amd64");
	assert_int_equal(count_entries(storedir, "6.1."), 0);
	assert_int_equal(count_entries(storedir, ".rm-"), 0);
	kbtf_store_free(s);
	/* what a fresh open reads: the list as written */
	s = open_store();
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(kbtf_store_remove_many(s, names, 0, NULL, NULL), 0);
	kbtf_store_free(s);
}

static void test_index_rebuilt(void **state)
{
	const struct kbtf_profile_info *const *list;
	struct kbtf_store *s = open_store();
	char path[600], *marker;
	struct stat st;
	size_t n;

	add_ok(s, "6.1.0-50-amd64", "bookworm");
	add_ok(s, "6.1.0-51-amd64", "bookworm");
	add_ok(s, "6.1.0-52-amd64", "bookworm");

	/* the index answers, not the markers: a damaged marker goes unseen */
	snprintf(path, sizeof(path), "%s/6.1.0-52-amd64/kbtf-profile", storedir);
	marker = read_all(path);
	write_text(path, "damaged\n");
	kbtf_store_free(s);
	s = open_store();
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[2]->name, "6.1.0-52-amd64");
	write_text(path, marker);
	free(marker);

	/* no index: the markers answer, and the index comes back */
	snprintf(path, sizeof(path), "%s/.index", storedir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(stat(path, &st), 0);

	/* a damaged index */
	write_text(path, "# kbtf-kernels-index 1 name\nrubbish\n");
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(list[2]->btf_types, 3 + 3);
	assert_string_equal(list[2]->suite, "bookworm");

	/* a profile removed behind the store's back */
	snprintf(path, sizeof(path), "%s/6.1.0-51-amd64", storedir);
	assert_int_equal(kbtf_rm_rf(path), 0);
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->name, "6.1.0-50-amd64");
	assert_string_equal(list[1]->name, "6.1.0-52-amd64");

	/* a directory that is not a profile is not listed */
	snprintf(path, sizeof(path), "%s/stray", storedir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 2);
	kbtf_store_free(s);
}

static void test_empty_store(void **state)
{
	const struct kbtf_profile_info *const *list;
	const struct kbtf_profile_info **set;
	struct kbtf_store *s = open_store();
	size_t n;

	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(kbtf_store_resolve(s, "all", &set, &n), -ENOENT);
	assert_non_null(strstr(kbtf_errstr(), "'all'"));
	kbtf_store_free(s);
}

/* A kernel the store must refuse, leaving nothing behind. */
static void add_refused(struct kbtf_kernel *k, const struct kbtf_profile_add_opts *o, int want,
			const char *says)
{
	struct kbtf_store *s = open_store();
	const struct kbtf_profile_info *const *list;
	size_t n;

	assert_int_equal(kbtf_store_add(s, k, o, NULL), want);
	if (!strstr(kbtf_errstr(), says))
		fail_msg("error '%s' does not say '%s'", kbtf_errstr(), says);
	assert_int_equal(count_entries(storedir, ".tmp-"), 0);
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 0);
	kbtf_store_free(s);
}

static void test_bad_kernels(void **state)
{
	struct kbtf_profile_add_opts bad_name = {.name = "a/b"};
	struct kbtf_profile_add_opts bad_symvers = {.symvers = NULL};
	struct kbtf_builder *b;
	struct fake_kernel f;
	struct kbtf_buf base, split;
	struct kbtf_btf *basebtf;
	char path[320];

	fake_kernel(&f, "6.1.0-56-amd64", 1);
	add_refused(&f.k, &bad_name, -EINVAL, "a/b");

	f.k.release = NULL;
	add_refused(&f.k, NULL, -EINVAL, "give the profile a name");
	f.k.release = f.release;

	snprintf(path, sizeof(path), "%s/bad.symvers", tmpdir);
	write_text(path, "this is not a symvers file\n");
	bad_symvers.symvers = path;
	add_refused(&f.k, &bad_symvers, -EINVAL, "not a Module.symvers");

	/* garbage instead of BTF (and no parse of the old bytes kept) */
	kbtf_btf_free(f.k.btf);
	f.k.btf = NULL;
	memset(f.k.btf_raw.data, 0x5a, f.k.btf_raw.size);
	add_refused(&f.k, NULL, -EINVAL, "/boot/vmlinuz-6.1.0-56-amd64");
	fake_kernel_release(&f);

	/* no BTF at all */
	fake_kernel(&f, "6.1.0-56-amd64", 1);
	kbtf_buf_release(&f.k.btf_raw);
	add_refused(&f.k, NULL, -ENODATA, "no BTF");

	/* a split BTF is a module's, not a kernel's */
	make_btf(&base, 0);
	assert_int_equal(kbtf_btf_parse(base.data, base.size, NULL, &basebtf), 0);
	b = kbtf_builder_new(basebtf);
	assert_true(kbtf_builder_add_typedef(b, "int_t", 1) > 0);
	assert_int_equal(kbtf_builder_write(b, NULL, &split), 0);
	kbtf_builder_free(b);
	f.k.btf_raw = split;
	add_refused(&f.k, NULL, -EINVAL, "");
	kbtf_btf_free(basebtf);
	kbtf_buf_release(&base);
	fake_kernel_release(&f);
}

/* A stacked kernel: stored with its layer beside the BTF, read back whole. */
static void test_layers_stored(void **state)
{
	struct kbtf_store *s = open_store();
	const struct kbtf_profile_info *found;
	struct kbtf_profile_info info;
	struct kbtf_builder *b;
	struct fake_kernel f;
	struct kbtf_kernel *k;
	struct kbtf_buf layer, stored;
	char dir[512], path[600];
	size_t i;

	fake_kernel(&f, "6.20.0-vars", 2); /* 5 types */
	b = kbtf_builder_new(kbtf_kernel_btf(&f.k));
	assert_int_equal(kbtf_builder_add_struct(b, "vars_only", 4), 6);
	assert_int_equal(kbtf_builder_add_member(b, "v", 1, 0, 0), 0);
	assert_int_equal(kbtf_builder_add_var(b, "kbtf_counter", 6, BTF_VAR_GLOBAL_ALLOCATED), 7);
	assert_int_equal(kbtf_builder_write(b, NULL, &layer), 0);
	kbtf_builder_free(b);
	assert_int_equal(kbtf_kernel_add_layer_buf(&f.k, layer.data, layer.size, "vmlinux.vars"),
			 0);

	assert_int_equal(kbtf_store_add(s, &f.k, NULL, &info), 0);
	assert_int_equal(info.btf_types, 7);
	assert_int_equal(info.btf_layers, 1);
	assert_int_equal(info.btf_size, f.k.btf_raw.size + layer.size);
	kbtf_store_profile_dir(s, info.name, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/" KBTF_PROFILE_LAYER "1", dir);
	assert_int_equal(kbtf_buf_from_file(path, &stored), 0);
	assert_int_equal(stored.size, layer.size);
	assert_memory_equal(stored.data, layer.data, layer.size);
	kbtf_buf_release(&stored);
	kbtf_store_free(s);

	/* the index and the kernel reader both see the stack */
	s = open_store();
	found = kbtf_store_find(s, "6.20.0-vars");
	assert_non_null(found);
	assert_int_equal(found->btf_layers, 1);
	assert_int_equal(found->btf_types, 7);
	kbtf_store_free(s);
	assert_int_equal(kbtf_kernel_open(dir, NULL, &k), 0);
	assert_int_equal(k->nr_layers, 1);
	assert_non_null(strstr(k->layers[0].from, KBTF_PROFILE_LAYER "1"));
	assert_int_equal(kbtf_kernel_stack_types(k), 7);
	kbtf_kernel_free(k);

	/* the fake kernel's layer is the test's to free, top first */
	for (i = f.k.nr_layers; i-- > 0;) {
		kbtf_btf_free(f.k.layers[i].btf);
		kbtf_buf_release(&f.k.layers[i].raw);
		free(f.k.layers[i].from);
	}
	free(f.k.layers);
	kbtf_buf_release(&layer);
	fake_kernel_release(&f);
}

static void test_corrupt_btf_file(void **state)
{
	struct kbtf_profile_add_opts o = {.compress = true};
	struct kbtf_store *s = open_store();
	struct fake_kernel f;
	struct kbtf_buf btf;
	char dir[512], path[600];

	fake_kernel(&f, "6.12.113+deb12-amd64", 2000);
	assert_int_equal(kbtf_store_add(s, &f.k, &o, NULL), 0);
	fake_kernel_release(&f);
	assert_int_equal(kbtf_store_profile_dir(s, "6.12.113+deb12-amd64", dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/btf", dir);
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(kbtf_profile_load_btf(dir, &btf), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "lz4"));
	assert_null(btf.data);
	kbtf_store_free(s);
}

static void test_leftovers_swept(void **state)
{
	struct kbtf_store *s = open_store();
	struct timespec two_hours_ago[2];
	char old_tmp[400], new_tmp[400], old_rm[400];

	add_ok(s, "6.1.0-1-amd64", NULL);
	snprintf(old_tmp, sizeof(old_tmp), "%s/.tmp-crashed", storedir);
	snprintf(new_tmp, sizeof(new_tmp), "%s/.tmp-in-progress", storedir);
	snprintf(old_rm, sizeof(old_rm), "%s/.rm-1-6.1.0-0-amd64", storedir);
	assert_int_equal(mkdir(old_tmp, 0755), 0);
	assert_int_equal(mkdir(new_tmp, 0755), 0);
	assert_int_equal(mkdir(old_rm, 0755), 0);
	two_hours_ago[0].tv_sec = two_hours_ago[1].tv_sec = time(NULL) - 7200;
	two_hours_ago[0].tv_nsec = two_hours_ago[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, old_tmp, two_hours_ago, 0), 0);
	assert_int_equal(utimensat(AT_FDCWD, old_rm, two_hours_ago, 0), 0);
	add_ok(s, "6.1.0-2-amd64", NULL);
	assert_int_equal(access(old_tmp, F_OK), -1);
	assert_int_equal(access(old_rm, F_OK), -1);
	assert_int_equal(access(new_tmp, F_OK), 0); /* someone may be writing it */
	kbtf_store_free(s);
}

/* --------------------------------------------------------------- sets */

static void add_matrix(struct kbtf_store *s)
{
	add_ok(s, "6.1.0-56-amd64", "bookworm");
	add_ok(s, "6.1.0-56-rt-amd64", "bookworm");
	add_ok(s, "6.12.113+deb12-amd64", "bookworm");
	add_ok(s, "6.12.113+deb12-cloud-amd64", "bookworm");
	add_ok(s, "6.12.113+deb12-rt-amd64", "bookworm");
	add_ok(s, "6.12.94+deb13-rt-amd64", "trixie");
	add_ok(s, "7.2.13+deb14-rt-amd64", "sid");
	add_ok(s, "6.6.6-handmade", NULL);
}

static void expect_set(struct kbtf_store *s, const char *set, const char *const *want, size_t nw)
{
	const struct kbtf_profile_info **got;
	size_t n, i;

	if (kbtf_store_resolve(s, set, &got, &n))
		fail_msg("resolve '%s': %s", set, kbtf_errstr());
	if (n != nw) {
		for (i = 0; i < n; i++)
			print_message("  got %s\n", got[i]->name);
		fail_msg("'%s': %zu profiles, expected %zu", set, n, nw);
	}
	for (i = 0; i < n; i++)
		assert_string_equal(got[i]->name, want[i]);
	free(got);
}

static void test_sets(void **state)
{
	static const char *const rt[] = {"6.1.0-56-rt-amd64", "6.12.94+deb13-rt-amd64",
					 "6.12.113+deb12-rt-amd64", "7.2.13+deb14-rt-amd64"};
	static const char *const two[] = {"7.2.13+deb14-rt-amd64", "6.1.0-56-amd64"};
	static const char *const trixie[] = {"6.12.94+deb13-rt-amd64"};
	static const char *const by_suite[] = {"6.12.113+deb12-rt-amd64", "6.12.94+deb13-rt-amd64"};
	static const char *const by_version[] = {"6.12.94+deb13-rt-amd64",
						 "6.12.113+deb12-rt-amd64"};
	static const char *const hand[] = {"6.6.6-handmade"};
	struct kbtf_store *s = open_store();
	const struct kbtf_profile_info **got;
	size_t n;

	add_matrix(s);
	assert_int_equal(kbtf_store_resolve(s, "all", &got, &n), 0);
	assert_int_equal(n, 8);
	free(got);
	expect_set(s, "*-rt-amd64", rt, 4);
	/* order given, duplicates dropped */
	expect_set(s, "7.2.13+deb14-rt-amd64, 6.1.0-56-amd64,7.2.13*", two, 2);
	/* the suite decides between equal globs; items keep their order */
	expect_set(s, "debian/trixie:linux-image-6.12.*", trixie, 1);
	expect_set(s, "debian/bookworm:6.12.*-rt-amd64,debian/trixie:6.12.*-rt-amd64", by_suite, 2);
	expect_set(s, "6.12.*-rt-amd64", by_version, 2);
	/* a hand-added profile has no suite: any suite's spec may name it */
	expect_set(s, "debian/sid:linux-image-6.6.6-handmade", hand, 1);
	kbtf_store_free(s);
}

static void test_set_default_suite(void **state)
{
	static const char *const want[] = {"6.12.113+deb12-amd64", "6.12.113+deb12-cloud-amd64",
					   "6.12.113+deb12-rt-amd64"};
	struct kbtf_store *s = open_store();

	add_matrix(s);
	expect_set(s, "debian:linux-image-6.12.113+deb12-*", want, 3);
	kbtf_store_free(s);
}

static void test_set_files(void **state)
{
	static const char *const want[] = {"6.1.0-56-amd64", "6.12.113+deb12-amd64",
					   "6.12.113+deb12-cloud-amd64", "7.2.13+deb14-rt-amd64"};
	struct kbtf_store *s = open_store();
	char main_list[400], sub[400], subdir[300], set[420];

	add_matrix(s);
	snprintf(subdir, sizeof(subdir), "%s/lists", tmpdir);
	assert_int_equal(mkdir(subdir, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/sid.list", subdir);
	write_text(sub, "# sid\n  debian/sid:linux-image-7.2.13+deb14-rt-amd64   # the rt one\n");
	snprintf(main_list, sizeof(main_list), "%s/all.list", subdir);
	write_text(main_list, "# the lot\n\n6.1.0-56-amd64\n"
			      "debian/bookworm:linux-image-6.12.113+deb12-amd64\n"
			      "debian/bookworm:linux-image-6.12.113+deb12-cloud-amd64\n"
			      "@sid.list\n");
	snprintf(set, sizeof(set), "@%s", main_list);
	expect_set(s, set, want, 4);
	kbtf_store_free(s);
}

static void test_set_errors(void **state)
{
	const struct kbtf_profile_info **got = NULL;
	struct kbtf_store *s = open_store();
	char list[320], set[340];
	size_t n;

	add_matrix(s);
	assert_int_equal(kbtf_store_resolve(s, "6.12.*-rt-amd64,5.10.*,9.9.9", &got, &n), -ENOENT);
	assert_null(got);
	assert_non_null(strstr(kbtf_errstr(), "'5.10.*'"));
	assert_non_null(strstr(kbtf_errstr(), "'9.9.9'"));
	assert_null(strstr(kbtf_errstr(), "'6.12.*-rt-amd64'"));
	assert_non_null(strstr(kbtf_errstr(), "2 items"));

	/* a list line names its file and line */
	snprintf(list, sizeof(list), "%s/l.list", tmpdir);
	write_text(list, "6.1.0-56-amd64\n\ndebian/trixie:linux-image-6.1.0-56-amd64\n");
	snprintf(set, sizeof(set), "@%s", list);
	assert_int_equal(kbtf_store_resolve(s, set, &got, &n), -ENOENT);
	assert_non_null(strstr(kbtf_errstr(), "l.list:3"));

	assert_int_equal(kbtf_store_resolve(s, "@/nonexistent/list", &got, &n), -ENOENT);
	assert_non_null(strstr(kbtf_errstr(), "/nonexistent/list"));
	assert_int_equal(kbtf_store_resolve(s, "", &got, &n), -EINVAL);
	assert_int_equal(kbtf_store_resolve(s, " , ", &got, &n), -ENOENT);
	assert_int_equal(kbtf_store_resolve(s, "debian/:x", &got, &n), -EINVAL);

	/* a list that includes itself */
	write_text(list, "@l.list\n");
	assert_int_equal(kbtf_store_resolve(s, set, &got, &n), -ELOOP);
	kbtf_store_free(s);
}

static void test_resolve_paths(void **state)
{
	struct kbtf_store *s;
	char **paths;
	char cache_store[320], want[400];
	size_t n;

	/* the default store is $XDG_CACHE_HOME/kbtf/kernels */
	snprintf(cache_store, sizeof(cache_store), "%s/kbtf/kernels", tmpdir);
	assert_int_equal(kbtf_store_open(NULL, &s), 0);
	assert_string_equal(kbtf_store_root(s), cache_store);
	add_ok(s, "6.12.113+deb12-amd64", "bookworm");
	add_ok(s, "6.12.113+deb12-rt-amd64", "bookworm");
	kbtf_store_free(s);

	assert_int_equal(kbtf_profile_resolve_set("*-rt-amd64", &paths, &n), 0);
	assert_int_equal(n, 1);
	snprintf(want, sizeof(want), "%s/6.12.113+deb12-rt-amd64", cache_store);
	assert_string_equal(paths[0], want);
	assert_true(kbtf_profile_is_dir(paths[0]));
	kbtf_profile_paths_free(paths, n);
	assert_int_equal(kbtf_profile_resolve_set("nothing-*", &paths, &n), -ENOENT);
	assert_null(paths);
}

static void test_spec_parse(void **state)
{
	char suite[32], rel[64];

	assert_int_equal(kbtf_debian_spec_parse("debian:linux-image-6.1.0-*-amd64", suite,
						sizeof(suite), rel, sizeof(rel)),
			 0);
	assert_string_equal(suite, "bookworm");
	assert_string_equal(rel, "6.1.0-*-amd64");
	assert_int_equal(kbtf_debian_spec_parse("debian/sid:linux-binary-7.2.13+deb14-amd64", suite,
						sizeof(suite), rel, sizeof(rel)),
			 0);
	assert_string_equal(suite, "sid");
	assert_string_equal(rel, "7.2.13+deb14-amd64");
	assert_int_equal(
	    kbtf_debian_spec_parse("debian/trixie:6.12.*", suite, sizeof(suite), rel, sizeof(rel)),
	    0);
	assert_string_equal(suite, "trixie");
	assert_string_equal(rel, "6.12.*");
	assert_int_equal(
	    kbtf_debian_spec_parse("ubuntu:linux-image-x", suite, sizeof(suite), rel, sizeof(rel)),
	    -EINVAL);
	assert_int_equal(
	    kbtf_debian_spec_parse("debian:linux-image-", suite, sizeof(suite), rel, sizeof(rel)),
	    -EINVAL);
	assert_int_equal(kbtf_debian_spec_parse("debian", suite, sizeof(suite), rel, sizeof(rel)),
			 -EINVAL);
}

/* ------------------------------------------------------------ threads */

struct adder {
	struct kbtf_store *s;
	int first;
	int err;
};

static void *add_many(void *arg)
{
	struct adder *a = arg;
	struct kbtf_kernel k;
	char rel[64];
	int i;

	for (i = a->first; i < a->first + 6 && !a->err; i++) {
		memset(&k, 0, sizeof(k));
		snprintf(rel, sizeof(rel), "6.1.0-%d-amd64", i);
		k.source = rel;
		k.release = rel;
		make_btf(&k.btf_raw, (unsigned int)i);
		a->err = kbtf_store_add(a->s, &k, NULL, NULL);
		kbtf_btf_free(k.btf);
		kbtf_buf_release(&k.btf_raw);
	}
	return NULL;
}

static void test_concurrent_adds(void **state)
{
	const struct kbtf_profile_info *const *list;
	struct adder a[3];
	pthread_t t[3];
	struct kbtf_store *s = open_store(), *other = open_store();
	size_t n;
	int i;

	/* two threads on one store object, one on another (a second process's view) */
	for (i = 0; i < 3; i++) {
		a[i] = (struct adder){.s = i == 2 ? other : s, .first = 10 + 6 * i};
		assert_int_equal(pthread_create(&t[i], NULL, add_many, &a[i]), 0);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(a[i].err, 0);
	}
	kbtf_store_free(other);
	assert_int_equal(kbtf_store_list(s, &list, &n), 0);
	assert_int_equal(n, 18);
	assert_string_equal(list[0]->name, "6.1.0-10-amd64");
	assert_int_equal(list[0]->btf_types, 13);
	assert_string_equal(list[17]->name, "6.1.0-27-amd64");
	kbtf_store_free(s);
}

/* --------------------------------------------------------- real BTF */

static void test_real_vmlinux_btf(void **state)
{
	struct kbtf_profile_add_opts o = {.compress = true};
	struct kbtf_store *s;
	struct kbtf_profile_info info;
	struct kbtf_kernel k;
	struct kbtf_buf raw, back;
	struct kbtf_btf *btf;
	char dir[512];

	if (kbtf_buf_from_file("/sys/kernel/btf/vmlinux", &raw)) {
		skip();
		return;
	}
	s = open_store();
	memset(&k, 0, sizeof(k));
	k.source = "/sys/kernel/btf/vmlinux";
	k.release = "running";
	k.btf_raw = raw;
	assert_int_equal(kbtf_store_add(s, &k, &o, &info), 0);
	/* more than one 4 MB LZ4 block, and it must pay */
	assert_true(info.btf_size > 4u << 20);
	assert_true(info.btf_stored * 2 < info.btf_size);
	assert_int_equal(kbtf_btf_parse(raw.data, raw.size, NULL, &btf), 0);
	assert_int_equal(info.btf_types, kbtf_btf_type_cnt(btf) - 1);
	kbtf_btf_free(btf);
	kbtf_btf_free(k.btf);
	assert_int_equal(kbtf_store_profile_dir(s, "running", dir, sizeof(dir)), 0);
	assert_int_equal(kbtf_profile_load_btf(dir, &back), 0);
	assert_int_equal(back.size, raw.size);
	assert_memory_equal(back.data, raw.data, raw.size);
	kbtf_buf_release(&back);
	kbtf_buf_release(&raw);
	kbtf_store_free(s);
}

/* ------------------------------------------------------ references */

static void add_delta(struct kbtf_store *s, const char *release, const char *name,
		      unsigned int extra, struct kbtf_profile_info *info)
{
	struct kbtf_profile_add_opts o = {.name = name, .suite = "bookworm", .delta = true};
	struct fake_kernel f;

	fake_kernel(&f, release, extra);
	if (kbtf_store_add(s, &f.k, &o, info))
		fail_msg("add %s: %s", release, kbtf_errstr());
	fake_kernel_release(&f);
}

static ino_t btf_ino(struct kbtf_store *s, const char *name, const char *file)
{
	char dir[512], path[600];
	struct stat st;

	assert_int_equal(kbtf_store_profile_dir(s, name, dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/*
 * A delta's reference is known as one (kbtf kernels repack leaves it
 * raw), until its last delta goes; the same BTF under another name stays
 * raw and shares the reference's object rather than becoming a delta.
 */
static void test_references(void **state)
{
	struct kbtf_store *s = open_store();
	struct kbtf_profile_info a, b, c;

	add_delta(s, "6.12.113+deb12-amd64", NULL, 400, &a);
	add_delta(s, "6.12.117+deb12-amd64", NULL, 401, &b);
	assert_string_equal(a.btf_encoding, "raw");
	assert_string_equal(b.btf_encoding, "delta");
	assert_true(kbtf_store_is_reference(s, a.name));
	assert_false(kbtf_store_is_reference(s, b.name));
	assert_true(kbtf_store_is_reference(s, "not-stored")); /* unknown: left alone */

	add_delta(s, "6.12.113+deb12-amd64", "again", 400, &c);
	assert_string_equal(c.btf_encoding, "raw");
	assert_int_equal(btf_ino(s, "again", KBTF_PROFILE_BTF),
			 btf_ino(s, a.name, KBTF_PROFILE_BTF));
	/* its file is the reference's object: repack leaves it, it costs nothing */
	assert_true(kbtf_store_is_reference(s, "again"));

	assert_int_equal(kbtf_store_remove(s, b.name), 0);
	assert_false(kbtf_store_is_reference(s, a.name));
	kbtf_store_free(s);
}

/* ------------------------------------------------------ config deltas */

/* A config of @n options, the @changed-th set to "m" (none: n or more). */
static char *big_config(unsigned int n, unsigned int changed)
{
	size_t cap = (size_t)n * 40 + 1, len = 0;
	char *t = malloc(cap);
	unsigned int i;

	assert_non_null(t);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(t + len, cap - len, "CONFIG_OPTION_NUMBER_%u=%s\n", i,
					i == changed ? "m" : "y");
	return t;
}

static void add_with_config(struct kbtf_store *s, const char *release, const char *config,
			    unsigned int extra, struct kbtf_profile_info *info)
{
	struct kbtf_profile_add_opts o = {.suite = "bookworm", .delta = true};
	struct fake_kernel f;

	fake_kernel(&f, release, extra);
	f.k.config = (char *)config;
	f.k.config_len = strlen(config);
	if (kbtf_store_add(s, &f.k, &o, info))
		fail_msg("add %s: %s", release, kbtf_errstr());
	fake_kernel_release(&f);
}

static void assert_config_reads(const char *dir, const char *want)
{
	struct kbtf_kernel *k = NULL;
	char *text = NULL;
	size_t len = 0;

	if (kbtf_profile_read_config(dir, &text, &len))
		fail_msg("read config of %s: %s", dir, kbtf_errstr());
	assert_int_equal(len, strlen(want));
	assert_memory_equal(text, want, len);
	free(text);
	/* and the kernel reader, which the judges' full way uses */
	if (kbtf_kernel_open(dir, NULL, &k))
		fail_msg("open %s: %s", dir, kbtf_errstr());
	assert_int_equal(k->config_len, strlen(want));
	assert_memory_equal(k->config, want, k->config_len);
	kbtf_kernel_free(k);
}

static int read_config_err(const char *dir)
{
	char *text = NULL;
	size_t len = 0;
	int err = kbtf_profile_read_config(dir, &text, &len);

	free(text);
	kbtf_err_clear();
	return err;
}

static void test_config_delta(void **state)
{
	struct kbtf_store *s = open_store();
	struct kbtf_profile_info a, b;
	char *ca = big_config(4000, 4000), *cb = big_config(4000, 17), dir[512], path[600],
	     ref[600], *text;
	struct kbtf_buf file, whole;
	struct stat st_obj, st_ref;
	size_t len;

	add_with_config(s, "6.12.113+deb12-amd64", ca, 400, &a);
	add_with_config(s, "6.12.117+deb12-amd64", cb, 401, &b);
	assert_string_equal(a.btf_encoding, "raw");
	assert_string_equal(b.btf_encoding, "delta");

	/* the reference's config stays whole; the other's is a small delta
	 * against a link to it */
	assert_int_equal(kbtf_store_profile_dir(s, a.name, dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/config", dir);
	assert_zstd_text(path, ca);
	assert_int_equal(stat(path, &st_obj), 0);
	assert_int_equal(kbtf_store_profile_dir(s, b.name, dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/config", dir);
	snprintf(ref, sizeof(ref), "%s/config.ref", dir);
	assert_int_equal(stat(ref, &st_ref), 0);
	assert_int_equal(st_ref.st_ino, st_obj.st_ino);
	assert_int_equal(kbtf_buf_from_file(path, &whole), 0);
	assert_int_equal(kbtf_buf_dup(whole.data, whole.size, &file), 0); /* writable */
	kbtf_buf_release(&whole);
	assert_true(kbtf_profile_config_is_delta(file.data, file.size));
	assert_true(file.size * 10 < (size_t)st_obj.st_size);
	assert_config_reads(dir, cb);

	/* a config reader that does not know the profile refuses it */
	assert_int_equal(kbtf_kconfig_read_file(path, &text, &len), -EINVAL);
	kbtf_err_clear();

	/* the reference removed: the link keeps what the delta needs */
	assert_int_equal(kbtf_store_remove(s, a.name), 0);
	assert_config_reads(dir, cb);

	/* damage: every byte of the delta flipped, the reference missing or
	 * another config: an error, never another text */
	for (size_t i = 0; i < file.size; i++) {
		uint8_t *d = (uint8_t *)file.data;
		char *got = NULL;
		size_t got_len = 0;

		d[i] ^= 0x20;
		assert_int_equal(kbtf_write_file_atomic(path, file.data, file.size, 0644), 0);
		if (!kbtf_profile_read_config(dir, &got, &got_len)) {
			/* a flip zstd(1) would skip too: the skippable frame's
			 * reserved word; the text is still the kernel's */
			assert_int_equal(got_len, strlen(cb));
			assert_memory_equal(got, cb, got_len);
		}
		free(got);
		kbtf_err_clear();
		d[i] ^= 0x20;
	}
	assert_int_equal(kbtf_write_file_atomic(path, file.data, file.size, 0644), 0);
	assert_int_equal(kbtf_write_file_atomic(path, file.data, file.size - 1, 0644), 0);
	assert_int_equal(read_config_err(dir), -EINVAL);
	assert_int_equal(kbtf_write_file_atomic(path, file.data, file.size, 0644), 0);
	assert_int_equal(rename(ref, path), 0); /* now config is the whole reference */
	assert_config_reads(dir, ca);
	assert_int_equal(kbtf_write_file_atomic(path, file.data, file.size, 0644), 0);
	assert_int_equal(read_config_err(dir), -EINVAL); /* config.ref missing */
	write_text(ref, cb);				 /* another config */
	assert_int_equal(read_config_err(dir), -EINVAL);
	kbtf_buf_release(&file);
	free(ca);
	free(cb);
	kbtf_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_release_split),
	    cmocka_unit_test(test_name_check),
	    cmocka_unit_test(test_spec_parse),
	    cmocka_unit_test_setup_teardown(test_add_list_load, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lz4_encoding, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_delta, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_references, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sorted_by_version, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replace_and_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_index_rebuilt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_store, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_kernels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_btf_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_leftovers_swept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_default_suite, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_adds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_layers_stored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_real_vmlinux_btf, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
