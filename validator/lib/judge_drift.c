// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Layout drift (drift.h) turned into warnings: each type embedded by
 * value on its own, with one line per changed member; types reached
 * through pointers summarised in one info.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kbtf/distill.h"
#include "drift.h"

#include "judge.h"
#include "prepared.h"

/* @a .. (NULL-ended) at *@used into @line, as kbtf_appendf() would */
static void put(char *line, size_t len, size_t *used, const char *a, const char *b, const char *c,
		const char *d, const char *e)
{
	const char *part[] = {a, b, c, d, e};
	size_t i;

	for (i = 0; i < 5 && part[i]; i++)
		kbtf_appends(line, len, used, part[i]);
}

static void member_line(struct kbtf_drift_findings *f, struct kbtf_warning *w,
			const struct kbtf_member_diff *d)
{
	char a[32], b[32], line[1024];
	size_t used = 0;

	kbtf_bits_str(d->old_bit_off, a, sizeof(a));
	kbtf_bits_str(d->new_bit_off, b, sizeof(b));
	line[0] = '\0';
	if (d->changes == KBTF_DRIFT_VANISHED || d->changes == KBTF_DRIFT_ADDED) {
		bool gone = d->changes == KBTF_DRIFT_VANISHED;

		/* a type name has at most 255 bytes: the line is whole */
		if (strlen(d->path) > 512) {
			kbtf_note_detail(&f->notes, w, "%s: %s%s at offset %s)", d->path,
					 gone ? "vanished (was " : "added (",
					 gone ? d->old_type : d->new_type, gone ? a : b);
			return;
		}
		put(line, sizeof(line), &used, d->path, gone ? ": vanished (was " : ": added (",
		    gone ? d->old_type : d->new_type, " at offset ", gone ? a : b);
		kbtf_appends(line, sizeof(line), &used, ")");
		kbtf_note_detail(&f->notes, w, "%s", line);
		return;
	}
	/* a changed member's line is cut at 640 bytes, as it always was */
	put(line, 640, &used, d->path, ":", NULL, NULL, NULL);
	if (d->changes & KBTF_DRIFT_MOVED)
		put(line, 640, &used, " offset ", a, " -> ", b, NULL);
	if (d->changes & KBTF_DRIFT_RESIZED) {
		put(line, 640, &used, d->changes & KBTF_DRIFT_MOVED ? "," : "", " size ", NULL,
		    NULL, NULL);
		kbtf_appendu(line, 640, &used, d->old_bits);
		kbtf_appends(line, 640, &used, " -> ");
		kbtf_appendu(line, 640, &used, d->new_bits);
		kbtf_appends(line, 640, &used, " bits");
	}
	if (d->changes & KBTF_DRIFT_RETYPED)
		put(line, 640, &used,
		    d->changes & (KBTF_DRIFT_MOVED | KBTF_DRIFT_RESIZED) ? "," : "", " type ",
		    d->old_type, " -> ", d->new_type);
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
		put(names, sizeof(names), &used, n ? ", " : "", dr->types[i].name, NULL, NULL,
		    NULL);
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
			put(line, sizeof(line), &used, m ? ", " : " (", td->diffs[m].path, NULL,
			    NULL, NULL);
		if (td->nr_diffs)
			put(line, sizeof(line), &used, td->nr_diffs > MAX_LISTED ? ", ..." : "",
			    ")", NULL, NULL, NULL);
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
	    /* the build side's lists serve every kernel the module is judged on */
	    .cache = pair->m->drift_cache,
	    /* what did not change since build time is skipped */
	    .target_digest = kbtf_vkernel_layout_digest,
	    .target_digest_ctx = pair->k,
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
	if (dr.nr_looped)
		kbtf_note_warning(&f->notes, KBTF_SEV_WARNING, "drift-looped", "",
				  "%zu type%s not compared: %s members unfold without end, "
				  "a BTF no kernel loads",
				  dr.nr_looped, dr.nr_looped == 1 ? "" : "s",
				  dr.nr_looped == 1 ? "its" : "their");
	if (dr.nr_unknown)
		kbtf_note_warning(&f->notes, KBTF_SEV_INFO, "drift-partial", "",
				  "%zu kernel type%s without a build-time layout were not compared",
				  dr.nr_unknown, dr.nr_unknown == 1 ? "" : "s");
	kbtf_drift_result_fini(&dr);
}
