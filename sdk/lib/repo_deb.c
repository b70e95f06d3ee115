// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Debian-style repository metadata (Debian, Ubuntu): the Release file's
 * SHA256 list, and Packages stanzas ("Package:", "Version:",
 * "Architecture:", "Filename:", "Size:", "SHA256:"), read line by line as
 * libarchive decompresses them (Packages.xz of bookworm main is ~50 MB of
 * text: it is never held whole). The format is Debian policy's control
 * file syntax (deb822); apt reads the same fields. See repo.h.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "repo.h"

/* bookworm main has 75 kB Provides lines */
#define LINE_MAX_LEN (1024 * 1024)

void kbtf_repo_free(struct kbtf_repo *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++) {
		free(r->pkgs[i].name);
		free(r->pkgs[i].version);
		free(r->pkgs[i].arch);
		free(r->pkgs[i].url);
	}
	free(r->pkgs);
	memset(r, 0, sizeof(*r));
}

int kbtf_repo_push(struct kbtf_repo *r, const char *name, const char *version, const char *arch,
		   const char *base_url, const char *location, const char *sha256, uint64_t size)
{
	struct kbtf_repo_pkg *p, *np;
	size_t bl = strlen(base_url);

	if (r->nr == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		np = realloc(r->pkgs, r->cap * sizeof(*np));
		if (!np)
			return kbtf_err_nomem();
		r->pkgs = np;
	}
	p = &r->pkgs[r->nr];
	memset(p, 0, sizeof(*p));
	while (*location == '/')
		location++;
	while (bl && base_url[bl - 1] == '/')
		bl--;
	p->name = strdup(name);
	p->version = strdup(version ? version : "");
	p->arch = strdup(arch ? arch : "");
	if (asprintf(&p->url, "%.*s/%s", (int)bl, base_url, location) < 0)
		p->url = NULL;
	if (!p->name || !p->version || !p->arch || !p->url) {
		free(p->name);
		free(p->version);
		free(p->arch);
		free(p->url);
		return kbtf_err_nomem();
	}
	snprintf(p->sha256, sizeof(p->sha256), "%s", sha256 ? sha256 : "");
	p->size = size;
	r->nr++;
	return 0;
}

/* A streaming line reader over any compression libarchive knows. */
struct lines {
	struct archive *a;
	const char *path;
	char *line;
	size_t len, cap;
	const char *blk;
	size_t blen, bpos;
	int64_t off;
	bool eof;
};

static int lines_open(struct lines *l, const char *path)
{
	struct archive_entry *e;
	int err;

	memset(l, 0, sizeof(*l));
	l->path = path;
	l->a = archive_read_new();
	if (!l->a)
		return kbtf_err_nomem();
	archive_read_support_filter_all(l->a);
	archive_read_support_format_raw(l->a);
	archive_read_support_format_empty(l->a); /* an empty Packages (a quiet pocket) */
	if (archive_read_open_filename(l->a, path, 1 << 16) != ARCHIVE_OK) {
		err = kbtf_err(-EIO, "%s: %s", path, archive_error_string(l->a));
		archive_read_free(l->a);
		l->a = NULL;
		return err;
	}
	err = archive_read_next_header(l->a, &e);
	if (err == ARCHIVE_EOF) {
		l->eof = true;
		return 0;
	}
	if (err != ARCHIVE_OK) {
		archive_read_free(l->a);
		l->a = NULL;
		return kbtf_err(-EBADMSG, "%s: empty or unreadable", path);
	}
	return 0;
}

static void lines_close(struct lines *l)
{
	if (l->a)
		archive_read_free(l->a);
	free(l->line);
	l->a = NULL;
	l->line = NULL;
}

/* 1 with l->line set (no newline), 0 at the end, or a negative errno. */
static int lines_next(struct lines *l)
{
	const void *b;
	size_t sz;
	la_int64_t off;
	int rc;
	char *nl, *nb;
	size_t take;

	l->len = 0;
	for (;;) {
		if (l->bpos == l->blen) {
			if (l->eof)
				break;
			rc = archive_read_data_block(l->a, &b, &sz, &off);
			if (rc == ARCHIVE_EOF) {
				l->eof = true;
				break;
			}
			if (rc != ARCHIVE_OK)
				return kbtf_err(-EBADMSG, "%s: %s", l->path,
						archive_error_string(l->a));
			l->blk = b;
			l->blen = sz;
			l->bpos = 0;
			continue;
		}
		nl = memchr(l->blk + l->bpos, '\n', l->blen - l->bpos);
		take = nl ? (size_t)(nl - (l->blk + l->bpos)) : l->blen - l->bpos;
		if (l->len + take + 1 > LINE_MAX_LEN)
			return kbtf_err(-EBADMSG, "%s: a line longer than %d bytes", l->path,
					LINE_MAX_LEN);
		if (l->len + take + 1 > l->cap) {
			l->cap = (l->len + take + 1) * 2;
			nb = realloc(l->line, l->cap);
			if (!nb)
				return kbtf_err_nomem();
			l->line = nb;
		}
		memcpy(l->line + l->len, l->blk + l->bpos, take);
		l->len += take;
		l->bpos += take + (nl ? 1 : 0);
		if (nl)
			goto out;
	}
	if (!l->len && l->eof)
		return 0;
out:
	if (!l->line) {
		l->line = malloc(1);
		if (!l->line)
			return kbtf_err_nomem();
	}
	l->line[l->len] = '\0';
	return 1;
}

int kbtf_repo_stream(const char *path, int (*cb)(const char *data, size_t len, void *ctx),
		     void *ctx)
{
	struct lines l;
	const void *b;
	size_t sz;
	la_int64_t off;
	int rc, err;

	err = lines_open(&l, path);
	while (!err && !l.eof) {
		rc = archive_read_data_block(l.a, &b, &sz, &off);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc != ARCHIVE_OK)
			err = kbtf_err(-EBADMSG, "%s: %s", path, archive_error_string(l.a));
		else
			err = cb(b, sz, ctx);
	}
	lines_close(&l);
	return err;
}

struct stanza {
	char name[256], version[128], arch[32], filename[1024], sha256[65];
	uint64_t size;
	bool has_size;
};

static void field(char *dst, size_t len, const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	snprintf(dst, len, "%s", v);
	for (len = strlen(dst); len && isspace((unsigned char)dst[len - 1]); len--)
		dst[len - 1] = '\0';
}

static bool is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	}
	return s[64] == '\0';
}

static int stanza_end(struct stanza *st, const char *path, const char *base_url,
		      kbtf_repo_keep_fn keep, void *ctx, struct kbtf_repo *r)
{
	int err = 0;

	if (st->name[0] && (!keep || keep(st->name, ctx))) {
		if (!st->filename[0] || !st->has_size || !is_hex64(st->sha256))
			err = kbtf_err(-EBADMSG, "%s: package %s has no Filename, Size or SHA256",
				       path, st->name);
		else if (strstr(st->filename, "..") || st->filename[0] == '/')
			err = kbtf_err(-EBADMSG, "%s: package %s: Filename '%s' leaves the archive",
				       path, st->name, st->filename);
		else
			err = kbtf_repo_push(r, st->name, st->version, st->arch, base_url,
					     st->filename, st->sha256, st->size);
	}
	memset(st, 0, sizeof(*st));
	return err;
}

int kbtf_repo_deb_packages(const char *path, const char *base_url, kbtf_repo_keep_fn keep,
			   void *ctx, struct kbtf_repo *r)
{
	struct stanza st;
	struct lines l;
	char *end, size[32];
	int rc, err;

	err = lines_open(&l, path);
	if (err)
		return err;
	memset(&st, 0, sizeof(st));
	while ((rc = lines_next(&l)) > 0) {
		const char *s = l.line;

		if (!*s) {
			err = stanza_end(&st, path, base_url, keep, ctx, r);
			if (err)
				break;
			continue;
		}
		if (!strncmp(s, "Package:", 8)) {
			field(st.name, sizeof(st.name), s + 8);
		} else if (!strncmp(s, "Version:", 8)) {
			field(st.version, sizeof(st.version), s + 8);
		} else if (!strncmp(s, "Architecture:", 13)) {
			field(st.arch, sizeof(st.arch), s + 13);
		} else if (!strncmp(s, "Filename:", 9)) {
			field(st.filename, sizeof(st.filename), s + 9);
		} else if (!strncmp(s, "SHA256:", 7)) {
			field(st.sha256, sizeof(st.sha256), s + 7);
		} else if (!strncmp(s, "Size:", 5)) {
			field(size, sizeof(size), s + 5);
			errno = 0;
			st.size = strtoull(size, &end, 10);
			st.has_size = !errno && end != size && !*end;
		}
	}
	if (rc < 0)
		err = rc;
	if (!err)
		err = stanza_end(&st, path, base_url, keep, ctx, r);
	lines_close(&l);
	return err;
}

int kbtf_repo_deb_release_entry(const char *release, const char *member, char sha256[65],
				uint64_t *size)
{
	const char *p = release, *nl;
	bool in_sha256 = false;
	char hex[80], name[512];
	unsigned long long sz;

	for (; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (*p != ' ') {
			in_sha256 = !strncmp(p, "SHA256:", 7);
			continue;
		}
		if (!in_sha256)
			continue;
		if (sscanf(p, " %79s %llu %511s", hex, &sz, name) != 3)
			continue;
		if (strcmp(name, member))
			continue;
		if (!is_hex64(hex))
			return kbtf_err(-EBADMSG, "Release: bad SHA256 for %s", member);
		memcpy(sha256, hex, 65);
		*size = sz;
		return 0;
	}
	return kbtf_err(-ENOENT, "Release lists no SHA256 for %s", member);
}
