// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the package readers other than Debian's (pkg.h): recognising a
 * package by content, the RPM header reader, unpacking an RPM, a tar or a
 * cpio (bare or compressed) into a scratch directory and reading the tree
 * as a kernel (Arch's .PKGINFO, a BTFHub <kernel>.btf, a kbtf bundle's
 * manifest), plus the text parsers on the raw input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbtf/source.h"
#include "pkg.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char scratch[256]; /* holds "t", the unpacked tree of one input */
static char *dir;

static void at_exit(void)
{
	kbtf_rm_rf(scratch);
	free(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* in memory when there is a tmpfs: no disk write per input */
	const char *t = access("/dev/shm", W_OK) ? getenv("TMPDIR") : "/dev/shm";

	snprintf(scratch, sizeof(scratch), "%s/kbtf-fuzz-pkg-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(scratch) || asprintf(&dir, "%s/t", scratch) < 0)
		abort();
	atexit(at_exit);
	return 0;
}

static void fuzz_text(const uint8_t *data, size_t size)
{
	struct kbtf_pkg_info info = {0};
	struct kbtf_bundle_manifest m;
	char *text = malloc(size + 1), *rel;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	kbtf_arch_parse_pkginfo(text, size, &info);
	kbtf_pkg_info_release(&info);
	kbtf_bundle_parse_manifest(text, size, &m);
	if (size < 256 && (rel = kbtf_btfhub_member_release(text)))
		free(rel);
	kbtf_pkg_select_kernel(text, NULL);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbtf_pkg_info info = {0};
	struct kbtf_kernel *k;
	char comp[32];

	fuzz_text(data, size);
	if (kbtf_pkg_detect(data, size) == KBTF_PKG_NONE)
		return 0;
	/* on failure too, whatever was filled is the caller's to release */
	kbtf_rpm_read_header(data, size, &info, comp, sizeof(comp));
	kbtf_pkg_info_release(&info);
	if (!kbtf_pkg_unpack(data, size, "fuzz", dir, &info)) {
		if (!kbtf_kernel_open(dir, NULL, &k))
			kbtf_kernel_free(k);
	}
	kbtf_pkg_info_release(&info);
	kbtf_rm_rf(dir);
	return 0;
}
