// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf customer bundles: what kbtf-collect.sh (or `kbtf kernels collect`)
 * writes on a customer's machine, one tarball with a top directory
 * kbtf-bundle-<release>/ holding
 *
 *   manifest        "kbtf-bundle 1", then key=value lines (below)
 *   vmlinux.btf     /sys/kernel/btf/vmlinux, the running kernel's BTF
 *   config          /proc/config.gz (gzip) or /boot/config-<release>
 *   Module.symvers  or symvers-<release>.gz/.xz/.zst, when the machine has one
 *   version         /proc/version
 *   os-release      /etc/os-release
 *   modules         loaded modules, one per line: "NAME btf" or "NAME -"
 *                   (whether /sys/kernel/btf/NAME exists)
 *
 * kernel.c opens the unpacked directory; this file reads the manifest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "pkg.h"

static void set(char *dst, size_t len, const char *v, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

int kbtf_bundle_parse_manifest(const char *text, size_t len, struct kbtf_bundle_manifest *out)
{
	const char *p = text, *end = text + len, *nl, *eq, *v;
	size_t ml = strlen(KBTF_BUNDLE_MAGIC), kl;
	char num[16];

	memset(out, 0, sizeof(*out));
	if (len < ml || memcmp(text, KBTF_BUNDLE_MAGIC, ml) || (len > ml && text[ml] != '\n'))
		return kbtf_err(-EINVAL, "manifest does not start with '%s'", KBTF_BUNDLE_MAGIC);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq) {
			kl = (size_t)(eq - p);
			v = eq + 1;
			if (kl == 7 && !strncmp(p, "release", 7))
				set(out->release, sizeof(out->release), v, (size_t)(nl - v));
			else if (kl == 7 && !strncmp(p, "machine", 7))
				set(out->machine, sizeof(out->machine), v, (size_t)(nl - v));
			else if (kl == 2 && !strncmp(p, "os", 2))
				set(out->os, sizeof(out->os), v, (size_t)(nl - v));
			else if (kl == 7 && !strncmp(p, "modules", 7)) {
				set(num, sizeof(num), v, (size_t)(nl - v));
				out->modules = (unsigned int)strtoul(num, NULL, 10);
			} else if (kl == 11 && !strncmp(p, "modules_btf", 11)) {
				set(num, sizeof(num), v, (size_t)(nl - v));
				out->modules_btf = (unsigned int)strtoul(num, NULL, 10);
			}
		}
		p = nl + 1;
	}
	return 0;
}
