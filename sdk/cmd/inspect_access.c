// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf inspect: the access record of a module (module_access.h), grouped
 * per kernel type and member: where the member sits as the module was
 * built, how the code touches it, and the places that do.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "inspect_access.h"
#include "kbtf/err.h"
#include "module_access.h"

#define PLACES 3 /* places spelled out per member in the text form */

/* Records [i, *end) touch the same member. */
static size_t member_end(const struct kbtf_access *a, size_t i, uint32_t *how)
{
	size_t j = i;

	*how = 0;
	while (j < a->nr && !strcmp(a->recs[j].type, a->recs[i].type) &&
	       !strcmp(a->recs[j].path, a->recs[i].path))
		*how |= a->recs[j++].flags;
	return j;
}

static void offset_str(const struct kbtf_access_rec *r, char *buf, size_t len)
{
	if (r->bit_off % 8 || (r->flags & KBTF_ACC_BITFIELD))
		snprintf(buf, len, "+%u bit %u, %u bits", r->bit_off / 8, r->bit_off % 8, r->bits);
	else
		snprintf(buf, len, "+%u, %u B", r->bit_off / 8, r->bits / 8);
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

void inspect_access_text(const struct kbtf_module *m)
{
	struct kbtf_access *a;
	size_t i, j, k, types = 0;
	uint32_t how;

	if (kbtf_access_load(m, &a)) {
		printf("  access record: %s\n",
		       m->access_err == -ENOENT
			   ? "none (member-level checks need kbtf build with its compiler plugin)"
			   : kbtf_errstr());
		return;
	}
	for (i = 0; i < a->nr; i++)
		types += !i || strcmp(a->recs[i].type, a->recs[i - 1].type);
	printf("  access record: %zu places touch members of %zu kernel type%s (%s, %zu B%s)\n",
	       a->nr, types, types == 1 ? "" : "s",
	       m->access_raw ? ".note.kbtf.access" : ".kbtf.access", m->access_size,
	       m->access_raw ? ", per object, not merged yet" : "");
	for (i = 0; i < a->nr; i = j) {
		const struct kbtf_access_rec *r = &a->recs[i];
		char off[64];

		if (!i || strcmp(r->type, a->recs[i - 1].type))
			printf("    %s\n", r->type);
		j = member_end(a, i, &how);
		offset_str(r, off, sizeof(off));
		printf("      %s (%s, %s): %s at", r->path, r->mtype, off, kbtf_access_how(how));
		for (k = i; k < j && k < i + PLACES; k++)
			printf("%s %s (%s:%u%s%s)", k > i ? "," : "", a->recs[k].func,
			       base(a->recs[k].file), a->recs[k].line,
			       *a->recs[k].via ? ", in " : "", a->recs[k].via);
		if (j - i > PLACES)
			printf(" and %zu more", j - i - PLACES);
		printf("\n");
	}
	kbtf_access_free(a);
}

void inspect_access_json(struct kbtf_json *j, const struct kbtf_module *m)
{
	struct kbtf_access *a;
	size_t i, e, k;
	uint32_t how;

	kbtf_json_key(j, "access");
	if (kbtf_access_load(m, &a)) {
		if (m->access_err == -ENOENT) {
			kbtf_json_null(j);
		} else {
			kbtf_json_object_start(j);
			kbtf_json_kv_string(j, "error", kbtf_errstr());
			kbtf_json_object_end(j);
		}
		return;
	}
	kbtf_json_object_start(j);
	kbtf_json_kv_string(j, "section", m->access_raw ? ".note.kbtf.access" : ".kbtf.access");
	kbtf_json_kv_uint(j, "bytes", m->access_size);
	kbtf_json_kv_uint(j, "places", a->nr);
	kbtf_json_key(j, "members");
	kbtf_json_array_start(j);
	for (i = 0; i < a->nr; i = e) {
		const struct kbtf_access_rec *r = &a->recs[i];

		e = member_end(a, i, &how);
		kbtf_json_object_start(j);
		kbtf_json_kv_string(j, "type", r->type);
		kbtf_json_kv_string(j, "member", r->path);
		kbtf_json_kv_string(j, "member_type", r->mtype);
		kbtf_json_kv_uint(j, "bit_offset", r->bit_off);
		kbtf_json_kv_uint(j, "bits", r->bits);
		kbtf_json_kv_bool(j, "bitfield", r->flags & KBTF_ACC_BITFIELD);
		kbtf_json_kv_bool(j, "read", how & KBTF_ACC_READ);
		kbtf_json_kv_bool(j, "write", how & KBTF_ACC_WRITE);
		kbtf_json_kv_bool(j, "address_taken", how & KBTF_ACC_ADDR);
		kbtf_json_key(j, "places");
		kbtf_json_array_start(j);
		for (k = i; k < e; k++) {
			const struct kbtf_access_rec *p = &a->recs[k];

			kbtf_json_object_start(j);
			kbtf_json_kv_string(j, "function", p->func);
			kbtf_json_kv_string(j, "file", p->file);
			kbtf_json_kv_uint(j, "line", p->line);
			kbtf_json_kv_string(j, "via", *p->via ? p->via : NULL);
			kbtf_json_kv_string(j, "how", kbtf_access_how(p->flags));
			kbtf_json_kv_bool(j, "in_header_helper", p->flags & KBTF_ACC_HELPER);
			kbtf_json_object_end(j);
		}
		kbtf_json_array_end(j);
		kbtf_json_object_end(j);
	}
	kbtf_json_array_end(j);
	kbtf_json_object_end(j);
	kbtf_access_free(a);
}
