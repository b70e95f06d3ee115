// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Distillation figures for one module: each stage on its own (module read,
 * split parse on the base, distill, layout record, ELF rewrite) and the
 * whole kbtf_distill_module() job writing to a scratch file, as
 * `kbtf distill` runs it per module once the base is open.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbtf/distill.h"
#include "elf_write.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "bench.h"

#define DRUNS 15

struct stage_times {
	double open[DRUNS], parse[DRUNS], distill[DRUNS], layout[DRUNS], elf[DRUNS];
};

/* One pass over the stages; 0 or a negative errno. */
static int stages_once(const char *ko, struct kbtf_btf *kbtf, struct stage_times *t, int i)
{
	struct kbtf_parse_opts po = {.base = kbtf, .name = ".BTF"};
	struct kbtf_distill_result d = {0};
	struct kbtf_buf lay = {0}, img = {0};
	struct kbtf_module *m = NULL;
	struct kbtf_btf *split = NULL;
	double t0 = kbtf_now_ms();
	int err;

	err = kbtf_module_open(ko, &m);
	t->open[i] = kbtf_now_ms() - t0;
	if (err)
		return err;
	if (!m->btf_data || m->btf_base_data) {
		kbtf_module_free(m);
		return kbtf_err(-ENOENT, "%s (the stage bench needs kbuild's split on vmlinux)",
				m->btf_data ? "already distilled" : "no .BTF");
	}
	t0 = kbtf_now_ms();
	err = kbtf_btf_parse(m->btf_data, m->btf_size, &po, &split);
	t->parse[i] = kbtf_now_ms() - t0;
	if (!err) {
		t0 = kbtf_now_ms();
		err = kbtf_distill(split, NULL, &d);
		t->distill[i] = kbtf_now_ms() - t0;
	}
	if (!err) {
		t0 = kbtf_now_ms();
		err = kbtf_layout_build(split, &d, kbtf_btf_endian(split), &lay);
		t->layout[i] = kbtf_now_ms() - t0;
	}
	if (!err) {
		struct kbtf_elf_section secs[] = {
		    {".BTF", d.split.data, d.split.size},
		    {".BTF.base", d.base.data, d.base.size},
		    {KBTF_LAYOUT_SECTION, lay.data, lay.size},
		};

		t0 = kbtf_now_ms();
		err = kbtf_elf_set_sections(m->image.data, m->image.size, secs, 3, &img);
		t->elf[i] = kbtf_now_ms() - t0;
	}
	kbtf_buf_release(&img);
	kbtf_buf_release(&lay);
	kbtf_distill_result_release(&d);
	kbtf_btf_free(split);
	kbtf_module_free(m);
	return err;
}

static void bench_stages(const char *ko, struct kbtf_kernel *k)
{
	struct stage_times t;
	int i;

	for (i = 0; i < DRUNS; i++) {
		if (stages_once(ko, kbtf_kernel_btf(k), &t, i)) {
			fprintf(stderr, "kbtf-bench: %s: %s\n", ko, kbtf_errstr());
			return;
		}
	}
	bench_report("  read module (decompress, cut signature)", t.open, DRUNS);
	bench_report("  parse split .BTF on the base", t.parse, DRUNS);
	bench_report("  distill (kbtf_distill, checks included)", t.distill, DRUNS);
	bench_report("  layout record", t.layout, DRUNS);
	bench_report("  ELF rewrite (libelf, 3 sections)", t.elf, DRUNS);
}

static void bench_whole(const char *ko, struct kbtf_kernel *k)
{
	struct kbtf_distill_module_opts o = {.base = k};
	struct kbtf_distill_module_report rep;
	char out[PATH_MAX];
	double ms[DRUNS];
	int i, fd;

	snprintf(out, sizeof(out), "/tmp/kbtf-bench-distill-XXXXXX");
	fd = mkstemp(out);
	if (fd < 0)
		return;
	close(fd);
	o.out = out;
	for (i = 0; i < DRUNS; i++) {
		double t0 = kbtf_now_ms();

		if (kbtf_distill_module(ko, &o, &rep)) {
			fprintf(stderr, "kbtf-bench: %s: %s\n", ko, kbtf_errstr());
			unlink(out);
			return;
		}
		ms[i] = kbtf_now_ms() - t0;
	}
	printf("  module: %zu bytes in, %zu out; .BTF.base %u types, .BTF %u types, layout %zu "
	       "bytes%s\n",
	       rep.size_before, rep.size_after, rep.base_types, rep.split_types, rep.layout_bytes,
	       rep.encoded ? " (encoded from DWARF with pahole)" : "");
	bench_report("  whole job per module (kbtf_distill_module)", ms, DRUNS);
	unlink(out);
}

void bench_distill(const char *ko, const char *base)
{
	struct kbtf_kernel *k;
	struct kbtf_module *m;
	double t0, open_ms;
	bool distilled;

	/* a module kbtf build shipped is split on its own .BTF.base: nothing
	 * to distill (kbtf distill says so), so no figure for it */
	if (kbtf_module_open(ko, &m)) {
		fprintf(stderr, "kbtf-bench: %s: %s\n", ko, kbtf_errstr());
		return;
	}
	distilled = m->btf_base_data != NULL;
	kbtf_module_free(m);
	if (distilled) {
		printf("distill %s: skipped, already distilled\n", ko);
		return;
	}
	t0 = kbtf_now_ms();
	if (kbtf_kernel_open(base, NULL, &k) || !kbtf_kernel_btf(k)) {
		fprintf(stderr, "kbtf-bench: %s: %s\n", base, kbtf_errstr());
		return;
	}
	open_ms = kbtf_now_ms() - t0;
	printf("distill %s (base %s, opened and parsed once in %.1f ms)\n", ko, base, open_ms);
	bench_stages(ko, k);
	bench_whole(ko, k);
	kbtf_kernel_free(k);
}
