// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Layout drift (drift.h) turned into warnings: each type embedded by
 * value on its own, with one line per changed member; types reached
 * through pointers summarised in one info.
 */
#include <errno.h>
#include <stdio.h>

#include "kbtf/distill.h"
#include "drift.h"

#include "judge.h"
#include "prepared.h"

static void bits_str(uint32_t bits, char *buf, size_t len)
{
	if (bits % 8)
		snprintf(buf, len, "bit %u", bits);
	else
		snprintf(buf, len, "%u", bits / 8);
}

static void member_line(struct kbtf_drift_findings *f, struct kbtf_warning *w,
			const struct kbtf_member_diff *d)
{
	char a[32], b[32], line[640];
	size_t used = 0;

	bits_str(d->old_bit_off, a, sizeof(a));
	bits_str(d->new_bit_off, b, sizeof(b));
	if (d->changes == KBTF_DRIFT_VANISHED) {
		kbtf_note_detail(&f->notes, w, "%s: vanished (was %s at offset %s)", d->path,
				 d->old_type, a);
		return;
	}
	if (d->changes == KBTF_DRIFT_ADDED) {
		kbtf_note_detail(&f->notes, w, "%s: added (%s at offset %s)", d->path, d->new_type,
				 b);
		return;
	}
	kbtf_appendf(line, sizeof(line), &used, "%s:", d->path);
	if (d->changes & KBTF_DRIFT_MOVED)
		kbtf_appendf(line, sizeof(line), &used, " offset %s -> %s", a, b);
	if (d->changes & KBTF_DRIFT_RESIZED)
		kbtf_appendf(line, sizeof(line), &used, "%s size %u -> %u bits",
			     d->changes & KBTF_DRIFT_MOVED ? "," : "", d->old_bits, d->new_bits);
	if (d->changes & KBTF_DRIFT_RETYPED)
		kbtf_appendf(line, sizeof(line), &used, "%s type %s -> %s",
			     d->changes & (KBTF_DRIFT_MOVED | KBTF_DRIFT_RESIZED) ? "," : "",
			     d->old_type, d->new_type);
	kbtf_note_detail(&f->notes, w, "%s", line);
}

static void drift_by_value(struct kbtf_drift_findings *f, const struct kbtf_type_drift *td)
{
	struct kbtf_warning *w;
	size_t i;

	w = kbtf_note_warning(&f->notes, KBTF_SEV_WARNING, "layout-drift", td->name,
			      "%s is embedded by value%s%s and changed layout since build time "
			      "(%zu member%s): the kernel does not check this",
			      td->name, td->via ? " inside " : "", td->via ? td->via : "",
			      td->nr_diffs, td->nr_diffs == 1 ? "" : "s");
	if (!w)
		return;
	if (td->old_size != td->new_size)
		kbtf_note_detail(&f->notes, w, "size: %u -> %u bytes", td->old_size, td->new_size);
	for (i = 0; i < td->nr_diffs; i++)
		member_line(f, w, &td->diffs[i]);
}

static void drift_by_pointer(struct kbtf_drift_findings *f, const struct kbtf_drift_result *dr)
{
	struct kbtf_warning *w;
	char names[512], line[512];
	size_t i, n = 0, used = 0;

	names[0] = '\0';
	for (i = 0; i < dr->nr_types; i++) {
		if (dr->types[i].use != KBTF_DRIFT_BY_POINTER)
			continue;
		kbtf_appendf(names, sizeof(names), &used, "%s%s", n ? ", " : "", dr->types[i].name);
		n++;
	}
	if (!n)
		return;
	w = kbtf_note_warning(&f->notes, KBTF_SEV_INFO, "layout-drift-pointer", "",
			      "%zu kernel type%s the module reaches through pointers changed "
			      "layout: %s",
			      n, n == 1 ? "" : "s", names);
	for (i = 0; w && i < dr->nr_types; i++) {
		const struct kbtf_type_drift *td = &dr->types[i];
		size_t m, changed = 0, gone = 0, added = 0;

		if (td->use != KBTF_DRIFT_BY_POINTER)
			continue;
		for (m = 0; m < td->nr_diffs; m++) {
			gone += !!(td->diffs[m].changes & KBTF_DRIFT_VANISHED);
			added += !!(td->diffs[m].changes & KBTF_DRIFT_ADDED);
		}
		changed = td->nr_diffs - gone - added;
		used = 0;
		kbtf_appendf(line, sizeof(line), &used,
			     "%s: %u -> %u bytes; %zu changed, %zu vanished, "
			     "%zu added",
			     td->name, td->old_size, td->new_size, changed, gone, added);
		for (m = 0; m < td->nr_diffs && m < MAX_LISTED; m++)
			kbtf_appendf(line, sizeof(line), &used, "%s%s", m ? ", " : " (",
				     td->diffs[m].path);
		if (td->nr_diffs)
			kbtf_appendf(line, sizeof(line), &used, "%s)",
				     td->nr_diffs > MAX_LISTED ? ", ..." : "");
		kbtf_note_detail(&f->notes, w, "%s", line);
	}
}

void kbtf_judge_drift(const struct kbtf_pair *pair, const struct kbtf_reloc_result *res,
		      struct kbtf_drift_findings *f)
{
	struct kbtf_drift_input in = {
	    .split = pair->m->split,
	    .reloc = res,
	    .target = kbtf_vkernel_btf(pair->k),
	    .build = pair->m->layout ? pair->m->layout : pair->o->build_btf,
	    .layout = pair->m->layout != NULL,
	    /* the layout record's lists serve every kernel the module is judged on */
	    .cache = pair->m->layout ? pair->m->drift_cache : NULL,
	};
	struct kbtf_drift_result dr;
	size_t i;

	if (pair->m->layout_error)
		kbtf_note_warning(&f->notes, KBTF_SEV_WARNING, "layout-record-broken",
				  KBTF_LAYOUT_SECTION, "%s: its layout record cannot be read: %s",
				  pair->m->path, pair->m->layout_error);
	if (!in.build) {
		kbtf_note_warning(
		    &f->notes, KBTF_SEV_INFO, "drift-not-checked", "",
		    pair->m->layout_error
			? "layout drift not checked: the module's layout record is "
			  "broken and no --build-kernel was given"
			: "layout drift not checked: the module has no layout record "
			  "(kbtf distill writes one) and no --build-kernel was given");
		return;
	}
	if (kbtf_drift_compare(&in, &dr)) {
		f->notes.err = -ENOMEM;
		return;
	}
	for (i = 0; i < dr.nr_types; i++)
		if (dr.types[i].use == KBTF_DRIFT_BY_VALUE)
			drift_by_value(f, &dr.types[i]);
	drift_by_pointer(f, &dr);
	if (dr.nr_unknown)
		kbtf_note_warning(&f->notes, KBTF_SEV_INFO, "drift-partial", "",
				  "%zu kernel type%s without a build-time layout were not compared",
				  dr.nr_unknown, dr.nr_unknown == 1 ? "" : "s");
	kbtf_drift_result_fini(&dr);
}
