// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the reader of a BTF stored as a delta against another kernel's
 * (btf_delta.c). An input is a flags byte, then the reference BTF and the
 * delta, separated by FUZZ_SEP. With flag bit 0 the delta is first
 * pointed at the reference and its checksum recomputed
 * (kbtf_btf_delta_seal: the header's, every table block's and the whole
 * file's), so the mutations reach the checks behind them;
 * whatever rebuilds must then parse as BTF. With bit 1 the reader also
 * makes a delta of the reference against itself and of the rebuilt BTF
 * against the reference, and applies them: the maker's own output must
 * rebuild its input. Every input also goes through the lazy reader
 * (kbtf_btf_parse_prepared_delta), every record and some strings read:
 * when it rebuilt, each must equal the rebuilt BTF's; else only the
 * reader's checks are exercised. A second lazy reader reads every head
 * alone (kbtf_btf_type_head()), then every record: a head read as VOID
 * has marked the object damaged; when the delta rebuilt, each head and
 * each record read after it equal the rebuilt BTF's. (Tables sealed
 * after a mutation may map one id two ways, by the runs a lookup passes:
 * only the whole rebuild confirms them, so a head and its record need
 * not agree then.)
 *
 * The seeds are written by this binary: KBTF_FUZZ_DELTA_SEEDS=DIR
 * build/fuzz/fuzz_delta writes deltas of small kernels (types inserted
 * first, a struct changed, blocks swapped as pahole -j does) and exits.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_delta.h"
#include "btf_prepared.h"
#include "fuzz_parts.h"
#include "kbtf/btf.h"
#include "kbtf/builder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void check_roundtrip(const void *ref, size_t ref_size, const void *k, size_t k_size)
{
	struct kbtf_btf_delta_stats st;
	struct kbtf_buf d, o;

	if (kbtf_btf_delta_make(ref, ref_size, k, k_size, &d, &st))
		return;
	if (kbtf_btf_delta_apply(ref, ref_size, d.data, d.size, "fuzz/roundtrip", &o) ||
	    o.size != k_size || memcmp(o.data, k, k_size))
		abort();
	kbtf_buf_release(&o);
	kbtf_buf_release(&d);
}

/* The lazy reader of @d (@size bytes) of @nr types against @ref, or NULL. */
static struct kbtf_btf *open_lazy(const struct fuzz_part *ref, const uint8_t *d, size_t size,
				  uint32_t nr)
{
	struct kbtf_btf_delta_src *src;
	struct kbtf_buf rb, db;
	struct kbtf_btf *lazy = NULL;

	memset(&rb, 0, sizeof(rb));
	memset(&db, 0, sizeof(db));
	if (kbtf_buf_dup(ref->data, ref->size, &rb) || kbtf_buf_dup(d, size, &db)) {
		kbtf_buf_release(&rb);
		return NULL;
	}
	if (kbtf_btf_delta_src_open(&rb, &db, "fuzz/lazy", &src) ||
	    kbtf_btf_parse_prepared_delta(src, nr, "fuzz/lazy", &lazy))
		lazy = NULL;
	kbtf_buf_release(&rb);
	kbtf_buf_release(&db);
	return lazy;
}

/* Every head of @lazy (@nr types) read alone, then every record. */
static void check_heads(struct kbtf_btf *lazy, uint32_t nr, const struct kbtf_btf *full)
{
	const struct btf_type *h, *t, *f;
	uint32_t i;

	for (i = 1; i <= nr; i++) {
		h = kbtf_btf_type_head(lazy, i);
		if (!h || (kbtf_kind(h) == BTF_KIND_UNKN && !kbtf_btf_damaged(lazy)))
			abort();
		if (full && memcmp(h, kbtf_btf_type(full, i), sizeof(*h)))
			abort();
		/* a second read finds it */
		if (kbtf_btf_type_head(lazy, i) != h)
			abort();
	}
	for (i = 1; i <= nr; i++) {
		t = kbtf_btf_type(lazy, i);
		f = full ? kbtf_btf_type(full, i) : NULL;
		if (f && (kbtf_type_rec_size(t) != kbtf_type_rec_size(f) ||
			  memcmp(t, f, kbtf_type_rec_size(f))))
			abort();
	}
	if (full && kbtf_btf_damaged(lazy))
		abort();
}

/* Read all of @d (@size bytes) lazily; @full: the BTF it rebuilt, or NULL. */
static void check_lazy(const struct fuzz_part *ref, const uint8_t *d, size_t size,
		       const struct kbtf_btf *full)
{
	struct kbtf_btf *lazy;
	uint32_t nr, i, off;

	if (size < 104) /* the header */
		return;
	memcpy(&nr, d + 44, 4);
	if (full)
		nr = kbtf_btf_type_cnt(full) - 1;
	else if (nr > 4096)
		return;
	lazy = open_lazy(ref, d, size, nr);
	if (lazy) {
		for (i = 1; i <= nr; i++) {
			const struct btf_type *t = kbtf_btf_type(lazy, i);
			const char *s = kbtf_btf_str(lazy, t->name_off);

			if (full &&
			    (kbtf_type_rec_size(t) != kbtf_type_rec_size(kbtf_btf_type(full, i)) ||
			     memcmp(t, kbtf_btf_type(full, i), kbtf_type_rec_size(t)) || !s ||
			     strcmp(s, kbtf_btf_str(full, t->name_off))))
				abort();
		}
		for (off = 0; off < kbtf_btf_str_len(lazy); off += 97)
			kbtf_btf_str(lazy, off);
		if (full && kbtf_btf_damaged(lazy))
			abort();
		kbtf_btf_free(lazy);
	}
	lazy = open_lazy(ref, d, size, nr);
	if (lazy) {
		check_heads(lazy, nr, full);
		kbtf_btf_free(lazy);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part p[2];
	struct kbtf_buf o;
	struct kbtf_btf *btf;
	uint8_t *copy;
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	fuzz_split(data + 1, size - 1, p, 2);
	copy = malloc(p[1].size ? p[1].size : 1);
	if (!copy)
		return 0;
	memcpy(copy, p[1].data, p[1].size);
	if (flags & 1)
		kbtf_btf_delta_seal(copy, p[1].size, p[0].data, p[0].size);
	if (!kbtf_btf_delta_apply(p[0].data, p[0].size, copy, p[1].size, "fuzz/delta", &o)) {
		/* what rebuilds passed its hash: it is the BTF the maker was given */
		if (kbtf_btf_parse(o.data, o.size, NULL, &btf))
			abort();
		check_lazy(&p[0], copy, p[1].size, btf);
		kbtf_btf_free(btf);
		if (flags & 2)
			check_roundtrip(p[0].data, p[0].size, o.data, o.size);
		kbtf_buf_release(&o);
	} else {
		check_lazy(&p[0], copy, p[1].size, NULL);
	}
	free(copy);
	if (flags & 2)
		check_roundtrip(p[0].data, p[0].size, p[0].data, p[0].size);
	return 0;
}

/* ---------------------------------------------------------------- seeds */

static void add_block(struct kbtf_builder *b, int blk, uint32_t intid, bool changed)
{
	char name[64];
	int s, p, f, i;

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "b%d_s%d", blk, i);
		s = kbtf_builder_add_struct(b, name, 16);
		kbtf_builder_add_member(b, "a", intid, 0, 0);
		kbtf_builder_add_member(b, "b", intid, changed && i == 1 ? 64 : 32, 0);
		p = kbtf_builder_add_ptr(b, (uint32_t)s);
		snprintf(name, sizeof(name), "b%d_t%d", blk, i);
		kbtf_builder_add_typedef(b, name, (uint32_t)p);
		f = kbtf_builder_add_func_proto(b, intid);
		kbtf_builder_add_param(b, "arg", (uint32_t)p);
		snprintf(name, sizeof(name), "b%d_f%d", blk, i);
		kbtf_builder_add_func(b, name, 1, (uint32_t)f);
		snprintf(name, sizeof(name), "b%d_e%d", blk, i);
		kbtf_builder_add_enum64(b, name, 8, true);
		kbtf_builder_add_enum64_value(b, "E_BIG", 1ull << 40);
		kbtf_builder_add_array(b, (uint32_t)s, intid, (uint32_t)i + 1);
		snprintf(name, sizeof(name), "b%d_v%d", blk, i);
		kbtf_builder_add_var(b, name, (uint32_t)s, 1);
		kbtf_builder_add_decl_tag(b, "tag", (uint32_t)s, 0);
		kbtf_builder_add_type_tag(b, "user", (uint32_t)s);
	}
}

static void make_kernel(int variant, struct kbtf_buf *out)
{
	static const int orders[3][4] = {{0, 1, 2, 3}, {0, 2, 1, 3}, {3, 2, 1, 0}};
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	int intid, i;

	intid = kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32);
	if (variant) {
		kbtf_builder_add_struct(b, "new_in_k", 8);
		kbtf_builder_add_member(b, "x", (uint32_t)intid, 0, 0);
		kbtf_builder_add_float(b, "double", 8);
	}
	for (i = 0; i < 4; i++)
		add_block(b, orders[variant][i], (uint32_t)intid, variant == 1 && i == 3);
	kbtf_builder_write(b, NULL, out);
	kbtf_builder_free(b);
}

static void write_seed(const char *dir, const char *name, uint8_t flags, const struct kbtf_buf *r,
		       const struct kbtf_buf *d)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fwrite(&flags, 1, 1, f);
	fwrite(r->data, 1, r->size, f);
	fwrite(FUZZ_SEP, 1, FUZZ_SEP_LEN, f);
	fwrite(d->data, 1, d->size, f);
	fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("KBTF_FUZZ_DELTA_SEEDS");
	struct kbtf_btf_delta_stats st;
	struct kbtf_buf r, k, d;
	char name[64];
	int v;

	(void)argc;
	(void)argv;
	if (!dir)
		return 0;
	make_kernel(0, &r);
	for (v = 0; v < 3; v++) {
		make_kernel(v, &k);
		if (kbtf_btf_delta_make(r.data, r.size, k.data, k.size, &d, &st))
			exit(1);
		snprintf(name, sizeof(name), "variant%d", v);
		write_seed(dir, name, 0, &r, &d);
		snprintf(name, sizeof(name), "variant%d-sealed", v);
		write_seed(dir, name, 1, &r, &d);
		snprintf(name, sizeof(name), "variant%d-roundtrip", v);
		write_seed(dir, name, 3, &r, &d);
		kbtf_buf_release(&d);
		kbtf_buf_release(&k);
	}
	kbtf_buf_release(&r);
	exit(0);
}
