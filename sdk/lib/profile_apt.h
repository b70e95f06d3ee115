/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Debian's archive through a private apt configuration: one directory per
 * suite under the kbtf cache holds its sources.list, package lists and
 * status file, so any suite (bookworm, trixie, sid) is reachable from any
 * Debian host without touching /etc/apt or the system's package state.
 * apt-get and apt-cache do the work; nothing here parses Packages files.
 */
#ifndef KBTF_PROFILE_APT_H
#define KBTF_PROFILE_APT_H

#include <stdbool.h>
#include <stddef.h>

struct kbtf_apt;

/*
 * 0 when kbtf knows @suite (a Debian code name deb.debian.org serves
 * kernels for, or an alias: stable, testing, sid...); else -EINVAL, the
 * message saying "unknown suite '<suite>'" and listing the known ones.
 */
int kbtf_apt_suite_check(const char *suite);

/*
 * A private apt configuration for @suite under @cache_dir/apt/<suite>
 * (@cache_dir NULL: kbtf_cache_dir()). Released suites read <suite>,
 * <suite>-updates and <suite>-security; sid, unstable and experimental
 * only themselves. An unknown suite (kbtf_apt_suite_check) is refused
 * before anything is created. Mirrors: $KBTF_DEBIAN_MIRROR (default
 * http://deb.debian.org/debian) and $KBTF_DEBIAN_SECURITY_MIRROR (default
 * the first with "debian" replaced by "debian-security").
 */
int kbtf_apt_open(const char *cache_dir, const char *suite, struct kbtf_apt **out);
void kbtf_apt_free(struct kbtf_apt *a);
const char *kbtf_apt_suite(const struct kbtf_apt *a);

/* Refresh the package lists when older than a day, or always with @force. */
int kbtf_apt_update(struct kbtf_apt *a, bool force);

/*
 * Names of the packages starting with @prefix (apt-cache pkgnames),
 * sorted. Free with kbtf_strv_free().
 */
int kbtf_apt_pkgnames(struct kbtf_apt *a, const char *prefix, char ***names, size_t *n);

/*
 * Make sure @dir holds a .deb of each of the @n packages: one already
 * there is reused, the others are downloaded together (apt-get download,
 * through a temporary directory so a torn download never looks whole).
 * @paths receives one malloc'd path per package. Returns how many were
 * downloaded (0: all were there), or a negative errno.
 */
int kbtf_apt_download(struct kbtf_apt *a, const char *const *pkgs, size_t n, const char *dir,
		      char **paths);

/* The version in a .deb file name ("pkg_1%3a2.0-1_amd64.deb" -> "1:2.0-1"). */
int kbtf_deb_name_version(const char *path, char *buf, size_t len);

void kbtf_strv_free(char **v, size_t n);

#endif
