// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The report interface (kbtf/report.h): format names, dispatch to the one
 * writer per format, and the labels and escaping every writer shares.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cause.h"
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
		n += !mx->results[i].not_paired && mx->results[i].verdict == v;
	return n;
}

bool kbtf_report_not_paired(const struct kbtf_matrix *mx, size_t m, char *buf, size_t len)
{
	char arches[128] = "", mod[256];
	size_t k, n = 0, used = 0;
	const char *ka;

	for (k = 0; k < mx->nr_kernels; k++) {
		if (!kbtf_report_at(mx, m, k)->not_paired)
			continue;
		n++;
		ka = kbtf_report_at(mx, m, k)->kernel_arch;
		if (ka && !strstr(arches, ka) && used + strlen(ka) + 3 < sizeof(arches))
			used += (size_t)snprintf(arches + used, sizeof(arches) - used, "%s%s",
						 used ? "/" : "", ka);
	}
	if (!n)
		return false;
	kbtf_report_module_label(kbtf_report_at(mx, m, 0), mod, sizeof(mod));
	snprintf(buf, len, "%s (%s): not paired with %zu %s kernel%s", mod,
		 kbtf_report_at(mx, m, 0)->module_arch, n, arches, n == 1 ? "" : "s");
	return true;
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

		for (j = 0; !r->not_paired && j < r->nr_problems; j++) {
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

/* ------------------------------------------------ labels and the gate */

const char *const kbtf_report_labels[KBTF_REPORT_NR_LABELS] = {
    "ok",
    "ok-unchecked",
    "no-distilled-support",
    "btf-rejected",
    "symbols",
    "elf-rejected",
    "error",
    /* appended, so that the indices above keep their meaning; ranked by
     * label_rank[] */
    "layout-conflict",
};

/* How bad each label is: layout-conflict (loads, misbehaves) between
 * ok-unchecked and no-distilled-support. */
static const unsigned char label_rank[KBTF_REPORT_NR_LABELS] = {0, 1, 3, 4, 5, 6, 7, 2};

size_t kbtf_report_label_index(const struct kbtf_result *r)
{
	switch (r->verdict) {
	case KBTF_VERDICT_OK:
		return r->unchecked & ~r->skipped & KBTF_UNCHECKED_LOAD ? 1 : 0;
	case KBTF_VERDICT_LAYOUT_CONFLICT:
		return 7;
	case KBTF_VERDICT_NO_DISTILLED:
		return 2;
	case KBTF_VERDICT_BTF_REJECTED:
		return 3;
	case KBTF_VERDICT_SYMBOLS:
		return 4;
	case KBTF_VERDICT_ELF_REJECTED:
		return 5;
	default:
		return 6;
	}
}

size_t kbtf_report_count_label(const struct kbtf_matrix *mx, size_t label)
{
	size_t i, n = 0;

	for (i = 0; i < mx->nr_modules * mx->nr_kernels; i++)
		n +=
		    !mx->results[i].not_paired && kbtf_report_label_index(&mx->results[i]) == label;
	return n;
}

const char *kbtf_report_worst_label(const struct kbtf_matrix *mx)
{
	size_t i, w = 0, l;

	for (i = 0; i < mx->nr_modules * mx->nr_kernels; i++) {
		if (mx->results[i].not_paired)
			continue;
		l = kbtf_report_label_index(&mx->results[i]);
		/* ok-unchecked is worse than ok, better than any refusal */
		if (label_rank[l] > label_rank[w])
			w = l;
	}
	return kbtf_report_labels[w];
}

#define LBIT(i) (1u << (i))
/* a class also matches a problem of its kind on a pair whose verdict an
 * earlier step decided (BTF problems behind a symbols refusal) */
#define BTF_PROBLEMS (1u << 8)
#define SYM_PROBLEMS (1u << 9)

unsigned int kbtf_report_fail_default(void)
{
	return ~LBIT(0) & (LBIT(KBTF_REPORT_NR_LABELS) - 1);
}

int kbtf_report_fail_parse(const char *list, unsigned int *out)
{
	static const struct {
		const char *word;
		unsigned int bits;
	} classes[] = {
	    {"btf", LBIT(2) | LBIT(3) | BTF_PROBLEMS},
	    {"symbols", LBIT(4) | SYM_PROBLEMS},
	    {"elf", LBIT(5)},
	    {"unchecked", LBIT(1)},
	    {"error", LBIT(6)},
	    {"layout", LBIT(7)},
	    {"any", LBIT(1) | LBIT(2) | LBIT(3) | LBIT(4) | LBIT(5) | LBIT(6) | LBIT(7)},
	    {"none", 0},
	};
	unsigned int bits = 0;
	const char *p = list;
	size_t i, len;

	while (*p) {
		bool found = false;

		len = strcspn(p, ",");
		for (i = 0; i < KBTF_REPORT_NR_LABELS && !found; i++) {
			if (strlen(kbtf_report_labels[i]) == len &&
			    !strncmp(p, kbtf_report_labels[i], len)) {
				bits |= LBIT(i);
				found = true;
			}
		}
		for (i = 0; i < sizeof(classes) / sizeof(classes[0]) && !found; i++) {
			if (strlen(classes[i].word) == len && !strncmp(p, classes[i].word, len)) {
				bits |= classes[i].bits;
				found = true;
			}
		}
		if (!found || !len)
			return kbtf_err(
			    -EINVAL,
			    "--fail-on: '%.*s' is not a verdict (ok-unchecked, "
			    "layout-conflict, no-distilled-support, btf-rejected, symbols, "
			    "elf-rejected, error) or class (btf, symbols, elf, unchecked, "
			    "layout, error, any, none)",
			    (int)len, p);
		p += len;
		if (*p == ',')
			p++;
	}
	*out = bits;
	return 0;
}

/* BTF problems of the load's BTF step (not the layout conflicts of an
 * access record, class "layout"). */
static bool btf_step_problems(const struct kbtf_result *r)
{
	size_t i;

	for (i = 0; i < r->nr_problems; i++) {
		const char *why = r->problems[i].reason;

		if (r->problems[i].kind == KBTF_PROBLEM_BTF && strncmp(why, "member-", 7) &&
		    strcmp(why, "bitfield-changed"))
			return true;
	}
	return false;
}

bool kbtf_report_fails(const struct kbtf_matrix *mx, unsigned int fail)
{
	size_t i, l;

	for (i = 0; i < mx->nr_modules * mx->nr_kernels; i++) {
		const struct kbtf_result *r = &mx->results[i];

		if (r->not_paired)
			continue;
		l = kbtf_report_label_index(r);
		if (fail & LBIT(l))
			return true;
		if ((fail & BTF_PROBLEMS) && btf_step_problems(r))
			return true;
		if ((fail & SYM_PROBLEMS) && kbtf_result_count(r, KBTF_PROBLEM_SYMBOL))
			return true;
	}
	return false;
}

int kbtf_report_format_of_path(const char *path, enum kbtf_report_format *out)
{
	static const struct {
		const char *ext;
		enum kbtf_report_format fmt;
	} exts[] = {
	    {".txt", KBTF_REPORT_TEXT}, {".json", KBTF_REPORT_JSON}, {".xml", KBTF_REPORT_JUNIT},
	    {".md", KBTF_REPORT_MD},	{".html", KBTF_REPORT_HTML}, {".htm", KBTF_REPORT_HTML},
	};
	size_t i, n = strlen(path), e;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		e = strlen(exts[i].ext);
		if (n > e && !strcasecmp(path + n - e, exts[i].ext)) {
			*out = exts[i].fmt;
			return 0;
		}
	}
	return -EINVAL;
}

void kbtf_report_row_names(const struct kbtf_matrix *mx, const struct kbtf_cause_row *row,
			   bool kernels, size_t max, char *buf, size_t len)
{
	size_t *ix = calloc((kernels ? mx->nr_kernels : mx->nr_modules) + 1, sizeof(*ix));
	size_t n, i, used = 0;
	char label[256];

	buf[0] = '\0';
	if (!ix)
		return;
	n = kernels ? kbtf_cause_row_kernels(mx, row, ix) : kbtf_cause_row_modules(mx, row, ix);
	for (i = 0; i < n && i < max && used + 1 < len; i++) {
		if (kernels)
			kbtf_report_kernel_label(kbtf_report_at(mx, 0, ix[i]), label,
						 sizeof(label));
		else
			kbtf_report_module_label(kbtf_report_at(mx, ix[i], 0), label,
						 sizeof(label));
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", label);
	}
	if (n > max && used + 1 < len)
		snprintf(buf + used, len - used, " and %zu more", n - max);
	free(ix);
}

void kbtf_report_unchecked_str(unsigned int unchecked, char *buf, size_t len)
{
	static const enum kbtf_unchecked all[] = {KBTF_UNCHECKED_SYMBOLS, KBTF_UNCHECKED_VERMAGIC,
						  KBTF_UNCHECKED_ARCH, KBTF_UNCHECKED_LAYOUT};
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(all) / sizeof(all[0]) && used + 1 < len; i++)
		if (unchecked & all[i])
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 kbtf_unchecked_str(all[i]));
}

void kbtf_report_causes_str(const struct kbtf_result *r, char *buf, size_t len)
{
	struct kbtf_pair_cause *pc;
	size_t n, i, j, used = 0, shown;

	buf[0] = '\0';
	if (kbtf_causes_of(r, &pc, &n))
		return;
	for (i = 0; i < n && used + 1 < len; i = j) {
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "; " : "",
					 kbtf_cause_code(pc[i].cause));
		/* the subjects of one cause together, a few of them */
		for (j = i, shown = 0; j < n && pc[j].cause == pc[i].cause; j++) {
			if (!*pc[j].subject || strlen(pc[j].subject) > 80 || used + 1 >= len)
				continue;
			if (shown < 4)
				used += (size_t)snprintf(buf + used, len - used, "%s%s",
							 shown ? ", " : " (", pc[j].subject);
			shown++;
		}
		if (shown > 4 && used + 1 < len)
			used +=
			    (size_t)snprintf(buf + used, len - used, " and %zu more", shown - 4);
		if (shown && used + 1 < len)
			used += (size_t)snprintf(buf + used, len - used, ")");
	}
	free(pc);
}
