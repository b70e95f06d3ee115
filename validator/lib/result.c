// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The result of judging one (module, kernel) pair: names of verdicts and
 * load outcomes, what judges write down and how a result takes it
 * (result_build.h), freeing a result. Who decides the verdict is verdict.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result_build.h"
#include "kbtf/validate.h"

const char *kbtf_verdict_str(enum kbtf_verdict v)
{
	switch (v) {
	case KBTF_VERDICT_OK:
		return "ok";
	case KBTF_VERDICT_LAYOUT_CONFLICT:
		return "layout-conflict";
	case KBTF_VERDICT_NO_DISTILLED:
		return "no-distilled-support";
	case KBTF_VERDICT_BTF_REJECTED:
		return "btf-rejected";
	case KBTF_VERDICT_SYMBOLS:
		return "symbols";
	case KBTF_VERDICT_ELF_REJECTED:
		return "elf-rejected";
	case KBTF_VERDICT_ERROR:
		return "error";
	}
	return "?";
}

const char *kbtf_load_str(enum kbtf_load l)
{
	switch (l) {
	case KBTF_LOAD_UNKNOWN:
		return "unknown";
	case KBTF_LOAD_OK:
		return "loads";
	case KBTF_LOAD_NO_BTF:
		return "loads-without-btf";
	case KBTF_LOAD_REFUSED:
		return "refused";
	case KBTF_LOAD_NO_BTF_OR_REFUSED:
		return "loads-without-btf-or-refused";
	case KBTF_LOAD_WRONG_BTF:
		return "loads-with-wrong-btf";
	}
	return "?";
}

/*
 * The few conversions the judges' lines use (%s %u %d %zu %x %08x %%),
 * made here as printf makes them: glibc's printf costs a thousand
 * instructions before its first byte, and a pair makes dozens of lines.
 * Any other format goes to printf.
 */
static bool fmt_simple(const char *fmt)
{
	for (; (fmt = strchr(fmt, '%')); fmt++) {
		fmt++;
		if (*fmt == '%' || *fmt == 's' || *fmt == 'u' || *fmt == 'd' || *fmt == 'x')
			continue;
		if (fmt[0] == 'z' && fmt[1] == 'u')
			fmt++;
		else if (fmt[0] == '0' && fmt[1] == '8' && fmt[2] == 'x')
			fmt += 2;
		else
			return false;
	}
	return true;
}

/* Output into @p (@cap bytes, no NUL), counting the whole length in @n. */
struct sink {
	char *p;
	size_t cap, n;
};

static void sink_put(struct sink *k, const char *s, size_t len)
{
	if (k->n < k->cap)
		memcpy(k->p + k->n, s, len < k->cap - k->n ? len : k->cap - k->n);
	k->n += len;
}

static void sink_num(struct sink *k, unsigned long long v, unsigned int base, int width)
{
	char num[24], *p = num + sizeof(num);

	do
		*--p = "0123456789abcdef"[v % base];
	while (v /= base);
	while (num + sizeof(num) - p < width)
		*--p = '0';
	sink_put(k, p, (size_t)(num + sizeof(num) - p));
}

/* @fmt (fmt_simple()) with @ap into @k. */
static void sink_fmt(struct sink *k, const char *fmt, va_list ap)
{
	const char *pct, *s;
	int d;

	while ((pct = strchr(fmt, '%'))) {
		sink_put(k, fmt, (size_t)(pct - fmt));
		fmt = pct + 2;
		switch (pct[1]) {
		case '%':
			sink_put(k, "%", 1);
			break;
		case 's':
			s = va_arg(ap, const char *);
			s = s ? s : "(null)";
			sink_put(k, s, strlen(s));
			break;
		case 'u':
			sink_num(k, va_arg(ap, unsigned int), 10, 0);
			break;
		case 'd':
			d = va_arg(ap, int);
			if (d < 0)
				sink_put(k, "-", 1);
			sink_num(k, d < 0 ? (unsigned int)-(d + 1) + 1ull : (unsigned int)d, 10, 0);
			break;
		case 'x':
			sink_num(k, va_arg(ap, unsigned int), 16, 0);
			break;
		case 'z': /* %zu */
			sink_num(k, va_arg(ap, size_t), 10, 0);
			fmt++;
			break;
		default: /* %08x */
			sink_num(k, va_arg(ap, unsigned int), 16, 8);
			fmt += 2;
			break;
		}
	}
	sink_put(k, fmt, strlen(fmt));
}

static char *vstrf(int *err, const char *fmt, va_list ap) KBTF_PRINTF(2, 0);

static char *vstrf(int *err, const char *fmt, va_list ap)
{
	char *s = NULL, line[1024];
	struct sink k = {line, sizeof(line), 0};
	va_list again;

	if (fmt_simple(fmt)) {
		va_copy(again, ap);
		sink_fmt(&k, fmt, again);
		va_end(again);
		if (k.n < sizeof(line)) {
			s = malloc(k.n + 1);
			if (!s) {
				*err = -ENOMEM;
				return NULL;
			}
			memcpy(s, line, k.n);
			s[k.n] = '\0';
			return s;
		}
	}
	if (vasprintf(&s, fmt, ap) < 0) {
		*err = -ENOMEM;
		return NULL;
	}
	return s;
}

void kbtf_appendf(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (*used + 1 >= len)
		return;
	va_start(ap, fmt);
	if (fmt_simple(fmt)) {
		struct sink k = {buf + *used, len - *used - 1, 0};

		sink_fmt(&k, fmt, ap);
		buf[*used + (k.n < k.cap ? k.n : k.cap)] = '\0';
		n = k.n;
	} else {
		int r = vsnprintf(buf + *used, len - *used, fmt, ap);

		n = r > 0 ? (size_t)r : 0;
	}
	va_end(ap);
	if (n > 0)
		*used = *used + n < len ? *used + n : len - 1;
}

void kbtf_appends(char *buf, size_t len, size_t *used, const char *s)
{
	size_t n;

	if (*used + 1 >= len)
		return;
	n = strlen(s);
	if (n > len - 1 - *used)
		n = len - 1 - *used;
	memcpy(buf + *used, s, n);
	*used += n;
	buf[*used] = '\0';
}

void kbtf_appendu(char *buf, size_t len, size_t *used, unsigned int v)
{
	char num[16], *p = num + sizeof(num);

	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	kbtf_appends(buf, len, used, p);
}

void kbtf_bits_str(uint32_t bits, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (bits % 8) {
		kbtf_appends(buf, len, &used, "bit ");
		kbtf_appendu(buf, len, &used, bits);
	} else {
		kbtf_appendu(buf, len, &used, bits / 8);
	}
}

void kbtf_appendx(char *buf, size_t len, size_t *used, uint32_t v)
{
	static const char hex[] = "0123456789abcdef";
	char num[11];
	int i;

	num[0] = '0';
	num[1] = 'x';
	for (i = 0; i < 8; i++)
		num[2 + i] = hex[(v >> (28 - 4 * i)) & 0xf];
	num[10] = '\0';
	kbtf_appends(buf, len, used, num);
}

/* ------------------------------------------------------------ notes */

static void problem_fini(struct kbtf_problem *p)
{
	free(p->name);
	free(p->reason);
	free(p->expected);
	free(p->actual);
	free(p->detail);
}

static void warning_fini(struct kbtf_warning *w)
{
	size_t i;

	for (i = 0; i < w->nr_details; i++)
		free(w->details[i]);
	free(w->details);
	free(w->kind);
	free(w->name);
	free(w->message);
}

void kbtf_note_field(struct kbtf_notes *n, char **field, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!field)
		return;
	va_start(ap, fmt);
	s = vstrf(&n->err, fmt, ap);
	va_end(ap);
	if (!s)
		return;
	free(*field);
	*field = s;
}

static void *grow(int *err, void *arr, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 4;
	p = realloc(arr, ncap * elem);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	*cap = ncap;
	return p;
}

struct kbtf_problem *kbtf_note_problem(struct kbtf_notes *n, enum kbtf_problem_kind kind,
				       const char *name, const char *reason)
{
	struct kbtf_problem *arr, *p;

	arr = grow(&n->err, n->problems, &n->cap_problems, n->nr_problems, sizeof(*arr));
	if (!arr)
		return NULL;
	n->problems = arr;
	p = &arr[n->nr_problems];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->module_size = p->kernel_size = -1;
	p->name = strdup(name ? name : "");
	p->reason = strdup(reason);
	if (!p->name || !p->reason) {
		free(p->name);
		free(p->reason);
		n->err = -ENOMEM;
		return NULL;
	}
	n->nr_problems++;
	return p;
}

struct kbtf_warning *kbtf_note_warning(struct kbtf_notes *n, enum kbtf_severity sev,
				       const char *kind, const char *name, const char *fmt, ...)
{
	struct kbtf_warning *arr, *w;
	va_list ap;

	arr = grow(&n->err, n->warnings, &n->cap_warnings, n->nr_warnings, sizeof(*arr));
	if (!arr)
		return NULL;
	n->warnings = arr;
	w = &arr[n->nr_warnings];
	memset(w, 0, sizeof(*w));
	w->severity = sev;
	w->kind = strdup(kind);
	w->name = strdup(name ? name : "");
	va_start(ap, fmt);
	w->message = vstrf(&n->err, fmt, ap);
	va_end(ap);
	if (!w->kind || !w->name || !w->message) {
		free(w->kind);
		free(w->name);
		free(w->message);
		n->err = -ENOMEM;
		return NULL;
	}
	n->nr_warnings++;
	return w;
}

/* Append @s (malloc'd, or NULL after a failed format) to a grown array; @s is freed on failure. */
static void push_str(struct kbtf_notes *n, char ***arr, size_t *nr, char *s)
{
	char **grown;

	if (!s)
		return;
	grown = realloc(*arr, sizeof(*grown) * (*nr + 1));
	if (!grown) {
		free(s);
		n->err = -ENOMEM;
		return;
	}
	*arr = grown;
	grown[(*nr)++] = s;
}

void kbtf_note_detail(struct kbtf_notes *n, struct kbtf_warning *w, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!w)
		return;
	va_start(ap, fmt);
	s = vstrf(&n->err, fmt, ap);
	va_end(ap);
	push_str(n, &w->details, &w->nr_details, s);
}

void kbtf_note_log(struct kbtf_notes *n, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vstrf(&n->err, fmt, ap);
	va_end(ap);
	push_str(n, &n->log, &n->nr_log, s);
}

void kbtf_notes_fini(struct kbtf_notes *n)
{
	size_t i;

	for (i = 0; i < n->nr_problems; i++)
		problem_fini(&n->problems[i]);
	for (i = 0; i < n->nr_warnings; i++)
		warning_fini(&n->warnings[i]);
	for (i = 0; i < n->nr_log; i++)
		free(n->log[i]);
	free(n->problems);
	free(n->warnings);
	free(n->log);
	memset(n, 0, sizeof(*n));
}

/* ------------------------------------------------------------ the result */

void kbtf_rb_set(struct kbtf_rb *rb, char **dst, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vstrf(&rb->err, fmt, ap);
	va_end(ap);
	if (!s)
		return;
	free(*dst);
	*dst = s;
}

/* Move @nr elements of @size from @from to the end of *@to (*@nr_to of them). */
static int append(void **to, size_t *nr_to, void *from, size_t nr, size_t size)
{
	char *arr;

	if (!nr)
		return 0;
	arr = realloc(*to, (*nr_to + nr) * size);
	if (!arr)
		return -ENOMEM;
	memcpy(arr + *nr_to * size, from, nr * size);
	*to = arr;
	*nr_to += nr;
	return 0;
}

/* Lines are joined by newlines; the log starts empty (""). */
static void log_line(struct kbtf_rb *rb, const char *line)
{
	struct kbtf_result *r = rb->r;
	char *all;

	if (asprintf(&all, "%s%s%s", r->kernel_log ? r->kernel_log : "",
		     r->kernel_log && *r->kernel_log ? "\n" : "", line) < 0) {
		rb->err = -ENOMEM;
		return;
	}
	free(r->kernel_log);
	r->kernel_log = all;
}

void kbtf_rb_take(struct kbtf_rb *rb, struct kbtf_notes *n, bool ran)
{
	struct kbtf_result *r = rb->r;
	size_t i;

	if (n->err)
		rb->err = n->err;
	/* what is appended belongs to the result from then on */
	if (append((void **)&r->problems, &r->nr_problems, n->problems, n->nr_problems,
		   sizeof(*n->problems)))
		goto nomem;
	n->nr_problems = 0;
	if (append((void **)&r->warnings, &r->nr_warnings, n->warnings, n->nr_warnings,
		   sizeof(*n->warnings)))
		goto nomem;
	n->nr_warnings = 0;
	for (i = 0; ran && i < n->nr_log; i++)
		log_line(rb, n->log[i]);
	kbtf_notes_fini(n);
	return;
nomem:
	rb->err = -ENOMEM;
	kbtf_notes_fini(n);
}

void kbtf_result_fini(struct kbtf_result *r)
{
	size_t i;

	for (i = 0; i < r->nr_problems; i++)
		problem_fini(&r->problems[i]);
	for (i = 0; i < r->nr_warnings; i++)
		warning_fini(&r->warnings[i]);
	free(r->problems);
	free(r->warnings);
	free(r->module);
	free(r->module_name);
	free(r->source);
	free(r->release);
	for (i = 0; i < r->nr_layers; i++)
		free(r->layers[i]);
	free(r->layers);
	free(r->summary);
	free(r->consequence);
	free(r->kernel_log);
	free(r->kernel_log_note);
	free(r->btf_log);
	free(r->btf_form);
	free(r->reloc_log);
	free(r->module_release);
	free(r->module_arch);
	free(r->kernel_arch);
	free(r->symbols_from);
	free(r->kabi);
	memset(r, 0, sizeof(*r));
}

const char *kbtf_result_label(const struct kbtf_result *r)
{
	/* what --no-symbols turned off on purpose does not count: the run
	 * asked for a BTF-only verdict */
	if (r->verdict == KBTF_VERDICT_OK && (r->unchecked & ~r->skipped & KBTF_UNCHECKED_LOAD))
		return "ok-unchecked";
	return kbtf_verdict_str(r->verdict);
}

const char *kbtf_unchecked_str(enum kbtf_unchecked u)
{
	switch (u) {
	case KBTF_UNCHECKED_SYMBOLS:
		return "symbols";
	case KBTF_UNCHECKED_VERMAGIC:
		return "vermagic";
	case KBTF_UNCHECKED_LAYOUT:
		return "layout";
	case KBTF_UNCHECKED_ARCH:
		return "arch";
	}
	return "?";
}

size_t kbtf_result_count(const struct kbtf_result *r, enum kbtf_problem_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < r->nr_problems; i++)
		n += r->problems[i].kind == kind;
	return n;
}

size_t kbtf_result_warnings(const struct kbtf_result *r, enum kbtf_severity sev)
{
	size_t i, n = 0;

	for (i = 0; i < r->nr_warnings; i++)
		n += r->warnings[i].severity == sev;
	return n;
}
