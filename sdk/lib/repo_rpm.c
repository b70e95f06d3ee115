// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * RPM repository metadata (Fedora, CentOS Stream, Rocky, Alma, RHEL,
 * openSUSE, Amazon Linux): repodata/repomd.xml names the primary metadata
 * (<data type="primary"> with <location href>, <checksum type="sha256">
 * and <size>); primary.xml holds one <package> per RPM with <name>,
 * <arch>, <version ver rel>, <checksum type="sha256">, <size package> and
 * <location href [xml:base]>, as createrepo_c writes them and dnf/zypper
 * read them. Both are parsed with expat as libarchive decompresses them
 * (Fedora's primary is >100 MB of XML): nothing is held but the package
 * being read. See repo.h.
 */
#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "repo.h"

/* Element names without their namespace prefix ("rpm:entry" -> "entry"). */
static const char *local(const char *name)
{
	const char *c = strrchr(name, ':');

	return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *key)
{
	for (; atts && atts[0]; atts += 2) {
		if (!strcmp(local(atts[0]), key))
			return atts[1];
	}
	return NULL;
}

static bool is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
	}
	return s[64] == '\0';
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* ------------------------------------------------------------- parsing */

struct xp {
	XML_Parser p;
	const char *path;
	int depth;
	int err;
	/* text of the element being read, when wanted */
	char text[256];
	size_t tlen;
	bool want_text;

	/* repomd */
	bool in_primary;
	char href[1024], sha256[65], ctype[16];
	uint64_t size;
	bool found;

	/* primary */
	int pkg_depth; /* depth of <package>, 0 outside */
	char name[256], arch[32], ver[128], rel[128], base[1024];
	const char *base_url;
	kbtf_repo_keep_fn keep;
	void *ctx;
	struct kbtf_repo *r;
	bool is_rpm;
};

static void stop(struct xp *x, int err)
{
	if (!x->err)
		x->err = err;
	XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct xp *x = ud;

	if (!x->want_text)
		return;
	if (x->tlen + (size_t)len >= sizeof(x->text)) {
		stop(x, kbtf_err(-EBADMSG, "%s: line %lu: element text too long", x->path,
				 (unsigned long)XML_GetCurrentLineNumber(x->p)));
		return;
	}
	memcpy(x->text + x->tlen, s, (size_t)len);
	x->tlen += (size_t)len;
	x->text[x->tlen] = '\0';
}

static void want_text(struct xp *x)
{
	x->want_text = true;
	x->tlen = 0;
	x->text[0] = '\0';
}

static void trim(char *s)
{
	size_t l = strlen(s), i = 0;

	while (l && isspace((unsigned char)s[l - 1]))
		s[--l] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, l - i + 1);
}

static void XMLCALL repomd_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
	struct xp *x = ud;
	const char *n = local(el), *v;

	x->depth++;
	if (x->depth == 1 && strcmp(n, "repomd")) {
		stop(x, kbtf_err(-EBADMSG, "%s: not repomd.xml (root <%s>)", x->path, n));
		return;
	}
	if (x->depth == 2 && !strcmp(n, "data")) {
		v = attr(atts, "type");
		x->in_primary = v && !strcmp(v, "primary");
	} else if (x->in_primary && x->depth == 3) {
		if (!strcmp(n, "location")) {
			v = attr(atts, "href");
			snprintf(x->href, sizeof(x->href), "%s", v ? v : "");
		} else if (!strcmp(n, "checksum")) {
			v = attr(atts, "type");
			snprintf(x->ctype, sizeof(x->ctype), "%s", v ? v : "");
			want_text(x);
		} else if (!strcmp(n, "size")) {
			want_text(x);
		}
	}
}

static void XMLCALL repomd_end(void *ud, const XML_Char *el)
{
	struct xp *x = ud;
	const char *n = local(el);

	if (x->in_primary && x->depth == 3 && x->want_text) {
		trim(x->text);
		if (!strcmp(n, "checksum"))
			snprintf(x->sha256, sizeof(x->sha256), "%.64s", x->text);
		else if (!strcmp(n, "size"))
			x->size = strtoull(x->text, NULL, 10);
		x->want_text = false;
	}
	if (x->depth == 2 && x->in_primary) {
		x->in_primary = false;
		x->found = true;
	}
	x->depth--;
}

static void primary_package_end(struct xp *x)
{
	char version[300];
	const char *loc = x->href;
	int err;

	if (!x->is_rpm || !x->name[0] || (x->keep && !x->keep(x->name, x->ctx)))
		return;
	if (!x->href[0] || strstr(x->href, "..") || x->href[0] == '/' || strstr(x->href, "://")) {
		stop(x, kbtf_err(-EBADMSG, "%s: package %s: location '%s' leaves the repository",
				 x->path, x->name, x->href));
		return;
	}
	if (strcmp(x->ctype, "sha256") || !is_hex64(x->sha256)) {
		stop(x, kbtf_err(-EBADMSG, "%s: package %s: no sha256 checksum (found '%s')",
				 x->path, x->name, x->ctype));
		return;
	}
	lower(x->sha256);
	snprintf(version, sizeof(version), "%s-%s", x->ver, x->rel);
	err = kbtf_repo_push(x->r, x->name, version, x->arch, x->base[0] ? x->base : x->base_url,
			     loc, x->sha256, x->size);
	if (err)
		stop(x, err);
}

static void XMLCALL primary_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
	struct xp *x = ud;
	const char *n = local(el), *v;

	x->depth++;
	if (x->depth == 1 && strcmp(n, "metadata")) {
		stop(x, kbtf_err(-EBADMSG, "%s: not primary.xml (root <%s>)", x->path, n));
		return;
	}
	if (x->depth == 2 && !strcmp(n, "package")) {
		v = attr(atts, "type");
		x->is_rpm = !v || !strcmp(v, "rpm");
		x->pkg_depth = 2;
		x->name[0] = x->arch[0] = x->ver[0] = x->rel[0] = x->base[0] = '\0';
		x->href[0] = x->sha256[0] = x->ctype[0] = '\0';
		x->size = 0;
		return;
	}
	if (!x->pkg_depth || x->depth != 3)
		return;
	if (!strcmp(n, "name") || !strcmp(n, "arch") || !strcmp(n, "checksum")) {
		if (!strcmp(n, "checksum")) {
			v = attr(atts, "type");
			snprintf(x->ctype, sizeof(x->ctype), "%s", v ? v : "");
		}
		want_text(x);
	} else if (!strcmp(n, "version")) {
		v = attr(atts, "ver");
		snprintf(x->ver, sizeof(x->ver), "%s", v ? v : "");
		v = attr(atts, "rel");
		snprintf(x->rel, sizeof(x->rel), "%s", v ? v : "");
	} else if (!strcmp(n, "size")) {
		v = attr(atts, "package");
		x->size = v ? strtoull(v, NULL, 10) : 0;
	} else if (!strcmp(n, "location")) {
		v = attr(atts, "href");
		snprintf(x->href, sizeof(x->href), "%s", v ? v : "");
		/* xml:base: the package lives in another repository's tree */
		v = attr(atts, "base");
		snprintf(x->base, sizeof(x->base), "%s", v ? v : "");
	}
}

static void XMLCALL primary_end(void *ud, const XML_Char *el)
{
	struct xp *x = ud;
	const char *n = local(el);

	if (x->pkg_depth && x->depth == 3 && x->want_text) {
		trim(x->text);
		if (!strcmp(n, "name"))
			snprintf(x->name, sizeof(x->name), "%s", x->text);
		else if (!strcmp(n, "arch"))
			snprintf(x->arch, sizeof(x->arch), "%.31s", x->text);
		else if (!strcmp(n, "checksum"))
			snprintf(x->sha256, sizeof(x->sha256), "%.64s", x->text);
		x->want_text = false;
	}
	if (x->pkg_depth && x->depth == x->pkg_depth) {
		primary_package_end(x);
		x->pkg_depth = 0;
	}
	x->depth--;
}

static int feed(const char *data, size_t len, void *ctx)
{
	struct xp *x = ctx;

	if (len > (size_t)INT32_MAX)
		return kbtf_err(-EBADMSG, "%s: block too large", x->path);
	if (XML_Parse(x->p, data, (int)len, XML_FALSE) == XML_STATUS_ERROR) {
		if (x->err)
			return x->err;
		return kbtf_err(-EBADMSG, "%s: line %lu: %s", x->path,
				(unsigned long)XML_GetCurrentLineNumber(x->p),
				XML_ErrorString(XML_GetErrorCode(x->p)));
	}
	return 0;
}

/* Entities: none is expanded (no billion laughs, no external fetch). */
static void XMLCALL no_entities(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
				int vlen, const XML_Char *base, const XML_Char *sys,
				const XML_Char *pub, const XML_Char *notation)
{
	struct xp *x = ud;

	stop(x, kbtf_err(-EBADMSG, "%s: entity declarations are not accepted", x->path));
}

static int parse(struct xp *x, XML_StartElementHandler s, XML_EndElementHandler e)
{
	int err;

	x->p = XML_ParserCreate(NULL);
	if (!x->p)
		return kbtf_err_nomem();
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, s, e);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetEntityDeclHandler(x->p, no_entities);
	err = kbtf_repo_stream(x->path, feed, x);
	if (!err && XML_Parse(x->p, "", 0, XML_TRUE) == XML_STATUS_ERROR)
		err = x->err ? x->err
			     : kbtf_err(-EBADMSG, "%s: line %lu: %s", x->path,
					(unsigned long)XML_GetCurrentLineNumber(x->p),
					XML_ErrorString(XML_GetErrorCode(x->p)));
	if (!err && x->err)
		err = x->err;
	XML_ParserFree(x->p);
	return err;
}

int kbtf_repo_rpm_repomd(const char *path, char *href, size_t hlen, char sha256[65], uint64_t *size)
{
	struct xp *x = calloc(1, sizeof(*x));
	int err;

	if (!x)
		return kbtf_err_nomem();
	x->path = path;
	err = parse(x, repomd_start, repomd_end);
	if (!err && (!x->found || !x->href[0]))
		err = kbtf_err(-EBADMSG, "%s: no <data type=\"primary\"> with a location", path);
	if (!err && (strcmp(x->ctype, "sha256") || !is_hex64(x->sha256)))
		err = kbtf_err(-EBADMSG, "%s: the primary metadata has no sha256 checksum", path);
	if (!err && (strstr(x->href, "..") || x->href[0] == '/' || strstr(x->href, "://")))
		err = kbtf_err(-EBADMSG, "%s: primary location '%s' leaves the repository", path,
			       x->href);
	if (!err && snprintf(href, hlen, "%s", x->href) >= (int)hlen)
		err = kbtf_err(-ENAMETOOLONG, "%s: primary location too long", path);
	if (!err) {
		lower(x->sha256);
		memcpy(sha256, x->sha256, 65);
		*size = x->size;
	}
	free(x);
	return err;
}

int kbtf_repo_rpm_primary(const char *path, const char *base_url, kbtf_repo_keep_fn keep, void *ctx,
			  struct kbtf_repo *r)
{
	struct xp *x = calloc(1, sizeof(*x));
	int err;

	if (!x)
		return kbtf_err_nomem();
	x->path = path;
	x->base_url = base_url;
	x->keep = keep;
	x->ctx = ctx;
	x->r = r;
	err = parse(x, primary_start, primary_end);
	free(x);
	return err;
}
