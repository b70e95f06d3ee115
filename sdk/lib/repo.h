/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Package repositories as the distributions publish them: the metadata
 * formats (repo_deb.c: Debian-style Release and Packages; repo_rpm.c:
 * repomd.xml and primary.xml; repo_arch.c: pacman's repo database) read
 * into one list of package records, and the HTTP side (repo_http.c):
 * parallel, resumable downloads within a bandwidth budget, each checked
 * against the SHA-256 its metadata names.
 */
#ifndef KBTF_REPO_H
#define KBTF_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One package a repository offers. */
struct kbtf_repo_pkg {
	char *name;	 /* "linux-headers-6.12.113+deb12-amd64", "kernel-core" */
	char *version;	 /* as the metadata spells it: "6.12.113-1~deb12u1", "6.11.8-300.fc41" */
	char *arch;	 /* "amd64", "x86_64", "noarch" */
	char *url;	 /* absolute: the repository's base URL + its location */
	char sha256[65]; /* lower-case hex; "" when the metadata names none */
	uint64_t size;	 /* bytes, from the metadata */
};

struct kbtf_repo {
	struct kbtf_repo_pkg *pkgs;
	size_t nr, cap;
};

/* Which packages a reader keeps (the others are skipped while streaming). */
typedef bool (*kbtf_repo_keep_fn)(const char *name, void *ctx);

void kbtf_repo_free(struct kbtf_repo *r);

/* Append a record (the strings are copied); the URL is @base_url/@location. */
int kbtf_repo_push(struct kbtf_repo *r, const char *name, const char *version, const char *arch,
		   const char *base_url, const char *location, const char *sha256, uint64_t size);

/*
 * Decompress @path (gzip, xz, zstd, bzip2 or none, told by content) and
 * hand it to @cb block by block; @cb's nonzero return stops the read.
 */
int kbtf_repo_stream(const char *path, int (*cb)(const char *data, size_t len, void *ctx),
		     void *ctx);

/* ------------------------------------------------ Debian-style (repo_deb.c) */

/*
 * Read a Packages file (plain, .gz, .xz, .zst: told by content) into @r,
 * keeping the stanzas @keep accepts; each URL is @base_url + "/" + Filename.
 * A kept stanza without Filename, Size or SHA256 fails with -EBADMSG
 * naming the file and the package.
 */
int kbtf_repo_deb_packages(const char *path, const char *base_url, kbtf_repo_keep_fn keep,
			   void *ctx, struct kbtf_repo *r);

/*
 * The SHA-256 and size a Release (or verified InRelease text) gives for
 * @member ("main/binary-amd64/Packages.xz"). -ENOENT when it is not listed.
 */
int kbtf_repo_deb_release_entry(const char *release, const char *member, char sha256[65],
				uint64_t *size);

/* ----------------------------------------------- repomd (repo_rpm.c) */

/*
 * From repomd.xml, the primary metadata's location (relative to the
 * repository base) and its SHA-256 and size. -EBADMSG when the file is
 * not repomd XML or names no primary with a sha256 checksum.
 */
int kbtf_repo_rpm_repomd(const char *path, char *href, size_t hlen, char sha256[65],
			 uint64_t *size);

/* Read primary.xml (.gz, .xz, .zst or plain) into @r, streaming. */
int kbtf_repo_rpm_primary(const char *path, const char *base_url, kbtf_repo_keep_fn keep, void *ctx,
			  struct kbtf_repo *r);

/* -------------------------------------------- pacman (repo_arch.c) */

/* Read a repository database (REPO.db: a tar of NAME-VER/desc files). */
int kbtf_repo_arch_db(const char *path, const char *base_url, kbtf_repo_keep_fn keep, void *ctx,
		      struct kbtf_repo *r);

/* --------------------------------------------------- HTTP (repo_http.c) */

/* One file to download. */
struct kbtf_dl {
	const char *url;
	const char *dest;   /* the final path; "<dest>.part" while it arrives */
	const char *sha256; /* expected, hex; NULL or "": not checked */
	uint64_t size;	    /* expected size, 0: unknown (for progress only) */
	uint64_t limit;	    /* >0: only the first @limit bytes are wanted (see below) */
	void *ctx;	    /* the caller's */

	/* out */
	int err; /* 0, or a negative errno (kbtf_errstr() style text in msg) */
	char msg[512];
	uint64_t fetched; /* bytes received by this call (resumed bytes not counted) */
	bool reused;	  /* dest was there already with the right checksum */
	bool partial;	  /* only the head arrived: it is "<dest>.part", unchecked */
	long status;	  /* the last HTTP status (0: none, or not HTTP) */
	double secs;
};

struct kbtf_http_opts {
	unsigned int jobs; /* transfers at once (0: 4) */
	uint64_t max_rate; /* bytes per second over all transfers (0: no limit) */
	/* Called from the downloading thread about every 200 ms and at the end. */
	void (*progress)(uint64_t done, uint64_t total, size_t files_done, size_t files, void *ctx);
	/* Called once per finished file, in completion order. */
	void (*done)(struct kbtf_dl *dl, void *ctx);
	void *ctx;
};

/*
 * Download the @n files, up to opts->jobs at once. Each goes to
 * "<dest>.part" first; a .part left by an interrupted run is resumed with
 * a Range request (restarted from zero when the server ignores the range
 * or the result fails its checksum). The whole file's SHA-256 is checked
 * before the rename to @dest; a dest already there with the right checksum
 * is not downloaded again. With dl->limit below the file's size only that
 * head is fetched (a Range request) and left as "<dest>.part", unchecked
 * (dl->partial); a later call with a larger limit, or none, continues it.
 * Files fail one by one (dl->err); returns the first failure's error, 0
 * when all succeeded.
 */
int kbtf_http_get(struct kbtf_dl *dls, size_t n, const struct kbtf_http_opts *opts);

/* SHA-256 of a file, lower-case hex. */
int kbtf_sha256_file(const char *path, char out[65]);

/* SHA-256 of memory, lower-case hex. */
void kbtf_sha256_hex(const void *data, size_t len, char out[65]);

#endif
