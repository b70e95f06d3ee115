// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Temporary names that carry the pid, and the sweep of what a killed run
 * left (kbtf_cleanup_template(), kbtf_cleanup_sweep(), sdk/lib/cleanup.c):
 * only names of that exact shape whose process is gone are removed, a
 * directory with its files; a live process's, the old pid-less names and
 * other files stay.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cleanup.h"

static char dir[64];

/* the pid of a process that has come and gone */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (!pid)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void touch(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static bool exists(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void test_template(void **state)
{
	char buf[64], want[64];

	assert_int_equal(kbtf_cleanup_template(buf, sizeof(buf), "m.ko.kbtf-"), 0);
	snprintf(want, sizeof(want), "m.ko.kbtf-%ld-XXXXXX", (long)getpid());
	assert_string_equal(buf, want);
	assert_int_equal(kbtf_cleanup_template(buf, 8, "m.ko.kbtf-"), -ENAMETOOLONG);
}

static void test_sweep(void **state)
{
	char dead[64], live[64], shortname[64], sub[128], inner[160];
	pid_t pid = dead_pid();

	strcpy(dir, "/tmp/kbtf-test-cleanup-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(dead, sizeof(dead), "m.ko.kbtf-%ld-abcdef", (long)pid);
	snprintf(live, sizeof(live), "m.ko.kbtf-%ld-abcdef", (long)getppid());
	snprintf(shortname, sizeof(shortname), "m.ko.kbtf-%ld-abc", (long)pid);
	touch(dead);
	touch(live);
	touch(shortname);
	touch("m.ko.kbtf-abcdef"); /* before names carried the pid: whose? */
	touch("m.ko");
	/* a signing directory a killed run left, with the module in it */
	snprintf(sub, sizeof(sub), "%s/kbtf-distill-%ld-Qw3rty", dir, (long)pid);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(inner, sizeof(inner), "kbtf-distill-%ld-Qw3rty/unsigned.ko", (long)pid);
	touch(inner);

	assert_int_equal(kbtf_cleanup_sweep(dir, "m.ko.kbtf-"), 1);
	assert_false(exists(dead));
	assert_true(exists(live));
	assert_true(exists(shortname));
	assert_true(exists("m.ko.kbtf-abcdef"));
	assert_true(exists("m.ko"));
	assert_int_equal(kbtf_cleanup_sweep(dir, "kbtf-distill-"), 1);
	assert_int_equal(access(sub, F_OK), -1);
	assert_int_equal(kbtf_cleanup_sweep(dir, "m.ko.kbtf-"), 0);

	snprintf(sub, sizeof(sub), "%s/%s", dir, live);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/%s", dir, shortname);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/m.ko.kbtf-abcdef", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/m.ko", dir);
	unlink(sub);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_template),
	    cmocka_unit_test(test_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
