// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz Debian package reading, extraction included: the control fields
 * and the kernel's members read into memory (with their per-role
 * bounds), then the package extracted
 * the way a kernel source is (kbtf_kernel_open_read() with a work
 * directory: member paths cleaned, holes kept, the boot image, config and
 * Module.symvers found and opened). Extraction writes into one scratch
 * directory per process, emptied after each input: whatever a member
 * path says, nothing may land outside it (checked).
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbtf/buf.h"
#include "kbtf/source.h"
#include "pkg_deb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char scratch[256]; /* holds "work", the extraction target, and nothing else */
static char work[300];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return ftw->level ? remove(path) : 0;
}

static void cleanup_scratch(void)
{
	nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void at_exit(void)
{
	cleanup_scratch();
	rmdir(scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* in memory when there is a tmpfs: no disk write per input */
	const char *t = access("/dev/shm", W_OK) ? getenv("TMPDIR") : "/dev/shm";

	snprintf(scratch, sizeof(scratch), "%s/kbtf-fuzz-deb-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(scratch))
		abort();
	snprintf(work, sizeof(work), "%s/work", scratch);
	atexit(at_exit);
	return 0;
}

/* only "work" may be in the scratch directory: nothing escaped it */
static void check_confined(void)
{
	struct dirent *de;
	DIR *d = opendir(scratch);

	if (!d)
		abort();
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "work"))
			abort();
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbtf_kernel_opts ko = {.work_dir = work};
	struct kbtf_buf b = {(uint8_t *)data, size, KBTF_BUF_BORROWED};
	struct kbtf_kernel *k;
	struct kbtf_deb d;

	if (!kbtf_deb_read(data, size, kbtf_deb_select_kernel, NULL, 16u << 20, &d))
		kbtf_deb_release(&d);
	if (kbtf_deb_detect(data, size)) {
		if (!kbtf_kernel_open_read("fuzz.deb", &b, &ko, &k))
			kbtf_kernel_free(k);
		check_confined();
		cleanup_scratch();
	}
	return 0;
}
