// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * --baseline: an earlier run's JSON report (format 1 or 2,
 * docs/json-format.md), read back to say per pair what changed since:
 * new failures first, then new pairs, fixed ones, pairs gone, and how
 * many stayed the same. A pair is the module's name and the kernel's
 * name (its release, or its source's last part, with its layers), so a
 * report from another machine or path compares too.
 *
 * The reader is a small JSON parser of its own (RFC 8259, depth and size
 * bounded, strings unescaped to UTF-8) keeping only what a baseline needs;
 * anything that is not a kbtf report is refused with one line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/buf.h"
#include "kbtf/err.h"
#include "kbtf/json.h"
#include "report_writers.h"

#define MAX_DEPTH 64

struct bl_pair {
	char *module, *kernel, *verdict;
	bool used;
};

struct kbtf_baseline {
	char *path;
	struct bl_pair *pairs;
	size_t n;
};

/* ------------------------------------------------------- the JSON reader */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype t;
	char *s; /* J_STR: the string; J_NUM, J_BOOL: the text */
	struct jv *kids;
	char **keys; /* J_OBJ */
	size_t n;
};

struct jp {
	const char *p, *end;
	const char *why;
	size_t at;
	const char *start;
	/*
	 * The root object's "results" array, whose elements go to @sink one
	 * by one and are freed, so a report of 100,000 pairs (800 MB of
	 * JSON) is never a tree in memory: NULL until its key is read.
	 */
	struct jv *results;
	int (*sink)(void *ctx, const struct jv *result);
	void *ctx;
	bool results_done; /* "results" read: a second one is not the report's */
	bool sink_failed;  /* the error is the sink's, its message set */
};

static void jv_fini(struct jv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		jv_fini(&v->kids[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->s);
	memset(v, 0, sizeof(*v));
}

static int fail(struct jp *jp, const char *why)
{
	if (!jp->why) {
		jp->why = why;
		jp->at = (size_t)(jp->p - jp->start);
	}
	return -EINVAL;
}

static void ws(struct jp *jp)
{
	while (jp->p < jp->end && strchr(" \t\r\n", *jp->p) && *jp->p)
		jp->p++;
}

static void put_utf8(char *o, size_t *n, unsigned int c)
{
	if (c < 0x80) {
		o[(*n)++] = (char)c;
	} else if (c < 0x800) {
		o[(*n)++] = (char)(0xc0 | (c >> 6));
		o[(*n)++] = (char)(0x80 | (c & 0x3f));
	} else {
		o[(*n)++] = (char)(0xe0 | (c >> 12));
		o[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[(*n)++] = (char)(0x80 | (c & 0x3f));
	}
}

static int hex4(struct jp *jp, unsigned int *c)
{
	int i;

	*c = 0;
	if (jp->end - jp->p < 4)
		return fail(jp, "a \\u escape cut short");
	for (i = 0; i < 4; i++) {
		char h = *jp->p++;

		*c <<= 4;
		if (h >= '0' && h <= '9')
			*c |= (unsigned int)(h - '0');
		else if (h >= 'a' && h <= 'f')
			*c |= (unsigned int)(h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			*c |= (unsigned int)(h - 'A' + 10);
		else
			return fail(jp, "a bad \\u escape");
	}
	return 0;
}

static int string(struct jp *jp, char **out)
{
	const char *q;
	char *o;
	size_t n = 0;
	unsigned int c;

	jp->p++; /* the quote */
	for (q = jp->p; q < jp->end && *q != '"'; q++)
		if (*q == '\\')
			q++;
	if (q >= jp->end)
		return fail(jp, "a string without its closing quote");
	/* an escape never grows: \uXXXX (6 bytes) is at most 3 of UTF-8 */
	o = malloc((size_t)(q - jp->p) + 1);
	if (!o)
		return -ENOMEM;
	while (jp->p < q) {
		if ((unsigned char)*jp->p < 0x20) {
			free(o);
			return fail(jp, "a control character in a string");
		}
		if (*jp->p != '\\') {
			o[n++] = *jp->p++;
			continue;
		}
		jp->p++;
		switch (*jp->p++) {
		case '"':
			o[n++] = '"';
			break;
		case '\\':
			o[n++] = '\\';
			break;
		case '/':
			o[n++] = '/';
			break;
		case 'b':
			o[n++] = '\b';
			break;
		case 'f':
			o[n++] = '\f';
			break;
		case 'n':
			o[n++] = '\n';
			break;
		case 'r':
			o[n++] = '\r';
			break;
		case 't':
			o[n++] = '\t';
			break;
		case 'u':
			if (hex4(jp, &c)) {
				free(o);
				return -EINVAL;
			}
			/* a surrogate half stands for U+FFFD: names are ASCII */
			put_utf8(o, &n, c >= 0xd800 && c <= 0xdfff ? 0xfffd : c);
			break;
		default:
			free(o);
			return fail(jp, "a bad escape in a string");
		}
	}
	jp->p = q + 1;
	o[n] = '\0';
	*out = o;
	return 0;
}

static int value(struct jp *jp, struct jv *v, int depth);

static int grow(struct jv *v, bool keys)
{
	struct jv *nk;
	char **nkeys;

	if ((v->n & (v->n - 1)) == 0) { /* at 0, 1, 2, 4 ...: double */
		size_t cap = v->n ? v->n * 2 : 1;

		nk = realloc(v->kids, cap * sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		v->kids = nk;
		if (keys) {
			nkeys = realloc(v->keys, cap * sizeof(*nkeys));
			if (!nkeys)
				return -ENOMEM;
			v->keys = nkeys;
		}
	}
	memset(&v->kids[v->n], 0, sizeof(*v->kids));
	if (keys)
		v->keys[v->n] = NULL;
	return 0;
}

static int container(struct jp *jp, struct jv *v, int depth, bool obj)
{
	char close = obj ? '}' : ']';
	bool stream = !obj && jp->sink && v == jp->results;
	int err;

	v->t = obj ? J_OBJ : J_ARR;
	jp->p++;
	ws(jp);
	if (jp->p < jp->end && *jp->p == close) {
		jp->p++;
		return 0;
	}
	for (;;) {
		err = grow(v, obj);
		if (err)
			return err;
		v->n++;
		if (obj) {
			ws(jp);
			if (jp->p >= jp->end || *jp->p != '"')
				return fail(jp, "an object key is not a string");
			err = string(jp, &v->keys[v->n - 1]);
			if (err)
				return err;
			ws(jp);
			if (jp->p >= jp->end || *jp->p != ':')
				return fail(jp, "no ':' after an object key");
			jp->p++;
			/* the first "results" only, as get() finds it */
			if (depth == 0 && !jp->results_done &&
			    !strcmp(v->keys[v->n - 1], "results"))
				jp->results = &v->kids[v->n - 1];
		}
		err = value(jp, &v->kids[v->n - 1], depth + 1);
		if (jp->results == &v->kids[v->n - 1]) {
			/* done: a later array may lie where it was */
			jp->results = NULL;
			jp->results_done = true;
		}
		if (err)
			return err;
		if (stream) {
			err = jp->sink(jp->ctx, &v->kids[v->n - 1]);
			jv_fini(&v->kids[v->n - 1]);
			v->n--;
			if (err) {
				jp->sink_failed = true;
				return err;
			}
		}
		ws(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == close) {
			jp->p++;
			return 0;
		}
		return fail(jp, obj ? "no ',' or '}' in an object" : "no ',' or ']' in an array");
	}
}

static int word(struct jp *jp, struct jv *v, const char *w, enum jtype t)
{
	size_t n = strlen(w);

	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, w, n))
		return fail(jp, "not a JSON value");
	jp->p += n;
	v->t = t;
	return 0;
}

static int value(struct jp *jp, struct jv *v, int depth)
{
	const char *q;

	if (depth > MAX_DEPTH)
		return fail(jp, "nested too deep");
	ws(jp);
	if (jp->p >= jp->end)
		return fail(jp, "ends where a value should be");
	switch (*jp->p) {
	case '{':
		return container(jp, v, depth, true);
	case '[':
		return container(jp, v, depth, false);
	case '"':
		v->t = J_STR;
		return string(jp, &v->s);
	case 't':
		return word(jp, v, "true", J_BOOL);
	case 'f':
		return word(jp, v, "false", J_BOOL);
	case 'n':
		return word(jp, v, "null", J_NULL);
	default:
		for (q = jp->p; q < jp->end && strchr("-+.eE0123456789", *q) && *q; q++)
			;
		if (q == jp->p)
			return fail(jp, "not a JSON value");
		v->t = J_NUM;
		jp->p = q;
		return 0;
	}
}

static const struct jv *get(const struct jv *o, const char *key)
{
	size_t i;

	if (!o || o->t != J_OBJ)
		return NULL;
	for (i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return &o->kids[i];
	return NULL;
}

static const char *str(const struct jv *o, const char *key)
{
	const struct jv *v = get(o, key);

	return v && v->t == J_STR ? v->s : NULL;
}

/* ------------------------------------------------------- the baseline */

/* The kernel's name as kbtf_report_kernel_label() makes it. */
static void kernel_name(const struct jv *res, char *buf, size_t len)
{
	const struct jv *layers = get(res, "layers");
	struct kbtf_result r = {0};
	char *lp[16];
	size_t i;

	r.release = (char *)str(res, "release");
	r.source = (char *)str(res, "source");
	if (layers && layers->t == J_ARR) {
		for (i = 0; i < layers->n && i < 16; i++)
			lp[r.nr_layers++] = layers->kids[i].t == J_STR ? layers->kids[i].s : "";
		r.layers = lp;
	}
	kbtf_report_kernel_label(&r, buf, len);
}

static void module_name(const struct jv *res, char *buf, size_t len)
{
	struct kbtf_result r = {0};

	r.module = (char *)str(res, "module");
	r.module_name = (char *)str(res, "module_name");
	kbtf_report_module_label(&r, buf, len);
}

/* One result of the report: its pair kept (as jp.sink). */
static int take(void *ctx, const struct jv *res)
{
	struct kbtf_baseline *b = ctx;
	const char *verdict = str(res, "verdict");
	char mod[256], ker[256];
	struct bl_pair *p;

	if (!verdict)
		return kbtf_err(-EINVAL, "%s: result %zu has no verdict", b->path, b->n);
	if ((b->n & (b->n - 1)) == 0) { /* at 0, 1, 2, 4 ...: double */
		p = realloc(b->pairs, (b->n ? 2 * b->n : 1) * sizeof(*p));
		if (!p)
			return kbtf_err_nomem();
		b->pairs = p;
	}
	p = &b->pairs[b->n];
	module_name(res, mod, sizeof(mod));
	kernel_name(res, ker, sizeof(ker));
	*p = (struct bl_pair){strdup(mod), strdup(ker), strdup(verdict), false};
	b->n++;
	if (!p->module || !p->kernel || !p->verdict)
		return kbtf_err_nomem();
	return 0;
}

int kbtf_baseline_from_mem(const char *path, const void *data, size_t size,
			   struct kbtf_baseline **out)
{
	struct kbtf_baseline *b;
	struct jv root = {0};
	struct jp jp = {0};
	const struct jv *results, *version;
	int err;

	b = calloc(1, sizeof(*b));
	if (!b || !(b->path = strdup(path))) {
		free(b);
		return kbtf_err_nomem();
	}
	jp.p = jp.start = data;
	jp.end = jp.p + size;
	jp.sink = take;
	jp.ctx = b;
	err = value(&jp, &root, 0);
	if (!err) {
		ws(&jp);
		if (jp.p != jp.end)
			err = fail(&jp, "bytes after the JSON value");
	}
	if (jp.sink_failed) {
		; /* take() said why */
	} else if (err == -ENOMEM) {
		err = kbtf_err_nomem();
	} else if (err) {
		err = kbtf_err(-EINVAL, "%s: not JSON: %s at byte %zu", path, jp.why, jp.at);
	} else {
		version = get(&root, "format_version");
		results = get(&root, "results");
		if (!version || version->t != J_NUM || !results || results->t != J_ARR)
			err = kbtf_err(-EINVAL,
				       "%s: not a kbtf validate JSON report (no format_version "
				       "or results)",
				       path);
	}
	jv_fini(&root);
	if (err) {
		kbtf_baseline_free(b);
		return err;
	}
	*out = b;
	return 0;
}

int kbtf_baseline_load(const char *path, struct kbtf_baseline **out)
{
	struct kbtf_buf buf;
	int err = kbtf_buf_from_file(path, &buf);

	if (err)
		return kbtf_err_prefix(err, "%s", path);
	err = kbtf_baseline_from_mem(path, buf.data, buf.size, out);
	kbtf_buf_release(&buf);
	return err;
}

void kbtf_baseline_free(struct kbtf_baseline *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n; i++) {
		free(b->pairs[i].module);
		free(b->pairs[i].kernel);
		free(b->pairs[i].verdict);
	}
	free(b->pairs);
	free(b->path);
	free(b);
}

const char *kbtf_baseline_path(const struct kbtf_baseline *b)
{
	return b->path;
}

const char *kbtf_change_str(enum kbtf_change c)
{
	static const char *const names[] = {"worse", "new", "better", "gone", "unpaired", "same"};

	return (size_t)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

/* A verdict's rank among the labels; an unknown one ranks as error. */
static size_t rank(const char *verdict)
{
	size_t i;

	for (i = 0; i < KBTF_REPORT_NR_LABELS; i++)
		if (!strcmp(verdict, kbtf_report_labels[i]))
			return i;
	return KBTF_REPORT_NR_LABELS - 1;
}

static int cmp_change(const void *a, const void *b)
{
	const struct kbtf_report_change *x = a, *y = b;

	if (x->change != y->change)
		return x->change < y->change ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Baseline pairs by module, kernel, then their place in the report. */
static int cmp_bl_order(const void *a, const void *b, void *arg)
{
	const struct bl_pair *p = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int d = strcmp(p[x].module, p[y].module);

	if (!d)
		d = strcmp(p[x].kernel, p[y].kernel);
	return d ? d : (x > y) - (x < y);
}

/*
 * The first baseline pair of @mod on @ker not yet matched, through @ord
 * (the pairs sorted by cmp_bl_order()), or NULL: a binary search, so a
 * run of 100,000 pairs against a baseline as large is not 10^10 string
 * comparisons.
 */
static struct bl_pair *match(struct kbtf_baseline *b, const size_t *ord, const char *mod,
			     const char *ker)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct bl_pair *p = &b->pairs[ord[mid]];
		int d = strcmp(p->module, mod);

		if (!d)
			d = strcmp(p->kernel, ker);
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < b->n; lo++) {
		struct bl_pair *p = &b->pairs[ord[lo]];

		if (strcmp(p->module, mod) || strcmp(p->kernel, ker))
			return NULL;
		if (!p->used) {
			p->used = true;
			return p;
		}
	}
	return NULL;
}

int kbtf_report_changes(const struct kbtf_matrix *mx, const struct kbtf_baseline *cb,
			struct kbtf_report_change **out, size_t *n)
{
	struct kbtf_baseline *b = (struct kbtf_baseline *)cb;
	size_t np = mx->nr_modules * mx->nr_kernels, i, j, nr = 0;
	struct kbtf_report_change *c = calloc(np + b->n + 1, sizeof(*c));
	size_t *ord = malloc(sizeof(*ord) * (b->n + 1));
	char mod[256], ker[256];

	if (!c || !ord) {
		free(c);
		free(ord);
		return kbtf_err_nomem();
	}
	for (j = 0; j < b->n; j++) {
		b->pairs[j].used = false;
		ord[j] = j;
	}
	qsort_r(ord, b->n, sizeof(*ord), cmp_bl_order, b->pairs);
	for (i = 0; i < np; i++) {
		const struct kbtf_result *r = &mx->results[i];
		struct kbtf_report_change *ch;
		struct bl_pair *p;
		size_t now, was;

		kbtf_report_module_label(r, mod, sizeof(mod));
		kbtf_report_kernel_label(r, ker, sizeof(ker));
		p = match(b, ord, mod, ker);
		if (r->not_paired) {
			/* a baseline from before architecture pairing judged it */
			if (p) {
				c[nr].at = i;
				c[nr].was = p->verdict;
				c[nr++].change = KBTF_CHANGE_UNPAIRED;
			}
			continue;
		}
		ch = &c[nr++];
		ch->at = i;
		ch->change = KBTF_CHANGE_NEW;
		if (!p)
			continue;
		ch->was = p->verdict;
		now = kbtf_report_label_index(r);
		was = rank(p->verdict);
		ch->change = now > was	 ? KBTF_CHANGE_WORSE
			     : now < was ? KBTF_CHANGE_BETTER
					 : KBTF_CHANGE_SAME;
	}
	free(ord);
	for (j = 0; j < b->n; j++) {
		if (b->pairs[j].used)
			continue;
		c[nr].change = KBTF_CHANGE_GONE;
		c[nr].at = SIZE_MAX;
		c[nr].was = b->pairs[j].verdict;
		c[nr].module = b->pairs[j].module;
		c[nr++].kernel = b->pairs[j].kernel;
	}
	qsort(c, nr, sizeof(*c), cmp_change);
	*out = c;
	*n = nr;
	return 0;
}

bool kbtf_report_next_change(const struct kbtf_matrix *mx, const struct kbtf_report_change *c,
			     size_t n, size_t *i, size_t *same, struct kbtf_change_row *row)
{
	for (; *i < n && c[*i].change == KBTF_CHANGE_SAME; (*i)++)
		(*same)++;
	if (*i >= n)
		return false;
	row->c = &c[(*i)++];
	row->r = row->c->at == SIZE_MAX ? NULL : &mx->results[row->c->at];
	if (!row->r) {
		row->module = row->c->module;
		row->kernel = row->c->kernel;
		row->now = NULL;
		return true;
	}
	kbtf_report_module_label(row->r, row->mod, sizeof(row->mod));
	kbtf_report_kernel_label(row->r, row->ker, sizeof(row->ker));
	row->module = row->mod;
	row->kernel = row->ker;
	row->now = row->r->not_paired ? "no longer paired (other architecture)"
				      : kbtf_result_label(row->r);
	return true;
}

int kbtf_report_baseline_json(struct kbtf_json *j, const struct kbtf_matrix *mx,
			      const struct kbtf_baseline *b)
{
	struct kbtf_report_change *c;
	size_t n, i, same = 0;
	struct kbtf_change_row row;

	if (kbtf_report_changes(mx, b, &c, &n))
		return -ENOMEM;
	kbtf_json_kv_object(j, "baseline");
	kbtf_json_kv_string(j, "path", b->path);
	kbtf_json_kv_array(j, "changes");
	for (i = 0; kbtf_report_next_change(mx, c, n, &i, &same, &row);) {
		kbtf_json_object_start(j);
		kbtf_json_kv_string(j, "change", kbtf_change_str(row.c->change));
		kbtf_json_kv_string(j, "module", row.module);
		kbtf_json_kv_string(j, "kernel", row.kernel);
		kbtf_json_kv_string(j, "was", row.c->was);
		kbtf_json_kv_string(j, "now", row.r && !row.r->not_paired ? row.now : NULL);
		kbtf_json_object_end(j);
	}
	kbtf_json_array_end(j);
	kbtf_json_kv_uint(j, "unchanged", same);
	kbtf_json_object_end(j);
	free(c);
	return 0;
}
