// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The report interface (kbtf/report.h): format names, dispatch to the one
 * writer per format, and the labels and escaping every writer shares.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "kbtf/report.h"
#include "report_writers.h"

static const struct {
	const char *name;
	enum kbtf_report_format fmt;
	int (*write)(FILE *f, const struct kbtf_matrix *mx, const struct kbtf_report_opts *o);
} writers[] = {
    {"text", KBTF_REPORT_TEXT, kbtf_report_text},    {"json", KBTF_REPORT_JSON, kbtf_report_json},
    {"junit", KBTF_REPORT_JUNIT, kbtf_report_junit}, {"md", KBTF_REPORT_MD, kbtf_report_md},
    {"markdown", KBTF_REPORT_MD, kbtf_report_md},    {"html", KBTF_REPORT_HTML, kbtf_report_html},
};

int kbtf_report_format_parse(const char *name, enum kbtf_report_format *out)
{
	size_t i;

	for (i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		if (!strcmp(name, writers[i].name)) {
			*out = writers[i].fmt;
			return 0;
		}
	}
	return kbtf_err(-EINVAL, "unknown format '%s' (text, json, junit, md, html)", name);
}

int kbtf_report_write(FILE *f, enum kbtf_report_format fmt, const struct kbtf_matrix *mx,
		      const struct kbtf_report_opts *opts)
{
	static const struct kbtf_report_opts defaults;
	size_t i;
	int err = -EINVAL;

	for (i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		if (writers[i].fmt == fmt) {
			err = writers[i].write(f, mx, opts ? opts : &defaults);
			break;
		}
	}
	if (err)
		return err;
	if (fflush(f) || ferror(f))
		return kbtf_err(-EIO, "writing the report failed");
	return 0;
}

static const char *last_part(const char *path)
{
	const char *end = path + strlen(path), *slash;

	while (end > path && end[-1] == '/')
		end--;
	for (slash = end; slash > path && slash[-1] != '/'; slash--)
		;
	return slash;
}

void kbtf_report_module_label(const struct kbtf_result *r, char *buf, size_t len)
{
	const char *base, *dot;

	if (r->module_name && *r->module_name) {
		snprintf(buf, len, "%s", r->module_name);
		return;
	}
	base = last_part(r->module ? r->module : "?");
	dot = strstr(base, ".ko");
	snprintf(buf, len, "%.*s", dot ? (int)(dot - base) : (int)strcspn(base, "/"), base);
}

void kbtf_report_kernel_label(const struct kbtf_result *r, char *buf, size_t len)
{
	const char *s = r->source ? r->source : "?";
	size_t n, used, i;

	if (r->release && *r->release) {
		snprintf(buf, len, "%s", r->release);
	} else {
		s = last_part(s);
		n = strcspn(s, "/");
		snprintf(buf, len, "%.*s", (int)n, *s ? s : r->source);
	}
	/* a stacked kernel is another kernel: say what is on top */
	for (i = 0; i < r->nr_layers; i++) {
		used = strlen(buf);
		s = last_part(r->layers[i]);
		snprintf(buf + used, len - used, "+%.*s", (int)strcspn(s, "/"), s);
	}
}

const struct kbtf_result *kbtf_report_at(const struct kbtf_matrix *mx, size_t m, size_t k)
{
	return &mx->results[m * mx->nr_kernels + k];
}

void kbtf_report_grid_init(const struct kbtf_matrix *mx, struct kbtf_report_grid *g)
{
	g->rows_kernels = mx->nr_kernels >= mx->nr_modules;
	g->rows = g->rows_kernels ? mx->nr_kernels : mx->nr_modules;
	g->cols = g->rows_kernels ? mx->nr_modules : mx->nr_kernels;
}

void kbtf_report_grid_pair(const struct kbtf_report_grid *g, size_t row, size_t col, size_t *m,
			   size_t *k)
{
	*m = g->rows_kernels ? col : row;
	*k = g->rows_kernels ? row : col;
}

const struct kbtf_result *kbtf_report_grid_label(const struct kbtf_matrix *mx,
						 const struct kbtf_report_grid *g, bool row,
						 size_t i, char *buf, size_t len)
{
	const struct kbtf_result *r;
	size_t m, k;

	kbtf_report_grid_pair(g, row ? i : 0, row ? 0 : i, &m, &k);
	r = kbtf_report_at(mx, m, k);
	if (row == g->rows_kernels)
		kbtf_report_kernel_label(r, buf, len);
	else
		kbtf_report_module_label(r, buf, len);
	return r;
}

size_t kbtf_report_count(const struct kbtf_matrix *mx, enum kbtf_verdict v)
{
	size_t i, n = 0;

	for (i = 0; i < mx->nr_modules * mx->nr_kernels; i++)
		n += mx->results[i].verdict == v;
	return n;
}

static struct kbtf_report_group *find_group(struct kbtf_report_group *g, size_t n,
					    const struct kbtf_problem *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (g[i].kind == p->kind && !strcmp(g[i].name, p->name) &&
		    !strcmp(g[i].reason, p->reason))
			return &g[i];
	return NULL;
}

static int cmp_group(const void *a, const void *b)
{
	const struct kbtf_report_group *x = a, *y = b;
	int d;

	if (x->nr_pairs != y->nr_pairs)
		return x->nr_pairs > y->nr_pairs ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	d = strcmp(x->name, y->name);
	return d ? d : strcmp(x->reason, y->reason);
}

static int group_add(struct kbtf_report_group *g, size_t pair)
{
	size_t *n;

	if (g->nr_pairs && g->pairs[g->nr_pairs - 1] == pair)
		return 0; /* one pair counts once */
	n = realloc(g->pairs, sizeof(*n) * (g->nr_pairs + 1));
	if (!n)
		return -ENOMEM;
	g->pairs = n;
	g->pairs[g->nr_pairs++] = pair;
	return 0;
}

int kbtf_report_groups(const struct kbtf_matrix *mx, struct kbtf_report_group **out, size_t *n)
{
	struct kbtf_report_group *g = NULL, *grp;
	size_t i, j, cap = 0, nr = 0;

	for (i = 0; i < mx->nr_modules * mx->nr_kernels; i++) {
		const struct kbtf_result *r = &mx->results[i];

		for (j = 0; j < r->nr_problems; j++) {
			grp = find_group(g, nr, &r->problems[j]);
			if (!grp) {
				if (nr == cap) {
					struct kbtf_report_group *ng;

					cap = cap ? cap * 2 : 16;
					ng = realloc(g, sizeof(*ng) * cap);
					if (!ng)
						goto nomem;
					g = ng;
				}
				grp = &g[nr++];
				memset(grp, 0, sizeof(*grp));
				grp->kind = r->problems[j].kind;
				grp->name = r->problems[j].name;
				grp->reason = r->problems[j].reason;
			}
			if (group_add(grp, i))
				goto nomem;
		}
	}
	if (nr)
		qsort(g, nr, sizeof(*g), cmp_group);
	*out = g;
	*n = nr;
	return 0;
nomem:
	kbtf_report_groups_free(g, nr);
	return kbtf_err_nomem();
}

void kbtf_report_groups_free(struct kbtf_report_group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(g[i].pairs);
	free(g);
}

/* Length of the valid UTF-8 sequence at @s, 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void kbtf_report_xml_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t n;

		if (c >= 0x80) {
			n = utf8_len((const unsigned char *)s);
			if (!n) {
				fputs("\xef\xbf\xbd", f); /* U+FFFD */
				continue;
			}
			fwrite(s, 1, n, f);
			s += n - 1;
			continue;
		}

		switch (c) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			/* XML 1.0 forbids most control characters, even escaped */
			if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
				fputc('?', f);
			else
				fputc(c, f);
		}
	}
}
