// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The private apt configuration, without the network: what sources.list a
 * suite gets (released suites read -updates and -security, sid does not;
 * mirrors from the environment), that it is rewritten when the mirror
 * changes, that bad and unknown suite names are refused, and package versions out of
 * .deb file names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "profile_apt.h"
#include "kbtf/buf.h"
#include "kbtf/err.h"
#include "util.h"

static char tmpdir[128];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kbtf-test-apt.XXXXXX");
	unsetenv("KBTF_DEBIAN_MIRROR");
	unsetenv("KBTF_DEBIAN_SECURITY_MIRROR");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	kbtf_rm_rf(tmpdir);
	return 0;
}

static char *sources_of(const char *suite)
{
	char path[256], *text;
	struct kbtf_buf b;

	snprintf(path, sizeof(path), "%s/apt/%s/sources.list", tmpdir, suite);
	assert_int_equal(kbtf_buf_from_file(path, &b), 0);
	text = calloc(1, b.size + 1);
	assert_non_null(text);
	memcpy(text, b.data, b.size);
	kbtf_buf_release(&b);
	return text;
}

static void test_released_suite(void **state)
{
	struct kbtf_apt *a;
	struct stat st;
	char *text, path[256];

	assert_int_equal(kbtf_apt_open(tmpdir, "bookworm", &a), 0);
	assert_string_equal(kbtf_apt_suite(a), "bookworm");
	kbtf_apt_free(a);
	text = sources_of("bookworm");
	assert_string_equal(text, "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
				  "http://deb.debian.org/debian bookworm main\n"
				  "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
				  "http://deb.debian.org/debian bookworm-updates main\n"
				  "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
				  "http://deb.debian.org/debian-security bookworm-security main\n");
	free(text);
	/* what apt needs besides: lists, cache, an empty status */
	snprintf(path, sizeof(path), "%s/apt/bookworm/lists/partial", tmpdir);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/apt/bookworm/cache/archives/partial", tmpdir);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/apt/bookworm/status", tmpdir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void test_sid_and_mirrors(void **state)
{
	struct kbtf_apt *a;
	char *text, stamp[256];
	FILE *f;

	setenv("KBTF_DEBIAN_MIRROR", "http://mirror.example/debian", 1);
	assert_int_equal(kbtf_apt_open(tmpdir, "sid", &a), 0);
	kbtf_apt_free(a);
	text = sources_of("sid");
	assert_string_equal(text, "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
				  "http://mirror.example/debian sid main\n");
	free(text);

	/* the security mirror follows the archive mirror unless told */
	assert_int_equal(kbtf_apt_open(tmpdir, "trixie", &a), 0);
	kbtf_apt_free(a);
	text = sources_of("trixie");
	assert_non_null(strstr(text, "http://mirror.example/debian-security trixie-security"));
	free(text);

	/* another mirror rewrites the list and forgets the lists' freshness */
	snprintf(stamp, sizeof(stamp), "%s/apt/trixie/updated", tmpdir);
	f = fopen(stamp, "w");
	assert_non_null(f);
	fclose(f);
	setenv("KBTF_DEBIAN_SECURITY_MIRROR", "http://sec.example/ds", 1);
	assert_int_equal(kbtf_apt_open(tmpdir, "trixie", &a), 0);
	kbtf_apt_free(a);
	text = sources_of("trixie");
	assert_non_null(strstr(text, "http://sec.example/ds trixie-security main"));
	free(text);
	assert_int_equal(access(stamp, F_OK), -1);
	unsetenv("KBTF_DEBIAN_MIRROR");
	unsetenv("KBTF_DEBIAN_SECURITY_MIRROR");
}

static void test_bad_suites(void **state)
{
	static const char *const bad[] = {
	    "", "../etc", "Bookworm", "a b", "x/y", "waytoolongsuitenameforanydebianrelease"};
	struct kbtf_apt *a = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kbtf_apt_open(tmpdir, bad[i], &a), -EINVAL);
		assert_non_null(strstr(kbtf_errstr(), "suite"));
	}
	assert_null(a);
}

/*
 * A well-formed name Debian has no suite for (a typo) is refused before
 * anything is written, saying so and listing the suites kbtf knows;
 * aliases are known.
 */
static void test_unknown_suite(void **state)
{
	static const char *const typos[] = {"trixi", "bookwork", "bullseye-backports", "buster"};
	static const char *const aliases[] = {"stable", "testing", "unstable"};
	struct kbtf_apt *a = NULL;
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(typos) / sizeof(typos[0]); i++) {
		assert_int_equal(kbtf_apt_open(tmpdir, typos[i], &a), -EINVAL);
		snprintf(path, sizeof(path), "unknown suite '%s'", typos[i]);
		assert_non_null(strstr(kbtf_errstr(), path));
		assert_non_null(strstr(kbtf_errstr(), "bookworm"));
		assert_non_null(strstr(kbtf_errstr(), "trixie"));
		assert_non_null(strstr(kbtf_errstr(), "sid"));
	}
	assert_null(a);
	snprintf(path, sizeof(path), "%s/apt", tmpdir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(kbtf_apt_open(tmpdir, "trixi", &a), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "did you mean 'trixie'"));

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		assert_int_equal(kbtf_apt_open(tmpdir, aliases[i], &a), 0);
		kbtf_apt_free(a);
	}
}

static void test_deb_name_version(void **state)
{
	char v[64];

	assert_int_equal(kbtf_deb_name_version("/x/linux-image-6.12.113+deb12-amd64_"
					       "6.12.113-1~deb12u1_amd64.deb",
					       v, sizeof(v)),
			 0);
	assert_string_equal(v, "6.12.113-1~deb12u1");
	assert_int_equal(kbtf_deb_name_version("libbpf-dev_1%3a1.5.0-3_amd64.deb", v, sizeof(v)),
			 0);
	assert_string_equal(v, "1:1.5.0-3");
	assert_int_equal(kbtf_deb_name_version("/a_b/noversion.deb", v, sizeof(v)), -EINVAL);
	assert_int_equal(kbtf_deb_name_version("pkg_1.0.deb", v, sizeof(v)), -EINVAL);
	/* truncated to the buffer, never past it */
	assert_int_equal(kbtf_deb_name_version("p_123456789_all.deb", v, 4), 0);
	assert_string_equal(v, "123");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_released_suite, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sid_and_mirrors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_suites, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_suite, setup, teardown),
	    cmocka_unit_test(test_deb_name_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
