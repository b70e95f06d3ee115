/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One streaming JSON writer shared by every command, so that --json output
 * looks the same everywhere (bpftool's json_writer idea). Values go straight
 * to a FILE; nothing is buffered but the nesting state.
 *
 * Pretty output indents by two spaces, one member per line; compact output
 * has no spaces at all. Each complete top-level value is followed by a
 * newline, so several values in compact mode make JSON Lines.
 *
 * Strings are written as UTF-8 with the escapes RFC 8259 requires; bytes
 * that are not valid UTF-8 come out as U+FFFD, so the output always parses
 * whatever a BTF string table or a .modinfo holds.
 */
#ifndef KBTF_JSON_H
#define KBTF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kbtf/api.h"

struct kbtf_json;

/* A writer on @f (not closed by kbtf_json_free). NULL when out of memory. */
KBTF_API struct kbtf_json *kbtf_json_new(FILE *f, bool pretty);
/*
 * Check the document is complete and the stream healthy, then free.
 * Returns 0, -EINVAL for unbalanced nesting or a dangling key, -EIO when
 * the stream had a write error. Safe on NULL.
 */
KBTF_API int kbtf_json_free(struct kbtf_json *j);

KBTF_API void kbtf_json_object_start(struct kbtf_json *j);
KBTF_API void kbtf_json_object_end(struct kbtf_json *j);
KBTF_API void kbtf_json_array_start(struct kbtf_json *j);
KBTF_API void kbtf_json_array_end(struct kbtf_json *j);

/* Member name inside an object; the next value call is its value. */
KBTF_API void kbtf_json_key(struct kbtf_json *j, const char *name);

/* Values. A NULL string is written as null. */
KBTF_API void kbtf_json_string(struct kbtf_json *j, const char *s);
KBTF_API void kbtf_json_string_len(struct kbtf_json *j, const char *s, size_t len);
KBTF_API void kbtf_json_stringf(struct kbtf_json *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
KBTF_API void kbtf_json_int(struct kbtf_json *j, int64_t v);
KBTF_API void kbtf_json_uint(struct kbtf_json *j, uint64_t v);
KBTF_API void kbtf_json_bool(struct kbtf_json *j, bool v);
KBTF_API void kbtf_json_null(struct kbtf_json *j);

/* key + value in one call, the common case inside objects. */
KBTF_API void kbtf_json_kv_string(struct kbtf_json *j, const char *key, const char *s);
KBTF_API void kbtf_json_kv_int(struct kbtf_json *j, const char *key, int64_t v);
KBTF_API void kbtf_json_kv_uint(struct kbtf_json *j, const char *key, uint64_t v);
KBTF_API void kbtf_json_kv_bool(struct kbtf_json *j, const char *key, bool v);
KBTF_API void kbtf_json_kv_null(struct kbtf_json *j, const char *key);
/* key + start of a nested object or array */
KBTF_API void kbtf_json_kv_object(struct kbtf_json *j, const char *key);
KBTF_API void kbtf_json_kv_array(struct kbtf_json *j, const char *key);

#endif
