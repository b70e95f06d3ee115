// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A profile's BTF stored as a delta against another stored kernel's
 * (btf_delta.h), by default ("kbtf kernels add", unless --no-delta):
 * kernels of one series share most of their types, but one added type
 * shifts every later id and string offset, so their files share no bytes
 * the store could link. The reference's BTF object is hard-linked into
 * the profile as btf.ref, so removing the reference profile (and the
 * garbage collection after it) leaves it in place for as long as a delta
 * needs it. A kernel whose BTF is a candidate's byte for byte stays raw:
 * the store shares the one file.
 *
 * References are always raw BTF, never deltas themselves: one rebuild
 * per open, and no chain to break. The delta is kept only when the BTF
 * rebuilt from it equals the original byte for byte.
 *
 * The config goes the same way (config.ref): two kernels of one series
 * differ in a few dozen of ~280 KB of lines, so a zstd frame with the
 * reference's text as its prefix (what "zstd --patch-from" makes) takes
 * 0.1-4 KB where the config alone takes 30-60 KB of zstd. A zstd
 * skippable frame in front says what it is against: zstd(1) skips it, so
 * "zstd -d --patch-from=REF config" reads the file, and kbtf tells it
 * from a whole config.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "btf_delta.h"
#include "buf_shared.h"
#include "hash.h"
#include "btf_prepared.h"
#include "kbtf/btf.h"
#include "kbtf/err.h"
#include "profile.h"
#include "profile_fields.h"
#include "kernel_priv.h"
#include "profile_index.h"
#include "util.h"

/*
 * A delta is kept when it is under this share of the BTF (percent); one
 * against another suite's build only under the second, against another
 * flavour only under the third: such a delta takes the place of a raw
 * reference its own suite's or flavour's kernels would use. Debian's
 * 6.12 flavours are 5-11% apart, 6.1's 16-27% (pahole -j), where each
 * flavour's later kernels then take 0.5-0.7 MB of BTF and index against a
 * reference of their own instead of 2 MB against another flavour's.
 */
#define DELTA_MAX_PERCENT 40
#define DELTA_MAX_PERCENT_OTHER_BUILD 20
#define DELTA_MAX_PERCENT_OTHER_FLAVOUR 15
/*
 * A config delta's head: a zstd skippable frame (magic, payload size)
 * whose payload is the tag, the format, and the hash and size of the
 * reference's text; the zstd frame made against that text follows.
 */
#define CFG_DELTA_MAGIC 0x184D2A5Eu
#define CFG_DELTA_TAG "kbtf-cfg"
#define CFG_DELTA_VERSION 1
#define CFG_DELTA_HEAD 40
#define CFG_DELTA_LEVEL 19

/* Reference candidates tried in full, best ranked first. */
#define DELTA_TRIES 2

/* "6.12.113" -> length of "6.12", the series. */
static size_t series_len(const char *version)
{
	const char *dot = strchr(version, '.');

	if (!dot)
		return strlen(version);
	dot = strchr(dot + 1, '.');
	return dot ? (size_t)(dot - version) : strlen(version);
}

/*
 * Debian's build tag in a release ("6.12.117+deb13-amd64" -> "deb13"):
 * which suite, so which compiler and pahole, built it; "" for none.
 */
static void build_tag(const char *release, char *out, size_t len)
{
	const char *plus = strchr(release, '+');
	size_t n = 0;

	if (plus)
		for (plus++; plus[n] && plus[n] != '-' && n + 1 < len; n++)
			out[n] = plus[n];
	out[n] = '\0';
}

/* Built by the same suite: its name when known, else the release's tag. */
static bool same_build(const struct kbtf_profile_info *k, const struct kbtf_profile_info *c)
{
	char a[32], b[32];

	if (k->suite[0] && c->suite[0])
		return !strcmp(k->suite, c->suite);
	build_tag(k->release, a, sizeof(a));
	build_tag(c->release, b, sizeof(b));
	return !strcmp(a, b);
}

/*
 * How good a reference @c is for @k (lower is better), -1 for none: of
 * the same architecture and series, stored raw, no layers. The same
 * build (suite) weighs most (one compiler and pahole: trixie's 6.12.117
 * shares 61% of its BTF with bookworm's, 99.8% with trixie's 6.12.118),
 * then the same flavour (its config), then the same version.
 */
static int rank(const struct kbtf_profile_info *k, const struct kbtf_profile_info *c)
{
	size_t n = series_len(k->version);

	if (!strcmp(c->name, k->name) || strcmp(c->arch, k->arch) ||
	    strcmp(c->btf_encoding, "raw") || c->btf_layers || !k->version[0] ||
	    series_len(c->version) != n || strncmp(c->version, k->version, n))
		return -1;
	return (same_build(k, c) ? 0 : 4) + (strcmp(c->flavour, k->flavour) ? 2 : 0) +
	       (strcmp(c->version, k->version) ? 1 : 0);
}

/* The largest delta kept against @c, in percent of the BTF. */
static unsigned int max_percent(const struct kbtf_profile_info *k,
				const struct kbtf_profile_info *c)
{
	unsigned int p = same_build(k, c) ? DELTA_MAX_PERCENT : DELTA_MAX_PERCENT_OTHER_BUILD;

	if (strcmp(c->flavour, k->flavour) && p > DELTA_MAX_PERCENT_OTHER_FLAVOUR)
		p = DELTA_MAX_PERCENT_OTHER_FLAVOUR;
	return p;
}

static uint64_t size_gap(const struct kbtf_profile_info *a, const struct kbtf_profile_info *b)
{
	return a->btf_size > b->btf_size ? a->btf_size - b->btf_size : b->btf_size - a->btf_size;
}

/* The DELTA_TRIES best references for @info, by rank then BTF size. */
static size_t pick(const struct kbtf_profile_info *const *list, size_t n,
		   const struct kbtf_profile_info *info, const struct kbtf_profile_info **best)
{
	size_t i, j, nb = 0;

	for (i = 0; i < n; i++) {
		int r = rank(info, list[i]);

		if (r < 0)
			continue;
		for (j = nb; j > 0; j--) {
			int rb = rank(info, best[j - 1]);

			if (rb < r ||
			    (rb == r && size_gap(info, best[j - 1]) <= size_gap(info, list[i])))
				break;
			if (j < DELTA_TRIES)
				best[j] = best[j - 1];
		}
		if (j < DELTA_TRIES) {
			best[j] = list[i];
			if (nb < DELTA_TRIES)
				nb++;
		}
	}
	return nb;
}

static int join(char *buf, size_t len, const char *dir, const char *name)
{
	if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len)
		return kbtf_err(-ENAMETOOLONG, "%s/%s: path too long", dir, name);
	return 0;
}

int kbtf_profile_btf_from_delta(const char *dir, const struct kbtf_buf *file, struct kbtf_buf *out)
{
	char path[PATH_MAX], ref_path[PATH_MAX];
	struct kbtf_buf ref;
	int err;

	memset(out, 0, sizeof(*out));
	err = join(path, sizeof(path), dir, KBTF_PROFILE_BTF);
	if (!err)
		err = join(ref_path, sizeof(ref_path), dir, KBTF_PROFILE_BTF_REF);
	if (err)
		return err;
	err = kbtf_buf_from_file(ref_path, &ref);
	if (err)
		return kbtf_err_prefix(err, "%s (the BTF %s is a delta against)", ref_path, path);
	if (!kbtf_btf_has_magic(ref.data, ref.size)) {
		kbtf_buf_release(&ref);
		return kbtf_err(-EINVAL, "%s: not BTF (the reference of delta %s)", ref_path, path);
	}
	err = kbtf_btf_delta_apply(ref.data, ref.size, file->data, file->size, path, out);
	kbtf_buf_release(&ref);
	return err;
}

/*
 * The delta of @raw against the profile @ref_dir's BTF into @out, or
 * -errno; -EEXIST when the two are the same bytes (the same kernel under
 * another name: the store shares the raw file, which costs nothing).
 */
static int try_reference(const char *ref_dir, const struct kbtf_buf *raw, struct kbtf_buf *out)
{
	struct kbtf_btf_delta_stats st;
	char path[PATH_MAX];
	struct kbtf_buf ref;
	int err;

	err = join(path, sizeof(path), ref_dir, KBTF_PROFILE_BTF);
	if (!err)
		err = kbtf_buf_from_file(path, &ref);
	if (err)
		return err;
	if (!kbtf_btf_has_magic(ref.data, ref.size))
		err = -ENOTSUP; /* replaced meanwhile by another encoding */
	else if (ref.size == raw->size && !memcmp(ref.data, raw->data, raw->size))
		err = -EEXIST;
	else
		err = kbtf_btf_delta_make(ref.data, ref.size, raw->data, raw->size, out, &st);
	kbtf_buf_release(&ref);
	return err;
}

bool kbtf_profile_config_is_delta(const void *data, size_t size)
{
	const uint8_t *p = data;

	return size >= CFG_DELTA_HEAD && kbtf_le32(p) == CFG_DELTA_MAGIC &&
	       !memcmp(p + 8, CFG_DELTA_TAG, 8);
}

/* @text against @ref as a config delta into @out, or -errno. */
static int config_delta_make(const char *text, size_t len, const char *ref, size_t ref_len,
			     struct kbtf_buf *out)
{
	size_t cap = CFG_DELTA_HEAD + ZSTD_compressBound(len), n;
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	uint8_t *o = malloc(cap);
	int err = 0;

	if (!cc || !o) {
		err = kbtf_err_nomem();
		goto out;
	}
	if (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, CFG_DELTA_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_refPrefix(cc, ref, ref_len))) {
		err = kbtf_err(-EIO, "cannot set up libzstd");
		goto out;
	}
	n = ZSTD_compress2(cc, o + CFG_DELTA_HEAD, cap - CFG_DELTA_HEAD, text, len);
	if (ZSTD_isError(n)) {
		err = kbtf_err(-EIO, "cannot compress a config: %s", ZSTD_getErrorName(n));
		goto out;
	}
	kbtf_put_le32(o, CFG_DELTA_MAGIC);
	kbtf_put_le32(o + 4, CFG_DELTA_HEAD - 8);
	memcpy(o + 8, CFG_DELTA_TAG, 8);
	kbtf_put_le32(o + 16, CFG_DELTA_VERSION);
	kbtf_put_le32(o + 20, 0);
	kbtf_put_le64(o + 24, kbtf_hash_bytes(ref, ref_len));
	kbtf_put_le64(o + 32, ref_len);
	out->data = o;
	out->size = CFG_DELTA_HEAD + n;
	out->owner = KBTF_BUF_HEAP;
	o = NULL;
out:
	free(o);
	ZSTD_freeCCtx(cc);
	return err;
}

/* The text of the config delta @d (from @path) against @ref, or -errno. */
static int config_delta_apply(const struct kbtf_buf *d, const char *path, const char *ref,
			      size_t ref_len, char **text, size_t *len)
{
	const uint8_t *p = d->data;
	unsigned long long want;
	ZSTD_DCtx *dc;
	size_t n;
	char *o;

	if (kbtf_le32(p + 4) != CFG_DELTA_HEAD - 8 || kbtf_le32(p + 16) != CFG_DELTA_VERSION)
		return kbtf_err(-EINVAL, "%s: config delta of an unknown format", path);
	if (kbtf_le64(p + 32) != ref_len || kbtf_le64(p + 24) != kbtf_hash_bytes(ref, ref_len))
		return kbtf_err(-EINVAL, "%s: a config delta against another config than %s", path,
				KBTF_PROFILE_CONFIG_REF);
	want = ZSTD_getFrameContentSize((const uint8_t *)d->data + CFG_DELTA_HEAD,
					d->size - CFG_DELTA_HEAD);
	if (want == ZSTD_CONTENTSIZE_ERROR || want == ZSTD_CONTENTSIZE_UNKNOWN ||
	    want > KBTF_KCONFIG_MAX)
		return kbtf_err(-EINVAL, "%s: damaged config delta (no frame of a known size)",
				path);
	o = malloc((size_t)want + 1);
	dc = ZSTD_createDCtx();
	if (!o || !dc) {
		free(o);
		ZSTD_freeDCtx(dc);
		return kbtf_err_nomem();
	}
	n = ZSTD_isError(ZSTD_DCtx_refPrefix(dc, ref, ref_len))
		? (size_t)-1
		: ZSTD_decompressDCtx(dc, o, (size_t)want, p + CFG_DELTA_HEAD,
				      d->size - CFG_DELTA_HEAD);
	ZSTD_freeDCtx(dc);
	if (ZSTD_isError(n) || n != want) {
		free(o);
		return kbtf_err(-EINVAL, "%s: damaged config delta (%s)", path,
				ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short");
	}
	o[n] = '\0';
	*text = o;
	*len = n;
	return 0;
}

int kbtf_profile_read_config(const char *dir, char **text, size_t *len)
{
	char path[PATH_MAX], ref_path[PATH_MAX], *ref;
	struct kbtf_buf d;
	size_t ref_len;
	int err;

	err = join(path, sizeof(path), dir, KBTF_PROFILE_CONFIG);
	if (!err)
		err = join(ref_path, sizeof(ref_path), dir, KBTF_PROFILE_CONFIG_REF);
	if (!err)
		err = kbtf_buf_from_file(path, &d);
	if (err)
		return err;
	if (!kbtf_profile_config_is_delta(d.data, d.size)) {
		/* kbtf writes a profile's config as zstd, whole or a delta; one
		 * made by hand may be text, which has no NUL (a damaged delta does) */
		bool binary = kbtf_compression_detect(d.data, d.size) == KBTF_COMP_NONE &&
			      memchr(d.data, 0, d.size);

		kbtf_buf_release(&d);
		if (binary)
			return kbtf_err(
			    -EINVAL,
			    "%s: damaged profile (a config neither text, zstd nor a delta)", path);
		return kbtf_kconfig_read_file(path, text, len);
	}
	err = kbtf_kconfig_read_file(ref_path, &ref, &ref_len);
	if (err == -ENOENT)
		err = kbtf_err(-EINVAL,
			       "%s: damaged profile (a config delta against %s, which is missing)",
			       path, KBTF_PROFILE_CONFIG_REF);
	if (!err) {
		err = config_delta_apply(&d, path, ref, ref_len, text, len);
		free(ref);
	}
	kbtf_buf_release(&d);
	return err;
}

/*
 * The config of the profile in @dir against @ref_dir's, where that
 * rebuilds: @ref_dir's config linked as config.ref, the delta written over
 * config. Nothing is changed where either has no config or the reference's
 * is a delta itself.
 */
static int delta_config(const char *dir, const char *ref_dir)
{
	char path[PATH_MAX], ref_obj[PATH_MAX], ref_path[PATH_MAX], *own = NULL, *ref = NULL,
								    *back = NULL;
	size_t own_len, ref_len, back_len;
	struct kbtf_buf d = {0};
	int err;

	if (join(path, sizeof(path), dir, KBTF_PROFILE_CONFIG) ||
	    join(ref_obj, sizeof(ref_obj), ref_dir, KBTF_PROFILE_CONFIG) ||
	    join(ref_path, sizeof(ref_path), dir, KBTF_PROFILE_CONFIG_REF) ||
	    kbtf_kconfig_read_file(path, &own, &own_len) ||
	    kbtf_kconfig_read_file(ref_obj, &ref, &ref_len) ||
	    config_delta_make(own, own_len, ref, ref_len, &d))
		goto keep;
	/* the reference's object itself, and the delta rebuilt from it */
	if (link(ref_obj, ref_path))
		goto keep;
	free(ref);
	ref = NULL;
	if (kbtf_kconfig_read_file(ref_path, &ref, &ref_len) ||
	    config_delta_apply(&d, path, ref, ref_len, &back, &back_len) || back_len != own_len ||
	    memcmp(back, own, own_len)) {
		unlink(ref_path);
		goto keep;
	}
	err = kbtf_write_file_atomic(path, d.data, d.size, 0644);
	if (err)
		unlink(ref_path);
	goto out;
keep:
	kbtf_err_clear();
	err = 0;
out:
	free(own);
	free(ref);
	free(back);
	kbtf_buf_release(&d);
	return err;
}

/*
 * The index whose CRCs this profile's are best told against, linked as
 * index.crcref: that of a stored kernel whose index is a delta against the
 * same reference index, the same flavour first, then the closest in BTF
 * size; where that kernel's own CRCs are told against another's, that
 * other's. Between two Debian ABIs of one flavour 97-100% of the CRCs are
 * the same, against the series' reference 23-26%. The index writer keeps
 * the link only where it uses it (kbtf_pindex_delta_donor()).
 */
static void link_crc_donor(const struct kbtf_profile_info *const *list, size_t n,
			   struct kbtf_store *s, const char *dir,
			   const struct kbtf_profile_info *info)
{
	char path[PATH_MAX], cdir[PATH_MAX], best[PATH_MAX] = "";
	const struct kbtf_profile_info *pick_c = NULL;
	struct stat own, st;
	size_t i;

	if (join(path, sizeof(path), dir, KBTF_PROFILE_INDEX_REF) || stat(path, &own) < 0)
		return;
	for (i = 0; i < n; i++) {
		const struct kbtf_profile_info *c = list[i];
		bool other = strcmp(c->flavour, info->flavour);

		if (!strcmp(c->name, info->name) || strcmp(c->btf_encoding, "delta") ||
		    strcmp(c->arch, info->arch) ||
		    kbtf_store_profile_dir(s, c->name, cdir, sizeof(cdir)) ||
		    join(path, sizeof(path), cdir, KBTF_PROFILE_INDEX_REF) || stat(path, &st) < 0 ||
		    st.st_ino != own.st_ino || st.st_dev != own.st_dev)
			continue;
		if (pick_c) {
			bool pick_other = strcmp(pick_c->flavour, info->flavour);

			if (other > pick_other ||
			    (other == pick_other && size_gap(info, c) >= size_gap(info, pick_c)))
				continue;
		}
		/* its donor where it has one, else its own index */
		if (join(path, sizeof(path), cdir, KBTF_PROFILE_INDEX_CRCREF) ||
		    (lstat(path, &st) < 0 && join(path, sizeof(path), cdir, KBTF_PROFILE_INDEX)))
			continue;
		snprintf(best, sizeof(best), "%s", path);
		pick_c = c;
	}
	kbtf_err_clear();
	if (pick_c && !join(path, sizeof(path), dir, KBTF_PROFILE_INDEX_CRCREF) && link(best, path))
		kbtf_err_clear(); /* no donor: the CRCs are written whole */
}

int kbtf_store_delta_btf(struct kbtf_store *s, const char *dir, struct kbtf_profile_info *info)
{
	const struct kbtf_profile_info **list = NULL, *cands[DELTA_TRIES];
	struct kbtf_profile_info *snap = NULL;
	char path[PATH_MAX], ref_path[PATH_MAX], ref_dir[PATH_MAX], best_dir[PATH_MAX] = "";
	struct kbtf_buf raw = {0}, best = {0}, d, back = {0};
	size_t n, nc, i;
	int err;

	if (strcmp(info->btf_encoding, "raw") || info->btf_layers)
		return 0;
	err = join(path, sizeof(path), dir, KBTF_PROFILE_BTF);
	if (!err)
		err = join(ref_path, sizeof(ref_path), dir, KBTF_PROFILE_BTF_REF);
	if (!err)
		err = kbtf_store_snapshot(s, &snap, &n);
	if (!err && n && !(list = malloc(sizeof(*list) * n)))
		err = kbtf_err_nomem();
	for (i = 0; !err && i < n; i++)
		list[i] = &snap[i];
	if (!err)
		err = kbtf_buf_from_file(path, &raw);
	if (err)
		goto keep_raw;
	nc = pick(list, n, info, cands);
	for (i = 0; i < nc; i++) {
		if (kbtf_store_profile_dir(s, cands[i]->name, ref_dir, sizeof(ref_dir)))
			continue;
		err = try_reference(ref_dir, &raw, &d);
		if (err == -EEXIST)
			goto keep_raw;
		if (err)
			continue;
		if ((!best.data || d.size < best.size) &&
		    d.size * 100 < raw.size * max_percent(info, cands[i])) {
			kbtf_buf_release(&best);
			kbtf_buf_move(&best, &d);
			snprintf(best_dir, sizeof(best_dir), "%s", ref_dir);
		} else {
			kbtf_buf_release(&d);
		}
	}
	if (!best.data)
		goto keep_raw;
	/* the reference's object itself (the store linked its btf to it), and
	 * the delta checked against what was linked, byte for byte */
	if (join(ref_dir, sizeof(ref_dir), best_dir, KBTF_PROFILE_BTF) || link(ref_dir, ref_path))
		goto keep_raw;
	if (kbtf_profile_btf_from_delta(dir, &best, &back) || back.size != raw.size ||
	    memcmp(back.data, raw.data, raw.size)) {
		unlink(ref_path);
		goto keep_raw;
	}
	err = kbtf_write_file_atomic(path, best.data, best.size, 0644);
	if (err) {
		unlink(ref_path);
		goto out;
	}
	/* the reference's index too: this profile's index is then written as
	 * a delta against it (kbtf_pindex_write()), where that is smaller */
	if (!join(ref_dir, sizeof(ref_dir), best_dir, KBTF_PROFILE_INDEX) &&
	    !join(ref_path, sizeof(ref_path), dir, KBTF_PROFILE_INDEX_REF) &&
	    link(ref_dir, ref_path))
		kbtf_err_clear(); /* no reference index, or no link: a whole index */
	link_crc_donor(list, n, s, dir, info);
	err = delta_config(dir, best_dir);
	if (err)
		goto out;
	snprintf(info->btf_encoding, sizeof(info->btf_encoding), "delta");
	info->btf_stored = best.size;
	err = kbtf_profile_write_marker(dir, info, true);
	goto out;
keep_raw:
	kbtf_err_clear();
	err = 0;
out:
	kbtf_buf_release(&raw);
	kbtf_buf_release(&best);
	kbtf_buf_release(&back);
	free(list);
	free(snap);
	return err;
}

int kbtf_profile_prepared_btf(const char *dir, const uint32_t *offs, uint32_t nr, const char *name,
			      struct kbtf_buf *raw, struct kbtf_btf **out)
{
	char path[PATH_MAX], ref_path[PATH_MAX];
	struct kbtf_btf_delta_src *src;
	struct kbtf_buf file, ref;
	int err;

	*out = NULL;
	memset(raw, 0, sizeof(*raw));
	err = join(path, sizeof(path), dir, KBTF_PROFILE_BTF);
	if (!err)
		err = join(ref_path, sizeof(ref_path), dir, KBTF_PROFILE_BTF_REF);
	if (!err)
		err = kbtf_buf_from_file(path, &file);
	if (err)
		return kbtf_err_prefix(err, "%s", path);
	if (kbtf_btf_has_magic(file.data, file.size)) {
		kbtf_buf_move(raw, &file);
	} else if (!kbtf_btf_delta_has_magic(file.data, file.size)) {
		kbtf_buf_release(&file);
		err = kbtf_profile_load_btf(dir, raw); /* LZ4 */
		if (err)
			return err;
	} else {
		/* the series' reference: mapped once for all its deltas */
		err = kbtf_buf_from_file_shared(ref_path, &ref);
		if (err) {
			kbtf_buf_release(&file);
			return kbtf_err_prefix(err, "%s (the BTF %s is a delta against)", ref_path,
					       path);
		}
		err = kbtf_btf_delta_src_open(&ref, &file, path, &src);
		kbtf_buf_release(&ref);
		kbtf_buf_release(&file);
		if (err)
			return err;
		return kbtf_btf_parse_prepared_delta(src, nr, name, out);
	}
	if (!offs) {
		kbtf_buf_release(raw);
		return -ENOTSUP; /* no offsets in the index: the full way */
	}
	err = kbtf_btf_parse_prepared(raw->data, raw->size, offs, nr, name, out);
	if (err)
		kbtf_buf_release(raw);
	return err;
}

bool kbtf_profile_btf_is_delta(const char *dir)
{
	char path[PATH_MAX], head[8];
	bool delta = false;
	FILE *f;

	if (join(path, sizeof(path), dir, KBTF_PROFILE_BTF))
		return false;
	f = fopen(path, "rb");
	if (f) {
		delta = fread(head, 1, sizeof(head), f) == sizeof(head) &&
			kbtf_btf_delta_has_magic(head, sizeof(head));
		fclose(f);
	}
	return delta;
}
