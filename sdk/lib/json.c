// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The streaming JSON writer behind every --json (see kbtf/json.h). It owns
 * separators, indentation and string escaping; callers only say what comes
 * next. Misuse (a value without a key inside an object, unbalanced ends) is
 * remembered and reported by kbtf_json_free rather than crashing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/json.h"

#define JSON_MAX_DEPTH 64

struct kbtf_json {
	FILE *f;
	bool pretty;
	bool after_key; /* a key was written, its value comes next */
	bool misuse;	/* unbalanced or too deep: reported at free */
	unsigned int depth;
	bool in_object[JSON_MAX_DEPTH + 1];
	uint64_t count[JSON_MAX_DEPTH + 1]; /* values written at each level */
};

struct kbtf_json *kbtf_json_new(FILE *f, bool pretty)
{
	struct kbtf_json *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->f = f;
	j->pretty = pretty;
	return j;
}

int kbtf_json_free(struct kbtf_json *j)
{
	int err = 0;

	if (!j)
		return 0;
	if (j->misuse || j->depth || j->after_key)
		err = -EINVAL;
	else if (fflush(j->f) || ferror(j->f))
		err = -EIO;
	free(j);
	return err;
}

static void newline_indent(struct kbtf_json *j)
{
	unsigned int i;

	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Whatever must precede a value or a key at the current position. */
static void before_item(struct kbtf_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth && j->count[j->depth])
		fputc(',', j->f);
	if (j->depth)
		newline_indent(j);
	j->count[j->depth]++;
}

static void before_value(struct kbtf_json *j)
{
	/* inside an object every value needs a key first */
	if (j->depth && j->in_object[j->depth] && !j->after_key)
		j->misuse = true;
	before_item(j);
}

/* A top-level value is complete: end its line. */
static void after_value(struct kbtf_json *j)
{
	if (!j->depth)
		fputc('\n', j->f);
}

static void container_start(struct kbtf_json *j, bool object)
{
	before_value(j);
	fputc(object ? '{' : '[', j->f);
	if (j->depth == JSON_MAX_DEPTH) {
		j->misuse = true;
		return;
	}
	j->depth++;
	j->in_object[j->depth] = object;
	j->count[j->depth] = 0;
}

static void container_end(struct kbtf_json *j, bool object)
{
	bool had_items;

	if (!j->depth || j->in_object[j->depth] != object || j->after_key) {
		j->misuse = true;
		return;
	}
	had_items = j->count[j->depth] != 0;
	j->depth--;
	if (had_items)
		newline_indent(j);
	fputc(object ? '}' : ']', j->f);
	after_value(j);
}

void kbtf_json_object_start(struct kbtf_json *j)
{
	container_start(j, true);
}

void kbtf_json_object_end(struct kbtf_json *j)
{
	container_end(j, true);
}

void kbtf_json_array_start(struct kbtf_json *j)
{
	container_start(j, false);
}

void kbtf_json_array_end(struct kbtf_json *j)
{
	container_end(j, false);
}

/* Length of the valid UTF-8 sequence at @s (0 if it is not one). */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	/* the second byte's range excludes overlongs, surrogates, > U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static void write_escaped(FILE *f, const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	fputc('"', f);
	while (i < len) {
		unsigned char c = s[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(f, "\\u%04x", c);
				break;
			}
			n = utf8_seq_len(s + i, len - i);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s + i, 1, n, f);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', f);
}

void kbtf_json_key(struct kbtf_json *j, const char *name)
{
	if (!j->depth || !j->in_object[j->depth] || j->after_key)
		j->misuse = true;
	before_item(j);
	write_escaped(j->f, (const unsigned char *)name, strlen(name));
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

void kbtf_json_string_len(struct kbtf_json *j, const char *s, size_t len)
{
	if (!s) {
		kbtf_json_null(j);
		return;
	}
	before_value(j);
	write_escaped(j->f, (const unsigned char *)s, len);
	after_value(j);
}

void kbtf_json_string(struct kbtf_json *j, const char *s)
{
	kbtf_json_string_len(j, s, s ? strlen(s) : 0);
}

void kbtf_json_stringf(struct kbtf_json *j, const char *fmt, ...)
{
	char small[256], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		j->misuse = true;
		kbtf_json_null(j);
		return;
	}
	if ((size_t)n < sizeof(small)) {
		kbtf_json_string_len(j, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		j->misuse = true;
		kbtf_json_null(j);
		return;
	}
	kbtf_json_string_len(j, big, (size_t)n);
	free(big);
}

void kbtf_json_int(struct kbtf_json *j, int64_t v)
{
	before_value(j);
	fprintf(j->f, "%" PRId64, v);
	after_value(j);
}

void kbtf_json_uint(struct kbtf_json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->f, "%" PRIu64, v);
	after_value(j);
}

void kbtf_json_bool(struct kbtf_json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->f);
	after_value(j);
}

void kbtf_json_null(struct kbtf_json *j)
{
	before_value(j);
	fputs("null", j->f);
	after_value(j);
}

void kbtf_json_kv_string(struct kbtf_json *j, const char *key, const char *s)
{
	kbtf_json_key(j, key);
	kbtf_json_string(j, s);
}

void kbtf_json_kv_int(struct kbtf_json *j, const char *key, int64_t v)
{
	kbtf_json_key(j, key);
	kbtf_json_int(j, v);
}

void kbtf_json_kv_uint(struct kbtf_json *j, const char *key, uint64_t v)
{
	kbtf_json_key(j, key);
	kbtf_json_uint(j, v);
}

void kbtf_json_kv_bool(struct kbtf_json *j, const char *key, bool v)
{
	kbtf_json_key(j, key);
	kbtf_json_bool(j, v);
}

void kbtf_json_kv_null(struct kbtf_json *j, const char *key)
{
	kbtf_json_key(j, key);
	kbtf_json_null(j);
}

void kbtf_json_kv_object(struct kbtf_json *j, const char *key)
{
	kbtf_json_key(j, key);
	kbtf_json_object_start(j);
}

void kbtf_json_kv_array(struct kbtf_json *j, const char *key)
{
	kbtf_json_key(j, key);
	kbtf_json_array_start(j);
}
