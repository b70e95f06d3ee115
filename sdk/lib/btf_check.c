// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel's parse-time rules for vmlinux and module BTF: header and
 * section layout (btf_check_sec_info), string section, the per-kind "meta"
 * checks, and the type-tag chain check. There is no resolve pass for
 * vmlinux or module BTF, so ids are checked for range only, not existence.
 * Messages use the kernel's own words so a user can grep dmesg for them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kbtf/check.h"
#include "kbtf/err.h"

#define KERNEL_MAX_TYPE 0xfffffu
#define KERNEL_MAX_NAME_OFFSET 0xffffffu
#define KERNEL_MAX_VLEN 0xffffu
#define KERNEL_INFO_MASK 0x9f00ffffu
#define KERNEL_NAME_MAX 512 /* KSYM_NAME_LEN */

struct checker {
	const struct kbtf_btf *btf;
	enum kbtf_kernel_gen gen;
	uint32_t id;
	const struct btf_type *t;
};

static int fail(const struct checker *c, const char *why)
{
	const char *name = c->t ? kbtf_btf_str(c->btf, c->t->name_off) : NULL;

	if (!c->t)
		return kbtf_err(-EINVAL, "%s: %s", kbtf_btf_name(c->btf), why);
	return kbtf_err(-EINVAL, "%s: type [%u] %s '%s': %s", kbtf_btf_name(c->btf), c->id,
			kbtf_kind_str(kbtf_kind(c->t)), name ? name : "?", why);
}

/* The kernel's identifier rule: [A-Za-z_.][A-Za-z0-9_.]*, under 512 bytes. */
static bool valid_identifier(const char *s)
{
	size_t n;

	if (!s || !*s || !(isalpha((unsigned char)*s) || *s == '_' || *s == '.'))
		return false;
	for (n = 1; s[n]; n++) {
		if (n >= KERNEL_NAME_MAX - 1)
			return false;
		if (!(isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.'))
			return false;
	}
	return true;
}

static bool valid_section_name(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isprint((unsigned char)*s))
			return false;
	return true;
}

/*
 * sizeof(struct btf_header) in the kernel of @gen: 24 bytes until the
 * kind-layout header (kernel commits 222edc843c15 and 626e88c070ee, which
 * add layout_off and layout_len), 32 from then on.
 */
static uint32_t kernel_hdr_size(enum kbtf_kernel_gen gen)
{
	return gen == KBTF_KERNEL_LAYOUT ? KBTF_HDR_LEN_LAYOUT : KBTF_HDR_LEN_CLASSIC;
}

/*
 * btf_parse_hdr(), unchanged in this from module BTF's first release (5.11)
 * through 6.1 and 6.12: a header longer than the kernel's own struct btf_header is
 * read only when every byte past that struct is zero (the unknown fields
 * then mean "absent"); one nonzero byte there fails with -E2BIG,
 * "Unsupported btf_header". The check comes before magic, version and
 * flags. A 32-byte header with zero layout_off/layout_len, as kbuild's
 * resolve_btfids writes from 7.0 on, is therefore read by 6.1 and 6.12.
 */
static int check_header_tail(const struct checker *c)
{
	const struct btf_header *h = kbtf_btf_header(c->btf);
	const uint8_t *raw = kbtf_btf_raw_data(c->btf);
	uint32_t known = kernel_hdr_size(c->gen), at;

	for (at = known; at < h->hdr_len; at++)
		if (raw[at])
			return kbtf_err(-E2BIG,
					"%s: Unsupported btf_header (hdr_len %u; this kernel's "
					"struct btf_header is %u bytes, and header byte %u "
					"is 0x%02x, not zero)",
					kbtf_btf_name(c->btf), h->hdr_len, known, at, raw[at]);
	return 0;
}

static int check_header(const struct checker *c)
{
	const struct btf_header *h = kbtf_btf_header(c->btf);
	uint32_t nr_layout = 0;
	int err;

	err = check_header_tail(c);
	if (err)
		return err;
	if (h->version != BTF_VERSION)
		return fail(c, "Unsupported version");
	if (h->flags)
		return fail(c, "Unsupported flags");
	kbtf_btf_kind_layout(c->btf, &nr_layout);
	if (nr_layout && c->gen != KBTF_KERNEL_LAYOUT)
		return fail(c, "Unsupported section found (kind layout)");
	/* sections must tile the data: types at 0, strings right after, at the end */
	if (h->type_off != 0 && h->type_len)
		return fail(c, "Unsupported section found (type section not at offset 0)");
	if (h->str_off < h->type_off + h->type_len)
		return fail(c, "Section overlap found");
	if (!nr_layout && h->str_off != h->type_off + h->type_len)
		return fail(c, "Unsupported section found (gap between types and strings)");
	if ((uint64_t)h->hdr_len + h->str_off + h->str_len < kbtf_btf_raw_size(c->btf))
		return kbtf_err(-EINVAL,
				"%s: Unsupported section found (%zu bytes after the string "
				"section: a BTF archive of several blobs?)",
				kbtf_btf_name(c->btf),
				kbtf_btf_raw_size(c->btf) - h->hdr_len - h->str_off - h->str_len);
	if (!kbtf_btf_base(c->btf) && !h->type_len && h->str_len <= 1)
		return fail(c, "No data");
	if (!kbtf_btf_base(c->btf) && h->str_len - 1 > KERNEL_MAX_NAME_OFFSET)
		return fail(c, "Invalid string section");
	if (kbtf_btf_type_cnt(c->btf) - 1 > KERNEL_MAX_TYPE)
		return fail(c, "Exceeded max num of types");
	return 0;
}

static bool id_valid(uint32_t id)
{
	return id <= KERNEL_MAX_TYPE;
}

static bool name_off_valid(const struct checker *c, uint32_t off)
{
	return off <= KERNEL_MAX_NAME_OFFSET && kbtf_btf_str(c->btf, off) != NULL;
}

static int check_int(const struct checker *c)
{
	uint32_t w = kbtf_int_word(c->t), enc = (w >> 24) & 0xf;
	uint32_t off = (w >> 16) & 0xff, bits = w & 0xff, size = c->t->size;

	if (kbtf_vlen(c->t))
		return fail(c, "vlen != 0");
	if (w & ~0x0fffffffu)
		return fail(c, "Invalid int_data");
	if (off + bits > 128)
		return fail(c, "nr_bits exceeds 128");
	if ((off + bits + 7) / 8 > size)
		return fail(c, "nr_bits exceeds type_size");
	if (enc && enc != BTF_INT_SIGNED && enc != BTF_INT_CHAR && enc != BTF_INT_BOOL)
		return fail(c, "Unsupported encoding");
	return 0;
}

/* PTR, TYPEDEF, modifiers and TYPE_TAG. */
static int check_ref(const struct checker *c)
{
	uint32_t kind = kbtf_kind(c->t);
	const char *name = kbtf_btf_str(c->btf, c->t->name_off);
	bool attr_tag = kind == BTF_KIND_TYPE_TAG && c->gen >= KBTF_KERNEL_6_14;

	if (kbtf_vlen(c->t))
		return fail(c, "vlen != 0");
	if (kbtf_kflag(c->t) && !attr_tag)
		return fail(c, "Invalid btf_info kind_flag");
	if (!id_valid(c->t->type))
		return fail(c, "Invalid type_id");
	if (kind == BTF_KIND_TYPEDEF) {
		if (!valid_identifier(name))
			return fail(c, "Invalid name");
	} else if (kind == BTF_KIND_TYPE_TAG) {
		if (!name || !*name)
			return fail(c, "Invalid name");
	} else if (c->t->name_off) {
		return fail(c, "Invalid name");
	}
	return 0;
}

static int check_array(const struct checker *c)
{
	const struct btf_array *a = kbtf_array(c->t);

	if (c->t->name_off)
		return fail(c, "Invalid name");
	if (kbtf_vlen(c->t))
		return fail(c, "vlen != 0");
	if (kbtf_kflag(c->t))
		return fail(c, "Invalid btf_info kind_flag");
	if (c->t->size)
		return fail(c, "size != 0");
	if (!a->type || !id_valid(a->type))
		return fail(c, "Invalid elem");
	if (!a->index_type || !id_valid(a->index_type))
		return fail(c, "Invalid index");
	return 0;
}

static int check_composite(const struct checker *c)
{
	const struct btf_member *m = kbtf_members(c->t);
	bool is_union = kbtf_kind(c->t) == BTF_KIND_UNION;
	uint32_t i, last = 0;
	char why[96];

	if (c->t->name_off && !valid_identifier(kbtf_btf_str(c->btf, c->t->name_off)))
		return fail(c, "Invalid name");
	for (i = 0; i < kbtf_vlen(c->t); i++) {
		uint32_t off = kbtf_member_bit_offset(c->t, &m[i]);

		snprintf(why, sizeof(why), "member %u: ", i);
		if (!name_off_valid(c, m[i].name_off))
			return fail(c, strcat(why, "Invalid member name_offset"));
		if (m[i].name_off && !valid_identifier(kbtf_btf_str(c->btf, m[i].name_off)))
			return fail(c, strcat(why, "Invalid member name"));
		if (!m[i].type || !id_valid(m[i].type))
			return fail(c, strcat(why, "Invalid type_id"));
		if (is_union && off)
			return fail(c, strcat(why, "Invalid member bits_offset"));
		if (off < last)
			return fail(c, strcat(why, "Invalid member bits_offset"));
		if ((off + 7) / 8 > c->t->size)
			return fail(c, strcat(why, "Member bits_offset exceeds its struct size"));
		last = off;
	}
	return 0;
}

static int check_enum(const struct checker *c, bool is64)
{
	uint32_t i, size = c->t->size;

	if (c->t->name_off && !valid_identifier(kbtf_btf_str(c->btf, c->t->name_off)))
		return fail(c, "Invalid name");
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return fail(c, "Unexpected size");
	for (i = 0; i < kbtf_vlen(c->t); i++) {
		uint32_t off = is64 ? kbtf_enum64s(c->t)[i].name_off : kbtf_enums(c->t)[i].name_off;

		if (!off || !name_off_valid(c, off))
			return fail(c, "Invalid name_offset");
		if (!valid_identifier(kbtf_btf_str(c->btf, off)))
			return fail(c, "Invalid name");
	}
	return 0;
}

static int check_fwd(const struct checker *c)
{
	if (kbtf_vlen(c->t))
		return fail(c, "vlen != 0");
	if (c->t->type)
		return fail(c, "type != 0");
	if (!valid_identifier(kbtf_btf_str(c->btf, c->t->name_off)))
		return fail(c, "Invalid name");
	return 0;
}

static int check_func(const struct checker *c)
{
	if (!valid_identifier(kbtf_btf_str(c->btf, c->t->name_off)))
		return fail(c, "Invalid name");
	if (kbtf_vlen(c->t) > BTF_FUNC_GLOBAL)
		return fail(c, "Invalid func linkage");
	if (kbtf_kflag(c->t))
		return fail(c, "Invalid btf_info kind_flag");
	if (!id_valid(c->t->type))
		return fail(c, "Invalid type_id");
	return 0;
}

static int check_func_proto(const struct checker *c)
{
	if (c->t->name_off)
		return fail(c, "Invalid name");
	if (kbtf_kflag(c->t))
		return fail(c, "Invalid btf_info kind_flag");
	return 0;
}

static int check_var(const struct checker *c)
{
	if (kbtf_vlen(c->t))
		return fail(c, "vlen != 0");
	if (kbtf_kflag(c->t))
		return fail(c, "Invalid btf_info kind_flag");
	if (!valid_identifier(kbtf_btf_str(c->btf, c->t->name_off)))
		return fail(c, "Invalid name");
	if (!c->t->type || !id_valid(c->t->type))
		return fail(c, "Invalid type_id");
	if (kbtf_var(c->t)->linkage > BTF_VAR_GLOBAL_ALLOCATED)
		return fail(c, "Linkage not supported");
	return 0;
}

static int check_datasec(const struct checker *c)
{
	const struct btf_var_secinfo *v = kbtf_secinfos(c->t);
	uint64_t end = 0;
	uint32_t i;

	if (!kbtf_vlen(c->t))
		return fail(c, "vlen == 0");
	if (!c->t->size)
		return fail(c, "size == 0");
	if (kbtf_kflag(c->t))
		return fail(c, "Invalid btf_info kind_flag");
	if (!valid_section_name(kbtf_btf_str(c->btf, c->t->name_off)))
		return fail(c, "Invalid name");
	for (i = 0; i < kbtf_vlen(c->t); i++) {
		if (!v[i].type || !id_valid(v[i].type))
			return fail(c, "Invalid type_id");
		if (v[i].offset < end || v[i].offset > c->t->size)
			return fail(c, "Invalid offset");
		if (!v[i].size)
			return fail(c, "Invalid size");
		if ((uint64_t)v[i].offset + v[i].size > c->t->size)
			return fail(c, "Invalid offset+size");
		end = (uint64_t)v[i].offset + v[i].size;
	}
	return 0;
}

static int check_float(const struct checker *c)
{
	uint32_t s = c->t->size;

	if (kbtf_vlen(c->t))
		return fail(c, "vlen != 0");
	if (kbtf_kflag(c->t))
		return fail(c, "Invalid btf_info kind_flag");
	if (s != 2 && s != 4 && s != 8 && s != 12 && s != 16)
		return fail(c, "Invalid type_size");
	return 0;
}

static int check_decl_tag(const struct checker *c)
{
	const char *name = kbtf_btf_str(c->btf, c->t->name_off);

	if (!name || !*name)
		return fail(c, "Invalid name");
	if (kbtf_vlen(c->t))
		return fail(c, "vlen != 0");
	if (kbtf_kflag(c->t) && c->gen < KBTF_KERNEL_6_14)
		return fail(c, "Invalid btf_info kind_flag");
	if (!c->t->type || !id_valid(c->t->type))
		return fail(c, "Invalid type_id");
	if (kbtf_decl_tag(c->t)->component_idx < -1)
		return fail(c, "Invalid component_idx");
	return 0;
}

static int check_meta(const struct checker *c)
{
	uint32_t kind = kbtf_kind(c->t);

	if (c->gen != KBTF_KERNEL_LAYOUT && (c->t->info & ~KERNEL_INFO_MASK)) {
		char why[48];

		snprintf(why, sizeof(why), "Invalid btf_info:%x", c->t->info);
		return fail(c, why);
	}
	if (kind == BTF_KIND_UNKN || kind > KBTF_KIND_MAX_KNOWN)
		return fail(c, "Invalid kind");
	if (kbtf_vlen(c->t) > KERNEL_MAX_VLEN)
		return fail(c, "vlen too large");
	if (!name_off_valid(c, c->t->name_off))
		return fail(c, "Invalid name_offset");
	switch (kind) {
	case BTF_KIND_INT:
		return check_int(c);
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return check_ref(c);
	case BTF_KIND_ARRAY:
		return check_array(c);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return check_composite(c);
	case BTF_KIND_ENUM:
		return check_enum(c, false);
	case BTF_KIND_ENUM64:
		return check_enum(c, true);
	case BTF_KIND_FWD:
		return check_fwd(c);
	case BTF_KIND_FUNC:
		return check_func(c);
	case BTF_KIND_FUNC_PROTO:
		return check_func_proto(c);
	case BTF_KIND_VAR:
		return check_var(c);
	case BTF_KIND_DATASEC:
		return check_datasec(c);
	case BTF_KIND_FLOAT:
		return check_float(c);
	case BTF_KIND_DECL_TAG:
		return check_decl_tag(c);
	}
	return fail(c, "Invalid kind");
}

static bool is_chain_link(const struct btf_type *t)
{
	return kbtf_is_modifier(t) || kbtf_kind(t) == BTF_KIND_TYPEDEF;
}

/*
 * Walk the chain of typedefs and modifiers starting at the current type: at
 * most 32 steps, and once a non-tag link is seen no TYPE_TAG may follow. A
 * dangling id fails silently in the kernel (-EINVAL, no message); we name it.
 */
static int check_type_tags(const struct checker *c)
{
	const struct btf_type *t = c->t;
	bool in_tags = kbtf_kind(t) == BTF_KIND_TYPE_TAG;
	int budget = 32;

	while (is_chain_link(t)) {
		if (!budget--)
			return fail(c, "Max chain length or cycle detected");
		if (kbtf_kind(t) == BTF_KIND_TYPE_TAG) {
			if (!in_tags)
				return fail(c, "Type tags don't precede modifiers");
		} else {
			in_tags = false;
		}
		t = kbtf_btf_type(c->btf, t->type);
		if (!t)
			return fail(c, "chain ends at a type id that does not exist");
	}
	return 0;
}

int kbtf_check_kernel(const struct kbtf_btf *btf, enum kbtf_kernel_gen gen)
{
	struct checker c = {.btf = btf, .gen = gen};
	uint32_t id, end = kbtf_btf_type_cnt(btf);
	int err;

	err = check_header(&c);
	if (err)
		return err;
	for (id = kbtf_btf_start_id(btf); id < end; id++) {
		c.id = id;
		c.t = kbtf_btf_type(btf, id);
		err = check_meta(&c);
		if (err)
			return err;
	}
	for (id = kbtf_btf_start_id(btf); id < end; id++) {
		c.id = id;
		c.t = kbtf_btf_type(btf, id);
		if (!is_chain_link(c.t))
			continue;
		err = check_type_tags(&c);
		if (err)
			return err;
	}
	return 0;
}
