// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Who distilled a module's .BTF.base (distill_origin.h): kbtf's mark, its
 * layout record, or the order kbuild left the BTF in.
 */
#include <string.h>

#include "distill_origin.h"
#include "elf_read.h"
#include "kbtf/distill.h"
#include "kbtf/err.h"

bool kbtf_btf_sorted_by_name(const struct kbtf_btf *btf)
{
	uint32_t id, n = kbtf_btf_type_cnt(btf), named = 0;
	const char *prev = NULL;

	for (id = kbtf_btf_start_id(btf); id < n; id++) {
		const struct btf_type *t = kbtf_btf_type(btf, id);
		const char *name = t ? kbtf_btf_str(btf, t->name_off) : NULL;

		if (!name || !*name) {
			if (named)
				return false; /* anonymous types come first */
			continue;
		}
		if (prev && strcmp(prev, name) > 0)
			return false;
		prev = name;
		named++;
	}
	return named >= 2;
}

static bool has_section(const struct kbtf_module *m, const char *name)
{
	struct kbtf_elf *e;
	bool has;

	if (kbtf_elf_open(m->image.data, m->image.size, &e))
		return false;
	has = kbtf_elf_has_section(e, name);
	kbtf_elf_close(e);
	return has;
}

/* Whether .BTF's own named types are sorted, read on .BTF.base. */
static bool split_sorted(const struct kbtf_module *m)
{
	struct kbtf_parse_opts po = {.name = ".BTF.base"};
	struct kbtf_btf *b = NULL, *s = NULL;
	bool sorted = false;

	if (!kbtf_btf_parse(m->btf_base_data, m->btf_base_size, &po, &b)) {
		po.base = b;
		po.name = ".BTF";
		if (!kbtf_btf_parse(m->btf_data, m->btf_size, &po, &s))
			sorted = kbtf_btf_sorted_by_name(s);
	}
	kbtf_btf_free(s);
	kbtf_btf_free(b);
	kbtf_err_clear();
	return sorted;
}

enum kbtf_base_origin kbtf_base_origin(const struct kbtf_module *m, bool *sorted_out)
{
	bool sorted = false;
	enum kbtf_base_origin o;

	if (!m->btf_base_data || !m->btf_base_size) {
		o = KBTF_BASE_NONE;
	} else {
		sorted = m->btf_data && split_sorted(m);
		if (has_section(m, KBTF_DISTILLED_SECTION) || m->layout_data)
			o = KBTF_BASE_KBTF;
		else
			o = sorted ? KBTF_BASE_NATIVE_BTFIDS : KBTF_BASE_NATIVE_PAHOLE;
	}
	if (sorted_out)
		*sorted_out = sorted;
	return o;
}

const char *kbtf_base_origin_str(enum kbtf_base_origin o)
{
	switch (o) {
	case KBTF_BASE_KBTF:
		return "kbtf";
	case KBTF_BASE_NATIVE_PAHOLE:
		return "natively at build time, pahole's distilled_base (kbuild 6.11+)";
	case KBTF_BASE_NATIVE_BTFIDS:
		return "natively at build time, resolve_btfids --distill_base (kbuild 7.x; BTF "
		       "sorted by name)";
	case KBTF_BASE_NONE:
		break;
	}
	return "none";
}

const char *kbtf_base_origin_key(enum kbtf_base_origin o)
{
	switch (o) {
	case KBTF_BASE_KBTF:
		return "kbtf";
	case KBTF_BASE_NATIVE_PAHOLE:
		return "pahole";
	case KBTF_BASE_NATIVE_BTFIDS:
		return "resolve_btfids";
	case KBTF_BASE_NONE:
		break;
	}
	return NULL;
}
