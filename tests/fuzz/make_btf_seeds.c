// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Writes the fuzz_btf seed corpus: small BTF blobs of every kind, both byte
 * orders, with and without the kind-layout header, and a base+split pair.
 * Run by hand after changing the builder: build/fuzz/make_btf_seeds DIR.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kbtf/builder.h"

static void save(const char *dir, const char *name, const struct kbtf_buf *a,
		 const struct kbtf_buf *b)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fwrite(a->data, 1, a->size, f);
	if (b)
		fwrite(b->data, 1, b->size, f);
	fclose(f);
}

static struct kbtf_builder *all_kinds(void)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);

	kbtf_builder_add_int(b, "int", 4, 1, 0, 32);
	kbtf_builder_add_ptr(b, 1);
	kbtf_builder_add_array(b, 1, 1, 3);
	kbtf_builder_add_struct(b, "s", 8);
	kbtf_builder_add_member(b, "a", 1, 0, 0);
	kbtf_builder_add_member(b, "b", 1, 32, 5);
	kbtf_builder_add_union(b, "u", 4);
	kbtf_builder_add_member(b, "x", 1, 0, 0);
	kbtf_builder_add_enum(b, "e", 4, 1);
	kbtf_builder_add_enum_value(b, "A", -1);
	kbtf_builder_add_fwd(b, "f", 0);
	kbtf_builder_add_typedef(b, "t", 4);
	kbtf_builder_add_volatile(b, 1);
	kbtf_builder_add_const(b, 9);
	kbtf_builder_add_restrict(b, 2);
	kbtf_builder_add_func_proto(b, 1);
	kbtf_builder_add_param(b, "p", 2);
	kbtf_builder_add_func(b, "fn", 1, 12);
	kbtf_builder_add_var(b, "v", 1, 1);
	kbtf_builder_add_datasec(b, ".data", 4);
	kbtf_builder_add_secinfo(b, 14, 0, 4);
	kbtf_builder_add_float(b, "double", 8);
	kbtf_builder_add_decl_tag(b, "tag", 4, -1);
	kbtf_builder_add_type_tag(b, "user", 1);
	kbtf_builder_add_enum64(b, "e64", 8, 0);
	kbtf_builder_add_enum64_value(b, "B", 1ull << 40);
	return b;
}

int main(int argc, char **argv)
{
	struct kbtf_write_opts le = {0}, be = {.endian = KBTF_ENDIAN_BIG}, lay = {.kind_layout = 1};
	struct kbtf_builder *b, *s;
	struct kbtf_buf r1, r2;
	struct kbtf_btf *base;

	if (argc != 2) {
		fprintf(stderr, "usage: make_btf_seeds DIR\n");
		return 2;
	}
	b = all_kinds();
	kbtf_builder_write(b, &le, &r1);
	save(argv[1], "kinds-le", &r1, NULL);
	kbtf_builder_write(b, &be, &r2);
	save(argv[1], "kinds-be", &r2, NULL);
	kbtf_buf_release(&r2);
	kbtf_builder_write(b, &lay, &r2);
	save(argv[1], "kinds-layout", &r2, NULL);
	kbtf_buf_release(&r2);
	kbtf_btf_parse(r1.data, r1.size, NULL, &base);
	s = kbtf_builder_new(base);
	kbtf_builder_add_struct(s, "mod", 16);
	kbtf_builder_add_member(s, "st", 4, 0, 0);
	kbtf_builder_add_ptr(s, 18 + 0);
	kbtf_builder_write(s, &le, &r2);
	/* same size halves make the fuzzer's split path reachable quickly */
	save(argv[1], "base-split", &r1, &r2);
	return 0;
}
