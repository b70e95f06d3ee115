// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Debian's suite names (the ones deb.debian.org serves kernels for, and
 * their aliases) and package versions out of .deb file names. The
 * archive itself is read by repo_deb.c and repo_distro.c. See
 * profile_apt.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "profile_apt.h"
#include "kbtf/err.h"

/*
 * The suites kbtf reaches in Debian's archive: the code names
 * deb.debian.org serves kernels for, then their aliases. A name outside
 * this list is refused before anything is created or downloaded; apt would
 * only say, after an update, that the suite has no Release file. When
 * Debian names a new testing release, it goes here. Backports suites are
 * not among them: they have no -updates or -security companions.
 */
static const char *const known_suites[] = {
    "bullseye",	    "bookworm",	 "trixie", "forky",   "sid",	  "experimental",
    "oldoldstable", "oldstable", "stable", "testing", "unstable",
};

#define NR_KNOWN_SUITES (sizeof(known_suites) / sizeof(known_suites[0]))

/* Edit distance of @a and @b, 3 for anything above 2 (only "close" counts). */
static unsigned int near(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned int row[33], prev, tmp, best;

	if (la > 32 || lb > 32 || (la > lb ? la - lb : lb - la) > 2)
		return 3;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb] > 2 ? 3 : row[lb];
}

int kbtf_apt_suite_check(const char *suite)
{
	char list[256], hint[64] = "";
	unsigned int d, best = 3;
	size_t i, n = 0;

	for (i = 0; i < NR_KNOWN_SUITES; i++) {
		if (!strcmp(suite, known_suites[i]))
			return 0;
	}
	for (i = 0; i < NR_KNOWN_SUITES; i++) {
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      known_suites[i]);
		d = near(suite, known_suites[i]);
		if (d < best) {
			best = d;
			snprintf(hint, sizeof(hint), "did you mean '%s'? ", known_suites[i]);
		}
	}
	return kbtf_err(-EINVAL, "unknown suite '%.32s' (%sknown: %s)", suite, hint, list);
}

int kbtf_deb_name_version(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/'), *u1, *u2;
	size_t i, o = 0;

	base = base ? base + 1 : path;
	u1 = strchr(base, '_');
	u2 = u1 ? strchr(u1 + 1, '_') : NULL;
	if (!u2 || !len)
		return kbtf_err(-EINVAL, "%s: not a NAME_VERSION_ARCH.deb file name", path);
	for (i = 1; u1 + i < u2 && o + 1 < len; i++) {
		if (!strncmp(u1 + i, "%3a", 3) || !strncmp(u1 + i, "%3A", 3)) {
			buf[o++] = ':';
			i += 2;
		} else {
			buf[o++] = u1[i];
		}
	}
	buf[o] = '\0';
	return 0;
}
