// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * BTFHub archive files: aquasecurity/btfhub-archive keeps one file per
 * kernel at <distro>/<release>/<arch>/<kernel>.btf.tar.xz (e.g.
 * ubuntu/20.04/x86_64/5.4.0-1009-aws.btf.tar.xz), an xz-compressed tar
 * holding a single member <kernel>.btf: the kernel's raw vmlinux BTF,
 * extracted from its debug vmlinux with pahole. No config, no
 * Module.symvers: a profile of it judges BTF only.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg.h"

char *kbtf_btfhub_member_release(const char *path)
{
	size_t n = strlen(path);

	if (strchr(path, '/') || n <= 4 || strcmp(path + n - 4, ".btf"))
		return NULL;
	/* a release starts with its version number */
	if (path[0] < '0' || path[0] > '9')
		return NULL;
	return strndup(path, n - 4);
}

const char *kbtf_btfhub_path_arch(const char *path)
{
	/* btfhub-archive's architecture folders, as kbtf names ELF machines */
	static const char *const dirs[][2] = {{"x86_64", "x86_64"}, {"arm64", "aarch64"}};
	const char *end = strrchr(path, '/'), *start;
	size_t i, n = strlen(path);

	if (!end || n < 11 || strcmp(path + n - 11, ".btf.tar.xz"))
		return NULL;
	for (start = end; start > path && start[-1] != '/'; start--)
		;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if ((size_t)(end - start) == strlen(dirs[i][0]) &&
		    !strncmp(start, dirs[i][0], (size_t)(end - start)))
			return dirs[i][1];
	return NULL;
}
