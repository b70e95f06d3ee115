// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The shared helpers of sdk/lib/util.h: mkdir -p on new, nested and
 * existing paths (and on paths that are not directories), rm -rf that
 * removes symlinks without following them out of the tree, the directory
 * test, uname and the clock; and reading a file once (buf.c): a FIFO is
 * checked without being opened and read as it comes, an endless device
 * stops at the one bound; mappings shared within the process
 * (buf_shared.c): one per file while it is the same file, anew when it is
 * replaced or rewritten, at most KBTF_SHARED_IDLE kept idle, and from
 * threads at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf_shared.h"
#include "kbtf/buf.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "util.h"

static char tmpdir[128];

static int make_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kbtf-test-util.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmp(void **state)
{
	(void)state;
	return kbtf_rm_rf(tmpdir) ? -1 : 0;
}

/* tmpdir/@rel in @buf */
static const char *at(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", tmpdir, rel);
	return buf;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void mkdir_p_nested_and_existing(void **state)
{
	char p[256], q[256];
	struct stat st;
	mode_t old;

	(void)state;
	/* nested: every missing parent is made */
	assert_int_equal(kbtf_mkdir_p(at(p, sizeof(p), "a/b/c"), 0755), 0);
	assert_true(kbtf_is_dir(p));
	/* again: an existing directory is success */
	assert_int_equal(kbtf_mkdir_p(p, 0755), 0);
	assert_int_equal(kbtf_mkdir_p(at(p, sizeof(p), "a"), 0755), 0);
	/* trailing and doubled slashes */
	assert_int_equal(kbtf_mkdir_p(at(p, sizeof(p), "a//b/d/"), 0755), 0);
	assert_true(kbtf_is_dir(at(p, sizeof(p), "a/b/d")));
	/* the mode asked for, less the umask */
	old = umask(0);
	assert_int_equal(kbtf_mkdir_p(at(p, sizeof(p), "m/n"), 0700), 0);
	umask(old);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(at(p, sizeof(p), "m"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* a symlink to a directory is a directory */
	assert_int_equal(symlink(at(q, sizeof(q), "a/b"), at(p, sizeof(p), "ln")), 0);
	assert_int_equal(kbtf_mkdir_p(p, 0755), 0);
	assert_int_equal(kbtf_mkdir_p(at(p, sizeof(p), "ln/e"), 0755), 0);
	assert_true(kbtf_is_dir(at(q, sizeof(q), "a/b/e")));
}

static void mkdir_p_refuses_non_directories(void **state)
{
	char p[256];

	(void)state;
	put(at(p, sizeof(p), "file"), "x");
	/* the last component exists but is a file: EEXIST is not success */
	assert_int_equal(kbtf_mkdir_p(p, 0755), -ENOTDIR);
	assert_non_null(strstr(kbtf_errstr(), "file: cannot create"));
	/* a parent is a file */
	assert_int_equal(kbtf_mkdir_p(at(p, sizeof(p), "file/sub"), 0755), -ENOTDIR);
	/* a dangling symlink */
	assert_int_equal(symlink("/nonexistent/kbtf", at(p, sizeof(p), "dangling")), 0);
	assert_int_equal(kbtf_mkdir_p(p, 0755), -ENOTDIR);
	assert_int_not_equal(kbtf_mkdir_p("", 0755), 0);
}

static void rm_rf_keeps_symlink_targets(void **state)
{
	char p[256], q[256], outside[256], outfile[256];
	struct stat st;

	(void)state;
	/* outside the tree: a directory with a file, and a lone file */
	assert_int_equal(kbtf_mkdir_p(at(outside, sizeof(outside), "outside/keep"), 0755), 0);
	put(at(p, sizeof(p), "outside/keep/precious"), "precious");
	put(at(outfile, sizeof(outfile), "outside/file"), "also precious");
	/* the tree: files, nested directories, links out of it */
	assert_int_equal(kbtf_mkdir_p(at(p, sizeof(p), "tree/d1/d2"), 0755), 0);
	put(at(p, sizeof(p), "tree/f"), "f");
	put(at(p, sizeof(p), "tree/d1/d2/g"), "g");
	assert_int_equal(symlink(outside, at(p, sizeof(p), "tree/to-dir")), 0);
	assert_int_equal(symlink(outside, at(p, sizeof(p), "tree/d1/d2/to-dir")), 0);
	assert_int_equal(symlink(outfile, at(p, sizeof(p), "tree/d1/to-file")), 0);
	assert_int_equal(symlink("/nonexistent/kbtf", at(p, sizeof(p), "tree/dangling")), 0);
	assert_int_equal(mkfifo(at(p, sizeof(p), "tree/fifo"), 0600), 0);

	assert_int_equal(kbtf_rm_rf(at(p, sizeof(p), "tree")), 0);
	assert_false(exists(p));
	assert_int_equal(stat(at(q, sizeof(q), "outside/keep/precious"), &st), 0);
	assert_int_equal(st.st_size, 8);
	assert_int_equal(stat(outfile, &st), 0);
	assert_true(kbtf_is_dir(outside));

	/* @path itself a symlink, with or without a trailing slash: the link goes */
	assert_int_equal(symlink(outside, at(p, sizeof(p), "top")), 0);
	assert_int_equal(kbtf_rm_rf(p), 0);
	assert_false(exists(p));
	assert_int_equal(symlink(outside, at(p, sizeof(p), "top")), 0);
	strcat(p, "/");
	assert_int_equal(kbtf_rm_rf(p), 0);
	assert_false(exists(at(p, sizeof(p), "top")));
	assert_true(exists(at(q, sizeof(q), "outside/keep/precious")));

	/* a missing path is already removed */
	assert_int_equal(kbtf_rm_rf(at(p, sizeof(p), "no-such")), 0);
	/* what no caller means */
	assert_int_equal(kbtf_rm_rf("/"), -EINVAL);
	assert_int_equal(kbtf_rm_rf(at(p, sizeof(p), "outside/.")), -EINVAL);
	assert_int_equal(kbtf_rm_rf(at(p, sizeof(p), "outside/keep/..")), -EINVAL);
	assert_int_equal(kbtf_rm_rf(""), -EINVAL);
	assert_true(exists(at(q, sizeof(q), "outside/keep/precious")));

	/* a lone file */
	assert_int_equal(kbtf_rm_rf(outfile), 0);
	assert_false(exists(outfile));
}

static void is_dir_file_exec_uname_clock(void **state)
{
	char p[256];
	struct utsname u;
	double t0, t1;

	(void)state;
	assert_true(kbtf_is_dir(tmpdir));
	put(at(p, sizeof(p), "plain"), "x");
	assert_false(kbtf_is_dir(p));
	assert_false(kbtf_is_dir(at(p, sizeof(p), "missing")));

	/* regular files and executables, through symlinks as stat sees them */
	assert_true(kbtf_is_file(at(p, sizeof(p), "plain")));
	assert_false(kbtf_is_file(tmpdir));
	assert_false(kbtf_is_file(at(p, sizeof(p), "missing")));
	assert_false(kbtf_is_executable(at(p, sizeof(p), "plain")));
	assert_int_equal(chmod(p, 0755), 0);
	assert_true(kbtf_is_executable(p));
	assert_false(kbtf_is_executable(NULL));
	assert_false(kbtf_is_executable(at(p, sizeof(p), "missing")));

	assert_int_equal(uname(&u), 0);
	assert_string_equal(kbtf_uname_release(), u.release);
	assert_string_equal(kbtf_uname_machine(), u.machine);

	t0 = kbtf_now_ms();
	usleep(2000);
	t1 = kbtf_now_ms();
	assert_true(t1 - t0 >= 1.0);
	assert_true(kbtf_now_s() >= t1 / 1e3);
}

/* a hang (a check that opens a FIFO blocks for ever) becomes a failure */
static void hung(int sig)
{
	(void)sig;
	fail_msg("blocked on a FIFO");
}

/*
 * A FIFO with no writer: the up-front checks say it is there without
 * opening it. Fed by a writer: read once, every byte, past the first
 * 64 KiB chunk.
 */
static void fifo_checked_without_open_and_read_once(void **state)
{
	char path[256];
	static uint8_t data[200000];
	struct kbtf_buf b;
	size_t i, off = 0;
	ssize_t n;
	pid_t pid;
	int fd, status;

	at(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	signal(SIGALRM, hung);
	alarm(10);
	assert_int_equal(kbtf_file_check(path), 0);
	assert_int_equal(kbtf_kernel_source_check(path), 0);
	alarm(0);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		fd = open(path, O_WRONLY);
		while (fd >= 0 && off < sizeof(data) &&
		       (n = write(fd, data + off, sizeof(data) - off)) > 0)
			off += (size_t)n;
		_exit(off == sizeof(data) ? 0 : 1);
	}
	alarm(10);
	assert_int_equal(kbtf_buf_from_file(path, &b), 0);
	alarm(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(b.size, sizeof(data));
	assert_memory_equal(b.data, data, sizeof(data));
	assert_int_equal(b.owner, KBTF_BUF_HEAP);
	kbtf_buf_release(&b);
	/* no permission: refused by stat and access alone */
	if (geteuid()) {
		assert_int_equal(chmod(path, 0200), 0);
		assert_int_equal(kbtf_file_check(path), -EACCES);
	}
	unlink(path);
}

/* /dev/zero never ends: -EFBIG at KBTF_INPUT_MAX, with the bound named. */
static void endless_device_bounded(void **state)
{
	struct kbtf_buf b;

	if (access("/dev/zero", R_OK))
		skip();
	assert_int_equal(kbtf_buf_from_file("/dev/zero", &b), -EFBIG);
	assert_null(b.data);
	assert_non_null(strstr(kbtf_errstr(), "more than 128 MiB"));
	assert_int_equal(KBTF_INPUT_MAX >> 20, 128);
}

/*
 * Two opens of one file share a mapping, kept when both let go and taken
 * again by the next open; a file replaced by rename, or rewritten with
 * another size, is mapped anew with its new bytes.
 */
static void shared_mapping_follows_the_file(void **state)
{
	struct kbtf_buf a, b, c;
	char path[256], tmp[256];
	unsigned int idle0;

	(void)state;
	put(at(path, sizeof(path), "shared.ref"), "first version\n");
	idle0 = kbtf_buf_shared_idle();
	assert_int_equal(kbtf_buf_from_file_shared(path, &a), 0);
	assert_int_equal(kbtf_buf_from_file_shared(path, &b), 0);
	assert_int_equal(a.owner, KBTF_BUF_SHARED);
	assert_ptr_equal(a.data, b.data);
	assert_memory_equal(a.data, "first version\n", 14);
	kbtf_buf_release(&a);
	assert_null(a.data);
	assert_int_equal(kbtf_buf_shared_idle(), idle0); /* b still holds it */
	assert_memory_equal(b.data, "first version\n", 14);
	kbtf_buf_release(&b);
	assert_int_equal(kbtf_buf_shared_idle(), idle0 + 1);
	/* idle, still mapped: the same bytes, no new mapping */
	assert_int_equal(kbtf_buf_from_file_shared(path, &c), 0);
	assert_int_equal(kbtf_buf_shared_idle(), idle0);
	kbtf_buf_release(&c);

	/* replaced: a new inode */
	put(at(tmp, sizeof(tmp), "shared.new"), "second version, longer\n");
	assert_int_equal(rename(tmp, path), 0);
	assert_int_equal(kbtf_buf_from_file_shared(path, &a), 0);
	assert_int_equal(a.size, 23);
	assert_memory_equal(a.data, "second version, longer\n", 23);
	/* rewritten in place, another size, while @a holds the old mapping */
	put(path, "third\n");
	assert_int_equal(kbtf_buf_from_file_shared(path, &b), 0);
	assert_int_equal(b.size, 6);
	assert_memory_equal(b.data, "third\n", 6);
	assert_ptr_not_equal(a.data, b.data);
	kbtf_buf_release(&a);
	kbtf_buf_release(&b);

	/* an empty file is no mapping: read, unshared */
	put(path, "");
	assert_int_equal(kbtf_buf_from_file_shared(path, &a), 0);
	assert_int_not_equal(a.owner, KBTF_BUF_SHARED);
	kbtf_buf_release(&a);
	/* a missing one fails as kbtf_buf_from_file() does */
	assert_int_equal(kbtf_buf_from_file_shared(at(tmp, sizeof(tmp), "none.ref"), &a), -ENOENT);
	assert_null(a.data);
	unlink(path);
}

/* Of many files let go, the KBTF_SHARED_IDLE most recently released stay mapped. */
static void shared_mappings_idle_bounded(void **state)
{
	struct kbtf_buf b[KBTF_SHARED_IDLE + 5], again;
	char path[256], name[32];
	size_t i;

	(void)state;
	for (i = 0; i < KBTF_SHARED_IDLE + 5; i++) {
		snprintf(name, sizeof(name), "idle%zu.ref", i);
		put(at(path, sizeof(path), name), name);
		assert_int_equal(kbtf_buf_from_file_shared(path, &b[i]), 0);
	}
	for (i = 0; i < KBTF_SHARED_IDLE + 5; i++) {
		kbtf_buf_release(&b[i]);
		assert_true(kbtf_buf_shared_idle() <= KBTF_SHARED_IDLE);
	}
	assert_int_equal(kbtf_buf_shared_idle(), KBTF_SHARED_IDLE);
	/* the last released is among those kept: taken, not mapped again */
	assert_int_equal(kbtf_buf_from_file_shared(path, &again), 0);
	assert_int_equal(kbtf_buf_shared_idle(), KBTF_SHARED_IDLE - 1);
	assert_memory_equal(again.data, name, strlen(name));
	kbtf_buf_release(&again);
	for (i = 0; i < KBTF_SHARED_IDLE + 5; i++) {
		snprintf(name, sizeof(name), "idle%zu.ref", i);
		unlink(at(path, sizeof(path), name));
	}
}

#define SHARERS 8

static void *share_often(void *arg)
{
	const char *path = arg;
	struct kbtf_buf b;
	intptr_t bad = 0;
	int i;

	for (i = 0; i < 2000 && !bad; i++) {
		if (kbtf_buf_from_file_shared(path, &b) || b.size != 4096 ||
		    ((const uint8_t *)b.data)[4095] != 0x5a)
			bad = 1;
		kbtf_buf_release(&b);
	}
	return (void *)bad;
}

/* Threads that open and let go of one file at once all read it whole. */
static void shared_mapping_threads(void **state)
{
	pthread_t t[SHARERS];
	char path[256];
	uint8_t page[4096];
	void *bad;
	FILE *f;
	int i;

	(void)state;
	memset(page, 0x5a, sizeof(page));
	f = fopen(at(path, sizeof(path), "threads.ref"), "w");
	assert_non_null(f);
	assert_int_equal(fwrite(page, 1, sizeof(page), f), sizeof(page));
	fclose(f);
	for (i = 0; i < SHARERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, share_often, path), 0);
	for (i = 0; i < SHARERS; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
	unlink(path);
}

/*
 * The fixed-order readers and writers, on bytes written out by hand, at
 * an odd address (file formats put words anywhere).
 */
static void byte_order_words(void **state)
{
	static const uint8_t in[] = {0xee, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88};
	uint8_t out[9] = {0};

	(void)state;
	assert_int_equal(kbtf_le16(in + 1), 0x0201);
	assert_int_equal(kbtf_le32(in + 1), 0x04030201);
	assert_int_equal(kbtf_be32(in + 1), 0x01020304);
	assert_true(kbtf_le64(in + 1) == 0x8807060504030201ull);
	assert_int_equal(kbtf_get32(in + 5, true), 0x05060788);
	assert_int_equal(kbtf_get32(in + 5, false), 0x88070605);
	kbtf_put_le64(out + 1, 0x8807060504030201ull);
	out[0] = 0xee;
	assert_memory_equal(out, in, sizeof(in));
	kbtf_put_le32(out + 1, 0xa0b0c0d0);
	assert_int_equal(out[1], 0xd0);
	assert_int_equal(out[4], 0xa0);
	assert_int_equal(out[5], 0x05); /* past the word: untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mkdir_p_nested_and_existing),
	    cmocka_unit_test(mkdir_p_refuses_non_directories),
	    cmocka_unit_test(rm_rf_keeps_symlink_targets),
	    cmocka_unit_test(is_dir_file_exec_uname_clock),
	    cmocka_unit_test(fifo_checked_without_open_and_read_once),
	    cmocka_unit_test(endless_device_bounded),
	    cmocka_unit_test(shared_mapping_follows_the_file),
	    cmocka_unit_test(shared_mappings_idle_bounded),
	    cmocka_unit_test(shared_mapping_threads),
	    cmocka_unit_test(byte_order_words),
	};

	return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}
