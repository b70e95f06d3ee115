// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Downloads for the repository fetchers: libcurl's multi interface runs up
 * to opts->jobs transfers at once on the calling thread, each capped at its
 * share of the bandwidth budget. Every file arrives as "<dest>.part",
 * hashed while it streams (SHA-256, FIPS 180-4), and is renamed into place
 * only when its checksum matches what the repository metadata names. An
 * interrupted run leaves the .part behind; the next one asks for the rest
 * with a Range request. See repo.h.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbtf/err.h"
#include "repo.h"
#include "util.h"

/* ------------------------------------------------------------- SHA-256 */

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t fill;
};

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static inline uint32_t ror32(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->fill = 0;
}

static void sha256_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + (ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		       w[i - 7] + (ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
	e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) +
		     sha256_k[i] + w[i];
		t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
	s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t take;

	s->len += len;
	if (s->fill) {
		take = 64 - s->fill < len ? 64 - s->fill : len;
		memcpy(s->buf + s->fill, p, take);
		s->fill += take;
		p += take;
		len -= take;
		if (s->fill < 64)
			return;
		sha256_block(s, s->buf);
		s->fill = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(s, p);
	memcpy(s->buf, p, len);
	s->fill = len;
}

static void sha256_final_hex(struct sha256 *s, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t bits = s->len * 8;
	uint8_t pad[72] = {0x80};
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
	int i;

	for (i = 0; i < 8; i++)
		pad[padlen + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(s, pad, padlen + 8);
	for (i = 0; i < 32; i++) {
		uint8_t byte = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));

		out[2 * i] = hex[byte >> 4];
		out[2 * i + 1] = hex[byte & 15];
	}
	out[64] = '\0';
}

void kbtf_sha256_hex(const void *data, size_t len, char out[65])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final_hex(&s, out);
}

/* Feed @fd from its start into @s; the byte count or a negative errno. */
static int64_t sha256_fd(int fd, struct sha256 *s)
{
	static __thread uint8_t buf[1 << 16];
	int64_t total = 0;
	ssize_t r;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		sha256_update(s, buf, (size_t)r);
		total += r;
	}
	return total;
}

int kbtf_sha256_file(const char *path, char out[65])
{
	struct sha256 s;
	int64_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return kbtf_err(-errno, "%s: %s", path, strerror(errno));
	sha256_init(&s);
	r = sha256_fd(fd, &s);
	close(fd);
	if (r < 0)
		return kbtf_err((int)r, "%s: %s", path, strerror((int)-r));
	sha256_final_hex(&s, out);
	return 0;
}

/* ------------------------------------------------------------ transfers */

#define MAX_JOBS 16
#define TRIES 3
/* metadata without a size in its parent file: a sane upper bound */
#define UNSIZED_MAX (1ULL << 30)

struct xfer {
	struct kbtf_dl *dl;
	CURL *easy;
	int fd;
	char part[PATH_MAX];
	struct sha256 hash;
	uint64_t offset;   /* bytes of .part kept from before */
	uint64_t received; /* this attempt */
	bool checked_code; /* first body bytes seen: the status was looked at */
	bool restarted;	   /* the server ignored the range: started over */
	bool too_big;	   /* more bytes than the metadata says */
	int tries;
	char errbuf[CURL_ERROR_SIZE];
	double t0;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * nmemb, off = 0;
	long code = 0;
	ssize_t w;

	if (!x->checked_code) {
		x->checked_code = true;
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
		if (x->offset && code == 200) {
			/* the server ignored the range and sends the whole file:
			 * start the .part again (file:// has no status, and seeks) */
			if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0)
				return 0;
			x->offset = 0;
			x->restarted = true;
			sha256_init(&x->hash);
		}
	}
	if (x->offset + x->received + len > (x->dl->size ? x->dl->size : UNSIZED_MAX)) {
		x->too_big = true;
		return 0;
	}
	while (off < len) {
		w = write(x->fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return 0; /* curl reports a write error */
		}
		off += (size_t)w;
	}
	sha256_update(&x->hash, data, len);
	x->received += len;
	return len;
}

/* dl fails with @err: "@what: @why". */
static int fail_dl(struct kbtf_dl *dl, int err, const char *what, const char *why)
{
	dl->err = err;
	snprintf(dl->msg, sizeof(dl->msg), "%.300s: %.200s", what, why);
	return err;
}

/* Open .part (keeping what is there) and hash what it holds. */
static int xfer_open(struct xfer *x)
{
	struct kbtf_dl *dl = x->dl;
	int64_t have;

	if (snprintf(x->part, sizeof(x->part), "%s.part", dl->dest) >= (int)sizeof(x->part))
		return fail_dl(dl, -ENAMETOOLONG, dl->dest, "path too long");
	x->fd = open(x->part, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (x->fd < 0)
		return fail_dl(dl, -errno, x->part, strerror(errno));
	sha256_init(&x->hash);
	have = sha256_fd(x->fd, &x->hash);
	if (have < 0)
		return fail_dl(dl, (int)have, x->part, strerror((int)-have));
	/* longer than the metadata says: not a prefix of this file */
	if (dl->size && (uint64_t)have > dl->size) {
		if (ftruncate(x->fd, 0) < 0)
			return fail_dl(dl, -errno, x->part, strerror(errno));
		sha256_init(&x->hash);
		have = 0;
	}
	if (lseek(x->fd, 0, SEEK_END) < 0)
		return fail_dl(dl, -errno, x->part, strerror(errno));
	x->offset = (uint64_t)have;
	return 0;
}

/* Only the first dl->limit bytes are wanted, fewer than the whole file. */
static bool wants_head(const struct kbtf_dl *dl)
{
	return dl->limit && (!dl->size || dl->limit < dl->size);
}

static CURL *xfer_easy(struct xfer *x, uint64_t rate)
{
	CURL *e = curl_easy_init();
	uint64_t max = x->dl->size ? x->dl->size : UNSIZED_MAX;

	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, x->dl->url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a stalled mirror: under 1 byte/s for a minute */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "kbtf/" KBTF_VERSION);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	if (rate)
		curl_easy_setopt(e, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)rate);
	if (wants_head(x->dl)) {
		char range[64];

		/* only the head: the rest of the file is not needed (yet) */
		snprintf(range, sizeof(range), "%llu-%llu", (unsigned long long)x->offset,
			 (unsigned long long)x->dl->limit - 1);
		curl_easy_setopt(e, CURLOPT_RANGE, range);
	} else if (x->offset) {
		curl_easy_setopt(e, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)x->offset);
	}
	return e;
}

/* The transfer ended with @rc: 0 done (renamed into place), 1 try again, <0 failed. */
static int xfer_finish(struct xfer *x, CURLcode rc)
{
	struct kbtf_dl *dl = x->dl;
	char got[65];
	long code = 0;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	dl->status = code;
	if (x->too_big)
		rc = CURLE_FILESIZE_EXCEEDED;
	if (rc == CURLE_HTTP_RETURNED_ERROR && code == 416 && x->offset) {
		/* the .part is whole already: its checksum decides */
		rc = CURLE_OK;
	} else if (rc != CURLE_OK) {
		if (++x->tries < TRIES && rc != CURLE_HTTP_RETURNED_ERROR &&
		    rc != CURLE_FILESIZE_EXCEEDED && rc != CURLE_WRITE_ERROR)
			return 1;
		/* the transfer failed: the mirror's or the network's doing (exit 3) */
		dl->err = rc == CURLE_WRITE_ERROR ? -EIO : -KBTF_ETOOL;
		if (rc == CURLE_HTTP_RETURNED_ERROR)
			snprintf(dl->msg, sizeof(dl->msg), "%.400s: HTTP status %ld", dl->url,
				 code);
		else
			snprintf(dl->msg, sizeof(dl->msg), "%.300s: %.200s", dl->url,
				 x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		if (rc == CURLE_FILESIZE_EXCEEDED) {
			dl->err = -EFBIG;
			snprintf(dl->msg, sizeof(dl->msg),
				 "%.400s: larger than the %llu bytes the repository says", dl->url,
				 (unsigned long long)dl->size);
			unlink(x->part);
		}
		return dl->err;
	}
	dl->fetched += x->received;
	if (wants_head(dl) && !(dl->size && x->offset + x->received == dl->size)) {
		/* the head asked for: it stays a .part, its checksum unknown */
		if (fsync(x->fd) < 0)
			return fail_dl(dl, -errno, x->part, strerror(errno));
		dl->partial = true;
		return 0;
	}
	sha256_final_hex(&x->hash, got);
	if (dl->sha256 && *dl->sha256 && strcmp(got, dl->sha256)) {
		/* a stale or foreign .part: once more from zero */
		if (ftruncate(x->fd, 0) == 0 && x->offset && !x->restarted && ++x->tries < TRIES) {
			x->offset = 0;
			sha256_init(&x->hash);
			return 1;
		}
		unlink(x->part);
		dl->err = -EBADMSG;
		snprintf(dl->msg, sizeof(dl->msg),
			 "%.400s: SHA-256 %.16s... differs from the repository's %.16s...", dl->url,
			 got, dl->sha256);
		return dl->err;
	}
	if (fsync(x->fd) < 0 || rename(x->part, dl->dest) < 0)
		return fail_dl(dl, -errno, dl->dest, strerror(errno));
	return 0;
}

struct multi {
	CURLM *m;
	struct xfer *x;
	size_t n, next, active, done;
	uint64_t rate;
	const struct kbtf_http_opts *o;
};

/* The @dl is there already with its checksum: nothing to download. */
static bool already_there(struct kbtf_dl *dl)
{
	char got[65];

	if (!dl->sha256 || !*dl->sha256 || !kbtf_is_file(dl->dest))
		return false;
	if (kbtf_sha256_file(dl->dest, got)) {
		kbtf_err_clear();
		return false;
	}
	return !strcmp(got, dl->sha256);
}

static void finished(struct multi *mu, struct xfer *x)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	x->dl->secs = kbtf_now_s() - x->t0;
	mu->done++;
	if (mu->o->done)
		mu->o->done(x->dl, mu->o->ctx);
}

/* Start the next file; false when none is left. */
static bool start_next(struct multi *mu)
{
	struct xfer *x;

	while (mu->next < mu->n) {
		x = &mu->x[mu->next++];
		x->t0 = kbtf_now_s();
		if (already_there(x->dl)) {
			x->dl->reused = true;
			finished(mu, x);
			continue;
		}
		if (xfer_open(x)) {
			finished(mu, x);
			continue;
		}
		if (wants_head(x->dl) && x->offset >= x->dl->limit) {
			x->dl->partial = true; /* the head is on disk already */
			finished(mu, x);
			continue;
		}
		x->easy = xfer_easy(x, mu->rate);
		if (!x->easy || curl_multi_add_handle(mu->m, x->easy) != CURLM_OK) {
			fail_dl(x->dl, -ENOMEM, x->dl->url, "cannot start the transfer");
			finished(mu, x);
			continue;
		}
		mu->active++;
		return true;
	}
	return false;
}

static void restart(struct multi *mu, struct xfer *x)
{
	curl_multi_remove_handle(mu->m, x->easy);
	curl_easy_cleanup(x->easy);
	x->checked_code = false;
	x->too_big = false;
	x->received = 0;
	x->errbuf[0] = '\0';
	x->easy = xfer_easy(x, mu->rate);
	if (!x->easy || curl_multi_add_handle(mu->m, x->easy) != CURLM_OK) {
		fail_dl(x->dl, -ENOMEM, x->dl->url, "cannot start the transfer");
		mu->active--;
		finished(mu, x);
	}
}

static void report(struct multi *mu)
{
	uint64_t done = 0, total = 0;
	size_t i;

	if (!mu->o->progress)
		return;
	for (i = 0; i < mu->n; i++) {
		total += mu->x[i].dl->size;
		done +=
		    mu->x[i].dl->reused ? mu->x[i].dl->size : mu->x[i].offset + mu->x[i].received;
	}
	mu->o->progress(done, total, mu->done, mu->n, mu->o->ctx);
}

int kbtf_http_get(struct kbtf_dl *dls, size_t n, const struct kbtf_http_opts *opts)
{
	static const struct kbtf_http_opts none;
	const struct kbtf_http_opts *o = opts ? opts : &none;
	unsigned int jobs = o->jobs ? o->jobs : 4;
	struct multi mu = {.n = n, .o = o};
	double last = 0;
	CURLMsg *msg;
	struct xfer *x;
	size_t i;
	int running, left, r, err = 0;

	if (!n)
		return 0;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return kbtf_err(-ENOMEM, "libcurl: %s", curl_easy_strerror(curl_init_rc));
	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
	mu.rate = o->max_rate ? o->max_rate / jobs : 0;
	if (o->max_rate && !mu.rate)
		mu.rate = 1;
	mu.x = calloc(n, sizeof(*mu.x));
	mu.m = curl_multi_init();
	if (!mu.x || !mu.m) {
		free(mu.x);
		if (mu.m)
			curl_multi_cleanup(mu.m);
		return kbtf_err_nomem();
	}
	for (i = 0; i < n; i++) {
		dls[i].err = 0;
		dls[i].msg[0] = '\0';
		dls[i].fetched = 0;
		dls[i].reused = false;
		dls[i].partial = false;
		dls[i].status = 0;
		mu.x[i].dl = &dls[i];
		mu.x[i].fd = -1;
	}
	while (mu.active < jobs && start_next(&mu))
		;
	while (mu.active) {
		curl_multi_perform(mu.m, &running);
		while ((msg = curl_multi_info_read(mu.m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			r = xfer_finish(x, msg->data.result);
			if (r == 1) {
				restart(&mu, x);
				continue;
			}
			curl_multi_remove_handle(mu.m, x->easy);
			curl_easy_cleanup(x->easy);
			x->easy = NULL;
			mu.active--;
			finished(&mu, x);
			while (mu.active < jobs && start_next(&mu))
				;
		}
		if (kbtf_now_s() - last > 0.2) {
			report(&mu);
			last = kbtf_now_s();
		}
		if (mu.active)
			curl_multi_poll(mu.m, NULL, 0, 200, NULL);
	}
	report(&mu);
	curl_multi_cleanup(mu.m);
	free(mu.x);
	for (i = 0; i < n; i++) {
		if (dls[i].err && !err)
			err = kbtf_err(dls[i].err, "%s", dls[i].msg);
	}
	return err;
}
