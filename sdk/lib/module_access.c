// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The access record (module_access.h): parsing the blobs the kbtf_access
 * GCC plugin leaves in each object (and the linker concatenates into the
 * .ko), merging them into the one compact blob kbtf distill stores as
 * .kbtf.access, and loading a module's record. The kernel never reads these
 * sections: they are not SHF_ALLOC, so load_module() does not copy them.
 *
 * Blob (version 1; all u32 in the byte order of the object):
 *   "KBAC", version, header length (>= 24), records, string bytes, unit
 *   records: type, path, mtype, func, via, file (string offsets), line,
 *            bit offset, bits, flags (10 x u32)
 *   strings: NUL-terminated; the table ends in a NUL
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "kbtf/err.h"
#include "module_access.h"
#include "util.h"

#define MAGIC "KBAC"
#define HDR_MIN 24u
#define REC_WORDS 10u
#define REC_SIZE (REC_WORDS * 4u)

static void wr32(uint8_t *p, uint32_t v, bool big)
{
	int i;

	for (i = 0; i < 4; i++)
		p[big ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

void kbtf_access_free(struct kbtf_access *a)
{
	if (!a)
		return;
	free(a->recs);
	free(a->strs);
	free(a);
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_rec(const void *pa, const void *pb)
{
	const struct kbtf_access_rec *a = pa, *b = pb;
	int c;

	if ((c = cmp_str(a->type, b->type)) || (c = cmp_str(a->path, b->path)) ||
	    (c = cmp_str(a->file, b->file)))
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if ((c = cmp_str(a->func, b->func)) || (c = cmp_str(a->via, b->via)) ||
	    (c = cmp_str(a->mtype, b->mtype)))
		return c;
	if (a->bit_off != b->bit_off)
		return a->bit_off < b->bit_off ? -1 : 1;
	if (a->bits != b->bits)
		return a->bits < b->bits ? -1 : 1;
	if ((a->flags & ~KBTF_ACC_HOW) != (b->flags & ~KBTF_ACC_HOW))
		return (a->flags & ~KBTF_ACC_HOW) < (b->flags & ~KBTF_ACC_HOW) ? -1 : 1;
	return 0;
}

/* Sort, then fold records that differ only in how they access. */
static void sort_dedup(struct kbtf_access *a)
{
	size_t i, n = 0;

	if (!a->nr)
		return;
	qsort(a->recs, a->nr, sizeof(*a->recs), cmp_rec);
	for (i = 0; i < a->nr; i++) {
		if (n && !cmp_rec(&a->recs[n - 1], &a->recs[i]))
			a->recs[n - 1].flags |= a->recs[i].flags;
		else
			a->recs[n++] = a->recs[i];
	}
	a->nr = n;
}

/* The blob at @p (@left bytes): its total length, or a negative errno. */
static int blob_check(const uint8_t *p, size_t left, size_t at, bool *big, uint32_t *nrec,
		      uint32_t *hdr, uint32_t *slen, size_t *total)
{
	uint64_t need;

	if (left < HDR_MIN || memcmp(p, MAGIC, 4))
		return kbtf_err(-EINVAL, "access record: bytes at offset %zu are not a record", at);
	if (kbtf_get32(p + 4, false) == 1)
		*big = false;
	else if (kbtf_get32(p + 4, true) == 1)
		*big = true;
	else
		return kbtf_err(-EINVAL, "access record at offset %zu: version %u is not 1", at,
				kbtf_get32(p + 4, false));
	*hdr = kbtf_get32(p + 8, *big);
	*nrec = kbtf_get32(p + 12, *big);
	*slen = kbtf_get32(p + 16, *big);
	need = (uint64_t)*hdr + (uint64_t)*nrec * REC_SIZE + *slen;
	if (*hdr < HDR_MIN || *hdr % 4 || need > left)
		return kbtf_err(-EINVAL,
				"access record at offset %zu: %u records and %u string bytes do "
				"not fit in the %zu bytes left",
				at, *nrec, *slen, left);
	if (!*slen || p[*hdr + (size_t)*nrec * REC_SIZE + *slen - 1])
		return kbtf_err(-EINVAL,
				"access record at offset %zu: its string table does not end in "
				"a NUL",
				at);
	*total = (size_t)need;
	return 0;
}

int kbtf_access_parse(const void *data, size_t size, struct kbtf_access **out)
{
	const uint8_t *d = data;
	struct kbtf_access *a;
	size_t off, nr = 0, pool = 0, total, i;
	uint32_t hdr, nrec, slen;
	bool big;
	int err;

	*out = NULL;
	/* pass 1: check every blob, count */
	for (off = 0; off < size;) {
		if (size - off >= 4 && !memcmp(d + off, "\0\0\0\0", 4)) {
			off += 4;
			continue;
		}
		err = blob_check(d + off, size - off, off, &big, &nrec, &hdr, &slen, &total);
		if (err)
			return err;
		nr += nrec;
		pool += slen;
		off += total;
		off += (4 - off % 4) % 4;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return kbtf_err_nomem();
	a->recs = calloc(nr ? nr : 1, sizeof(*a->recs));
	a->strs = malloc(pool ? pool : 1);
	if (!a->recs || !a->strs) {
		kbtf_access_free(a);
		return kbtf_err_nomem();
	}
	/* pass 2: copy the strings, point the records at them */
	pool = 0;
	for (off = 0; off < size;) {
		const uint8_t *p = d + off;
		const char *s;

		if (size - off >= 4 && !memcmp(p, "\0\0\0\0", 4)) {
			off += 4;
			continue;
		}
		blob_check(p, size - off, off, &big, &nrec, &hdr, &slen, &total);
		s = a->strs + pool;
		memcpy(a->strs + pool, p + hdr + (size_t)nrec * REC_SIZE, slen);
		pool += slen;
		for (i = 0; i < nrec; i++) {
			const uint8_t *r = p + hdr + i * REC_SIZE;
			const char **str[6];
			struct kbtf_access_rec *o = &a->recs[a->nr];
			int k;

			str[0] = &o->type;
			str[1] = &o->path;
			str[2] = &o->mtype;
			str[3] = &o->func;
			str[4] = &o->via;
			str[5] = &o->file;
			for (k = 0; k < 6; k++) {
				uint32_t so = kbtf_get32(r + 4 * k, big);

				if (so >= slen) {
					err = kbtf_err(-EINVAL,
						       "access record at offset %zu: record %zu "
						       "names string %u past its %u-byte table",
						       off, i, so, slen);
					kbtf_access_free(a);
					return err;
				}
				*str[k] = s + so;
			}
			o->line = kbtf_get32(r + 24, big);
			o->bit_off = kbtf_get32(r + 28, big);
			o->bits = kbtf_get32(r + 32, big);
			o->flags = kbtf_get32(r + 36, big);
			if (!*o->type || !*o->path) {
				kbtf_access_free(a);
				return kbtf_err(-EINVAL,
						"access record at offset %zu: record %zu has no "
						"type or member",
						off, i);
			}
			a->nr++;
		}
		a->nr_units++;
		off += total;
		off += (4 - off % 4) % 4;
	}
	sort_dedup(a);
	*out = a;
	return 0;
}

int kbtf_access_load(const struct kbtf_module *m, struct kbtf_access **out)
{
	*out = NULL;
	if (m->access_err == -ENOENT)
		return kbtf_err(-ENOENT,
				"%s has no access record (%s): member-level checking needs a "
				"build with kbtf's compiler plugin",
				m->path ? m->path : "module", KBTF_ACCESS_SECTION);
	if (m->access_err)
		return kbtf_err(m->access_err, "the access record's section lies outside the file");
	return kbtf_access_parse(m->access_data, m->access_size, out);
}

/* ------------------------------------------------------------ writing */

struct strtab {
	struct kbtf_buf b;
	size_t cap;
	uint32_t *slot; /* offset + 1 */
	size_t nslot, used;
};

static int st_grow(struct strtab *t)
{
	size_t n = t->nslot ? t->nslot * 2 : 256, i;
	uint32_t *ns = calloc(n, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (i = 0; i < t->nslot; i++) {
		size_t j;

		if (!t->slot[i])
			continue;
		j = kbtf_hash_str((char *)t->b.data + t->slot[i] - 1) & (n - 1);
		while (ns[j])
			j = (j + 1) & (n - 1);
		ns[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = ns;
	t->nslot = n;
	return 0;
}

/* The offset of @s in the table, added once; UINT32_MAX when out of memory. */
static uint32_t st_add(struct strtab *t, const char *s)
{
	size_t j, len;

	if (!s || !*s)
		return 0;
	if ((t->used + 1) * 2 > t->nslot && st_grow(t))
		return UINT32_MAX;
	for (j = kbtf_hash_str(s) & (t->nslot - 1); t->slot[j]; j = (j + 1) & (t->nslot - 1))
		if (!strcmp((char *)t->b.data + t->slot[j] - 1, s))
			return t->slot[j] - 1;
	len = strlen(s) + 1;
	if (t->b.size + len > t->cap) {
		size_t nc = (t->cap ? t->cap * 2 : 1024) + len;
		uint8_t *nd = realloc(t->b.data, nc);

		if (!nd)
			return UINT32_MAX;
		t->b.data = nd;
		t->cap = nc;
	}
	memcpy(t->b.data + t->b.size, s, len);
	t->slot[j] = (uint32_t)t->b.size + 1;
	t->used++;
	t->b.size += len;
	return t->slot[j] - 1;
}

int kbtf_access_write(const struct kbtf_access *a, enum kbtf_endian endian, struct kbtf_buf *out)
{
	struct strtab t = {0};
	bool big = endian == KBTF_ENDIAN_BIG;
	uint32_t *words = NULL;
	size_t i, k, slen, total;
	uint8_t *p;
	int err = 0;

	memset(out, 0, sizeof(*out));
	t.b.data = malloc(1024);
	words = calloc(a->nr ? a->nr * REC_WORDS : 1, sizeof(*words));
	if (!t.b.data || !words) {
		err = kbtf_err_nomem();
		goto done;
	}
	t.cap = 1024;
	t.b.data[0] = '\0';
	t.b.size = 1;
	for (i = 0; i < a->nr; i++) {
		const struct kbtf_access_rec *r = &a->recs[i];
		const char *s[6] = {r->type, r->path, r->mtype, r->func, r->via, r->file};
		uint32_t *w = words + i * REC_WORDS;

		for (k = 0; k < 6; k++)
			if ((w[k] = st_add(&t, s[k])) == UINT32_MAX) {
				err = kbtf_err_nomem();
				goto done;
			}
		w[6] = r->line;
		w[7] = r->bit_off;
		w[8] = r->bits;
		w[9] = r->flags;
	}
	slen = (t.b.size + 3) & ~(size_t)3;
	total = HDR_MIN + a->nr * REC_SIZE + slen;
	p = calloc(1, total);
	if (!p) {
		err = kbtf_err_nomem();
		goto done;
	}
	memcpy(p, MAGIC, 4);
	wr32(p + 4, 1, big);
	wr32(p + 8, HDR_MIN, big);
	wr32(p + 12, (uint32_t)a->nr, big);
	wr32(p + 16, (uint32_t)slen, big);
	wr32(p + 20, 0, big);
	for (i = 0; i < a->nr * REC_WORDS; i++)
		wr32(p + HDR_MIN + 4 * i, words[i], big);
	memcpy(p + HDR_MIN + a->nr * REC_SIZE, t.b.data, t.b.size);
	out->data = p;
	out->size = total;
	out->owner = KBTF_BUF_HEAP;
done:
	free(words);
	free(t.b.data);
	free(t.slot);
	return err;
}

const char *kbtf_access_how(uint32_t flags)
{
	switch (flags & KBTF_ACC_HOW) {
	case KBTF_ACC_READ:
		return "reads";
	case KBTF_ACC_WRITE:
		return "writes";
	case KBTF_ACC_READ | KBTF_ACC_WRITE:
		return "reads and writes";
	case KBTF_ACC_ADDR:
		return "takes the address of";
	case KBTF_ACC_ADDR | KBTF_ACC_READ:
		return "reads and takes the address of";
	case KBTF_ACC_ADDR | KBTF_ACC_WRITE:
		return "writes and takes the address of";
	case KBTF_ACC_HOW:
		return "reads, writes and takes the address of";
	default:
		return "uses";
	}
}
