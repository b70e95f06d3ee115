// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Arch Linux packages (.pkg.tar.zst): a zstd-compressed tar whose first
 * members are .PKGINFO ("key = value" lines, as makepkg writes them),
 * .BUILDINFO and .MTREE, then the files. The kernel package "linux" holds
 * usr/lib/modules/REL/vmlinuz; "linux-headers" holds
 * usr/lib/modules/REL/build/ with a full vmlinux (BTF included), .config
 * and Module.symvers. This file reads .PKGINFO; pkg.c selects the files.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg.h"

static void take(char **slot, const char *v, size_t n)
{
	if (*slot)
		return;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\r' || v[n - 1] == '\t'))
		n--;
	*slot = strndup(v, n);
}

void kbtf_arch_parse_pkginfo(const char *text, size_t len, struct kbtf_pkg_info *info)
{
	const char *p = text, *end = text + len, *nl, *eq, *v;
	size_t kl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq && *p != '#') {
			kl = (size_t)(eq - p);
			while (kl && p[kl - 1] == ' ')
				kl--;
			v = eq + 1;
			while (v < nl && *v == ' ')
				v++;
			if (kl == 7 && !strncmp(p, "pkgname", 7))
				take(&info->name, v, (size_t)(nl - v));
			else if (kl == 6 && !strncmp(p, "pkgver", 6))
				take(&info->version, v, (size_t)(nl - v));
			else if (kl == 4 && !strncmp(p, "arch", 4))
				take(&info->arch, v, (size_t)(nl - v));
		}
		p = nl + 1;
	}
}
