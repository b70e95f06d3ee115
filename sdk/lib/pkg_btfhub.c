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
