// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the repository metadata readers of "kbtf kernels fetch": the first
 * byte picks the reader, the rest is the file: a Debian-style Packages
 * (any compression), a Release file's SHA256 list, repomd.xml, primary.xml
 * (expat, any compression), a pacman repository database (a tar of desc
 * files). Each must return 0 or a negative errno, never crash, hang or
 * keep a record without a name, URL and checksum.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "repo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char path[256];

static void at_exit(void)
{
	unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = access("/dev/shm", W_OK) ? getenv("TMPDIR") : "/dev/shm";
	int fd;

	snprintf(path, sizeof(path), "%s/kbtf-fuzz-repo-XXXXXX", t && *t ? t : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	atexit(at_exit);
	return 0;
}

static bool keep_all(const char *name, void *ctx)
{
	return true;
}

static void check(const struct kbtf_repo *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++) {
		if (!r->pkgs[i].name || !r->pkgs[i].url || strlen(r->pkgs[i].sha256) != 64)
			abort();
		if (strstr(r->pkgs[i].url, "/../"))
			abort(); /* a location leaving the repository was kept */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbtf_repo r = {0};
	char href[1024], sha[65], *text;
	uint64_t sz;
	FILE *f;

	if (size < 1)
		return 0;
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	switch (data[0] % 5) {
	case 0:
		kbtf_repo_deb_packages(path, "http://m", keep_all, NULL, &r);
		break;
	case 1:
		text = malloc(size);
		if (!text)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		kbtf_repo_deb_release_entry(text, "main/binary-amd64/Packages.xz", sha, &sz);
		free(text);
		break;
	case 2:
		if (!kbtf_repo_rpm_repomd(path, href, sizeof(href), sha, &sz) &&
		    (strstr(href, "..") || strlen(sha) != 64))
			abort();
		break;
	case 3:
		kbtf_repo_rpm_primary(path, "http://m", keep_all, NULL, &r);
		break;
	case 4:
		kbtf_repo_arch_db(path, "http://m", keep_all, NULL, &r);
		break;
	}
	check(&r);
	kbtf_repo_free(&r);
	return 0;
}
