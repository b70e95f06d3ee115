// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reading kernel list files, shared by kernel sets (profile_set.c) and
 * fetch specs (profile_fetch.c). See listfile.h.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "listfile.h"

/* Strip a comment and surrounding blanks in place; returns the item. */
static char *trim_item(char *line)
{
	char *s = line + strspn(line, " \t"), *e = strchr(s, '#');

	if (e)
		*e = '\0';
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int kbtf_list_file_walk(const char *file, const char *dir, int depth, int max_depth,
			kbtf_list_item_fn fn, void *ctx)
{
	char path[PATH_MAX], where[PATH_MAX + 16], sub[PATH_MAX], *line = NULL, *s;
	unsigned int lineno = 0;
	size_t cap = 0;
	FILE *f;
	int err = 0;

	if (depth > max_depth)
		return kbtf_err(-ELOOP, "%s: list files nest too deep", file);
	if (file[0] != '/' && dir)
		snprintf(path, sizeof(path), "%s/%s", dir, file);
	else
		snprintf(path, sizeof(path), "%s", file);
	f = fopen(path, "re");
	if (!f)
		return kbtf_err(-errno, "%s: %s", path, strerror(errno));
	snprintf(sub, sizeof(sub), "%s", path);
	s = strrchr(sub, '/');
	if (s)
		*s = '\0';
	else
		snprintf(sub, sizeof(sub), ".");
	while (!err && getline(&line, &cap, f) >= 0) {
		lineno++;
		s = trim_item(line);
		if (!*s)
			continue;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		err = fn(ctx, s, where, sub, depth + 1);
	}
	free(line);
	fclose(f);
	return err;
}
