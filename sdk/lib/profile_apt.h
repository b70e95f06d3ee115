/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Debian's suites as kbtf knows them, and package versions out of .deb
 * file names. (The archive is read by repo_deb.c through repo_distro.c:
 * no apt, no system state.)
 */
#ifndef KBTF_PROFILE_APT_H
#define KBTF_PROFILE_APT_H

#include <stddef.h>

/*
 * 0 when kbtf knows @suite (a Debian code name deb.debian.org serves
 * kernels for, or an alias: stable, testing, sid...); else -EINVAL, the
 * message saying "unknown suite '<suite>'" and listing the known ones.
 */
int kbtf_apt_suite_check(const char *suite);

/* The version in a .deb file name ("pkg_1%3a2.0-1_amd64.deb" -> "1:2.0-1"). */
int kbtf_deb_name_version(const char *path, char *buf, size_t len);

#endif
