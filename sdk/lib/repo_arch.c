// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pacman repository databases (Arch Linux): REPO.db is a tar archive
 * (gzip, xz or zstd) of one directory per package, NAME-VERSION/, whose
 * "desc" file lists "%KEY%" headers each followed by value lines and a
 * blank line: %FILENAME%, %NAME%, %VERSION%, %CSIZE% (package bytes),
 * %SHA256SUM%, %ARCH% (alpm-repo-desc(5); repo-add writes them, pacman
 * reads them). Packages sit beside the database: URL = base/%FILENAME%.
 * See repo.h.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "repo.h"

#define DESC_MAX (1 << 20)

struct desc {
	char filename[512], name[256], version[128], arch[32], sha256[80];
	uint64_t csize;
};

/* Parse one desc text (NUL-terminated, modified in place). */
static void desc_parse(char *text, struct desc *d)
{
	char *line, *save = NULL, key[32] = "";

	memset(d, 0, sizeof(*d));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);

		if (l > 2 && line[0] == '%' && line[l - 1] == '%') {
			snprintf(key, sizeof(key), "%.*s", (int)(l - 2), line + 1);
			continue;
		}
		if (!strcmp(key, "FILENAME"))
			snprintf(d->filename, sizeof(d->filename), "%s", line);
		else if (!strcmp(key, "NAME"))
			snprintf(d->name, sizeof(d->name), "%s", line);
		else if (!strcmp(key, "VERSION"))
			snprintf(d->version, sizeof(d->version), "%s", line);
		else if (!strcmp(key, "ARCH"))
			snprintf(d->arch, sizeof(d->arch), "%s", line);
		else if (!strcmp(key, "SHA256SUM"))
			snprintf(d->sha256, sizeof(d->sha256), "%s", line);
		else if (!strcmp(key, "CSIZE"))
			d->csize = strtoull(line, NULL, 10);
		key[0] = '\0'; /* one value line per key we read */
	}
}

static bool good_sha(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	}
	return s[64] == '\0';
}

int kbtf_repo_arch_db(const char *path, const char *base_url, kbtf_repo_keep_fn keep, void *ctx,
		      struct kbtf_repo *r)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct desc d;
	char *buf = NULL;
	const char *name, *slash;
	la_ssize_t got;
	int64_t sz;
	int rc, err = 0;

	if (!a)
		return kbtf_err_nomem();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		err = kbtf_err(-EBADMSG, "%s: %s", path, archive_error_string(a));
		archive_read_free(a);
		return err;
	}
	buf = malloc(DESC_MAX + 1);
	if (!buf)
		err = kbtf_err_nomem();
	while (!err && (rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		/* NAME-VER/desc (repo-add), ./NAME-VER/desc (a tar of the directory) */
		name = archive_entry_pathname(e);
		slash = name ? strrchr(name, '/') : NULL;
		if (!slash || strcmp(slash, "/desc") || archive_entry_filetype(e) != AE_IFREG)
			continue;
		sz = archive_entry_size(e);
		if (sz < 0 || sz > DESC_MAX) {
			err = kbtf_err(-EBADMSG, "%s: %s: larger than %d bytes", path, name,
				       DESC_MAX);
			break;
		}
		got = archive_read_data(a, buf, (size_t)sz);
		if (got != sz) {
			err = kbtf_err(-EBADMSG, "%s: %s: %s", path, name,
				       got < 0 ? archive_error_string(a) : "short read");
			break;
		}
		buf[got] = '\0';
		desc_parse(buf, &d);
		if (!d.name[0] || (keep && !keep(d.name, ctx)))
			continue;
		if (!d.filename[0] || strchr(d.filename, '/') || !good_sha(d.sha256) || !d.csize)
			err = kbtf_err(
			    -EBADMSG, "%s: %s: desc lacks %%FILENAME%%, %%CSIZE%% or %%SHA256SUM%%",
			    path, name);
		else
			err = kbtf_repo_push(r, d.name, d.version, d.arch, base_url, d.filename,
					     d.sha256, d.csize);
	}
	if (!err && rc != ARCHIVE_EOF)
		err = kbtf_err(-EBADMSG, "%s: %s", path, archive_error_string(a));
	free(buf);
	archive_read_free(a);
	return err;
}
