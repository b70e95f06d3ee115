// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A stored profile checked whole (kbtf kernels check).
 *
 * Validation reads a profile lazily: it checks what a lookup reads, where
 * it reads it (profile_index.c, btf_delta.c), so that opening a kernel
 * costs the same for any kernel. A damaged block that no lookup reads
 * goes unnoticed until one does. This reads all of it, the way a kernel
 * is read without a profile, and holds the index against what it read:
 *
 *   - the BTF rebuilt whole (a delta: against btf.ref, its whole-file
 *     checksum and the reference's hash) and parsed, layers included;
 *   - the config (a delta: against config.ref) and Module.symvers (kept
 *     in the index: every line rebuilt, every record checked);
 *   - the index: release, machine, type count, the BTF's hash, the
 *     config facts and sizeof(struct module) as the kernel read gives
 *     them; every named type of the kinds it keeps found under its name
 *     with its kind, size and name, and no candidate more; every type
 *     offset where the BTF has the record; every symbol line read in
 *     order and looked up by name; a delta index's run tables and gone
 *     records, every block and their order; every block of layout
 *     digests intact, and each struct's and union's digest the one
 *     recomputed from the BTF (btf_layout.h). A delta index answers through
 *     index.ref and index.crcref, so those are read as well.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_layout.h"
#include "kbtf/btf.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "profile.h"
#include "profile_index.h"

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The index's facts of the whole kernel against the kernel read whole. */
static int check_facts(const char *dir, const struct kbtf_pindex *ix, struct kbtf_kernel *k,
		       struct kbtf_btf *btf)
{
	uint32_t msize;
	char val[256];
	size_t i;

	if (kbtf_pindex_type_cnt(ix) != kbtf_btf_type_cnt(btf))
		return kbtf_err(-EINVAL, "%s: the index counts %u types, the BTF has %u", dir,
				kbtf_pindex_type_cnt(ix), kbtf_btf_type_cnt(btf));
	if (kbtf_pindex_btf_hash(ix) != kbtf_kernel_btf_hash(k))
		return kbtf_err(-EINVAL, "%s: the index is of another BTF (its hash differs)", dir);
	if (!same_str(kbtf_pindex_release(ix), k->release))
		return kbtf_err(-EINVAL, "%s: the index names release %s, the profile %s", dir,
				kbtf_pindex_release(ix) ? kbtf_pindex_release(ix) : "(none)",
				k->release ? k->release : "(none)");
	if (!same_str(kbtf_pindex_arch(ix), k->arch))
		return kbtf_err(-EINVAL, "%s: the index names machine %s, the profile %s", dir,
				kbtf_pindex_arch(ix) ? kbtf_pindex_arch(ix) : "(none)",
				k->arch ? k->arch : "(none)");
	msize = kbtf_pindex_module_struct_size_of(btf);
	if (kbtf_pindex_module_struct_size(ix) != msize)
		return kbtf_err(-EINVAL,
				"%s: the index says sizeof(struct module) is %u, the BTF %u", dir,
				kbtf_pindex_module_struct_size(ix), msize);
	if (kbtf_pindex_has_config(ix) != (k->config != NULL))
		return kbtf_err(-EINVAL, "%s: the index and the profile disagree on its config",
				dir);
	for (i = 0; k->config && i < kbtf_pindex_nr_config_keys; i++) {
		const char *key = kbtf_pindex_config_keys[i];

		if (!same_str(kbtf_pindex_config(ix, key),
			      kbtf_kernel_config(k, key, val, sizeof(val))))
			return kbtf_err(-EINVAL, "%s: the index's CONFIG_%s is not the config's",
					dir, key);
	}
	return 0;
}

/*
 * Every named type of the kinds the index keeps is among the candidates
 * of its name, as the BTF has it; the candidates of all names add up to
 * those types, so none is there that the BTF does not have.
 */
static int check_names(const char *dir, const struct kbtf_pindex *ix, struct kbtf_btf *btf,
		       uint32_t *names)
{
	uint32_t cnt = kbtf_btf_type_cnt(btf), id, n, i, want = 0, got = 0;

	*names = 0;
	for (id = 1; id < cnt; id++) {
		const struct btf_type *t = kbtf_btf_type(btf, id);
		const struct kbtf_pindex_cand *c;
		const char *name;

		if (!t || !t->name_off || !kbtf_pindex_kind_indexed(kbtf_kind(t)))
			continue;
		name = kbtf_btf_str(btf, t->name_off);
		if (!name)
			continue;
		want++;
		n = kbtf_pindex_cands(ix, name, &c);
		for (i = 0; i < n && le32toh(c[i].id) != id; i++)
			;
		if (i == n && kbtf_pindex_damaged(ix))
			return kbtf_err(-EINVAL,
					"%s: damaged kernel index (the record of '%s' "
					"fails its checksum)",
					dir, name);
		if (i == n)
			return kbtf_err(-EINVAL, "%s: the index does not find type %u under '%s'",
					dir, id, name);
		if (le32toh(c[i].info) != t->info || le32toh(c[i].size) != t->size ||
		    le32toh(c[i].name_off) != t->name_off ||
		    le32toh(c[i].int_enc) !=
			(kbtf_kind(t) == BTF_KIND_INT ? BTF_INT_ENCODING(kbtf_int_word(t)) : 0))
			return kbtf_err(-EINVAL,
					"%s: the index's record of type %u ('%s') is not "
					"the BTF's",
					dir, id, name);
		if (i == 0) { /* the name's first type: count its list once */
			got += n;
			(*names)++;
		}
	}
	if (got != want)
		return kbtf_err(-EINVAL, "%s: the index lists %u types by name, the BTF has %u",
				dir, got, want);
	return 0;
}

/*
 * Every block of layout digests intact, and the digest the index gives
 * each named struct and union the one the BTF gives (none where the BTF
 * gives none).
 */
static int check_digests(const char *dir, const struct kbtf_pindex *ix, struct kbtf_btf *btf)
{
	struct kbtf_digests *m = kbtf_digests_new(btf);
	uint32_t cnt = kbtf_btf_type_cnt(btf), id;
	int err = 0;

	if (!m)
		return kbtf_err_nomem();
	if (!kbtf_pindex_digests_intact(ix))
		err = kbtf_err(-EINVAL,
			       "%s: damaged kernel index (a block of layout digests "
			       "fails its checksum)",
			       dir);
	for (id = 1; !err && id < cnt; id++) {
		const struct btf_type *t = kbtf_btf_type(btf, id);
		const char *name = t ? kbtf_btf_str(btf, t->name_off) : NULL;
		uint64_t want, got = 0;

		if (!t || !kbtf_is_composite(t) || !name || !*name)
			continue;
		want = kbtf_layout_digest(m, id);
		kbtf_pindex_digest(ix, name, id, &got);
		if (kbtf_pindex_damaged(ix))
			err = kbtf_err(-EINVAL,
				       "%s: damaged kernel index (the layout digest of '%s' "
				       "fails its checksum)",
				       dir, name);
		else if (got != want)
			err = kbtf_err(-EINVAL,
				       "%s: the index's layout digest of type %u ('%s') is not "
				       "the BTF's",
				       dir, id, name);
	}
	kbtf_digests_free(m);
	return err;
}

/* Each type's offset, where the index keeps them, is where the BTF has it. */
static int check_offsets(const char *dir, const struct kbtf_pindex *ix, struct kbtf_btf *btf)
{
	const struct btf_header *h = kbtf_btf_header(btf);
	const uint8_t *types;
	const uint32_t *offs;
	uint32_t nr, i;

	offs = kbtf_pindex_type_offs(ix, &nr);
	if (!offs)
		return 0;
	if (nr != kbtf_btf_type_cnt(btf) - 1)
		return kbtf_err(-EINVAL, "%s: the index has %u type offsets, the BTF %u types", dir,
				nr, kbtf_btf_type_cnt(btf) - 1);
	if (!kbtf_pindex_type_offs_ok(ix, 0, nr))
		return kbtf_err(-EINVAL,
				"%s: damaged kernel index (its type offsets fail their "
				"checksums)",
				dir);
	types = kbtf_btf_raw_data(btf) + h->hdr_len + h->type_off;
	for (i = 0; i < nr; i++)
		if (le32toh(offs[i]) !=
		    (uint32_t)((const uint8_t *)kbtf_btf_type(btf, i + 1) - types))
			return kbtf_err(-EINVAL, "%s: the index places type %u elsewhere", dir,
					i + 1);
	return 0;
}

static bool same_sym(const struct kbtf_pindex_sym *a, const struct kbtf_pindex_sym *b)
{
	return a->crc == b->crc && same_str(a->name, b->name) && same_str(a->module, b->module) &&
	       same_str(a->type, b->type) && same_str(a->ns, b->ns);
}

/*
 * Every line of the symbol table read in order, and each name looked up:
 * the lookup gives the name's last line, as Module.symvers's readers do.
 */
static int check_symbols(const char *dir, const struct kbtf_pindex *ix, uint32_t *syms)
{
	uint32_t n = kbtf_pindex_nr_syms(ix), i;
	struct kbtf_pindex_sym s, f;
	struct kbtf_pindex_keyed *v;
	int err = 0;

	*syms = n;
	if (!n)
		return 0;
	v = malloc(sizeof(*v) * n);
	if (!v)
		return kbtf_err_nomem();
	for (i = 0; !err && i < n; i++) {
		if (!kbtf_pindex_sym_at(ix, i, &s))
			err = kbtf_err(-EINVAL,
				       "%s: damaged kernel index (symbol line %u fails its "
				       "checksum)",
				       dir, i + 1);
		else
			v[i] = (struct kbtf_pindex_keyed){s.name, i};
	}
	if (!err)
		qsort(v, n, sizeof(*v), kbtf_pindex_keyed_cmp);
	for (i = 0; !err && i < n; i++) {
		if (i + 1 < n && !strcmp(v[i].name, v[i + 1].name))
			continue; /* not the name's last line */
		if (!kbtf_pindex_sym_at(ix, v[i].id, &s) ||
		    !kbtf_pindex_symbol(ix, v[i].name, &f) || !same_sym(&s, &f))
			err = kbtf_err(-EINVAL,
				       "%s: the index does not find symbol %s as line %u has it",
				       dir, v[i].name, v[i].id + 1);
	}
	free(v);
	return err;
}

int kbtf_profile_check_index(const char *name, const struct kbtf_pindex *ix, struct kbtf_kernel *k,
			     struct kbtf_profile_check *out)
{
	struct kbtf_btf *btf = kbtf_kernel_btf_stack(k);
	int err;

	if (!btf)
		return kbtf_err_prefix(-EINVAL, "%s", name);
	out->types = kbtf_btf_type_cnt(btf) - 1;
	out->has_index = true;
	err = check_facts(name, ix, k, btf);
	if (!err)
		err = kbtf_pindex_check_runs(ix);
	if (!err)
		err = check_names(name, ix, btf, &out->names);
	if (!err)
		err = check_offsets(name, ix, btf);
	if (!err)
		err = check_digests(name, ix, btf);
	if (!err)
		err = check_symbols(name, ix, &out->syms);
	if (!err && kbtf_pindex_damaged(ix))
		err =
		    kbtf_err(-EINVAL, "%s: damaged kernel index (a checksum failed on use)", name);
	return err;
}

int kbtf_profile_check(const char *dir, struct kbtf_profile_check *out)
{
	struct kbtf_profile_info info;
	struct kbtf_pindex *ix = NULL;
	struct kbtf_kernel *k = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	err = kbtf_profile_read_info(dir, &info);
	if (err)
		return err;
	snprintf(out->encoding, sizeof(out->encoding), "%s",
		 info.btf_encoding[0] ? info.btf_encoding : "raw");
	/* the full way: BTF, config, Module.symvers, as without an index */
	err = kbtf_kernel_open(dir, NULL, &k);
	if (err)
		return err; /* the message names the file */
	if (!kbtf_kernel_btf_stack(k)) {
		err = kbtf_err_prefix(-EINVAL, "%s", dir);
		goto out;
	}
	out->types = kbtf_btf_type_cnt(kbtf_kernel_btf_stack(k)) - 1;
	err = kbtf_pindex_open(dir, &ix);
	if (err == -ENOENT) {
		/* an older profile: validate reads it the full way, as here */
		kbtf_err_clear();
		err = 0;
		goto out;
	}
	if (!err)
		err = kbtf_profile_check_index(dir, ix, k, out);
out:
	kbtf_pindex_free(ix);
	kbtf_kernel_free(k);
	return err;
}
