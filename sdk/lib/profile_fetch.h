/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fetching distribution kernels into the profile store: expand
 * "DISTRO[/RELEASE][/ARCH]:PATTERN" specs against the distribution's
 * repository metadata (repo_distro.c) into a plan (one item per kernel
 * release, with the packages that make its profile, their URLs, sizes and
 * SHA-256), then download (repo_http.c: parallel, resumable, checked) and
 * store them, worker threads unpacking what has arrived.
 *
 * Only what the profile needs is downloaded. Where the headers package
 * carries the BTF (a vmlinux with .BTF, as Debian's from 6.12 and Arch's
 * do), with .config and Module.symvers, it is all that is fetched; the
 * image package comes only where nothing smaller has the BTF: fetched
 * first when the distribution's rule says so (Debian before 6.12), or
 * second when the headers turn out to lack it.
 *
 * With opts->partial an image package that must come is downloaded only as
 * far as its boot image and config reach (they open its data archive):
 * 12 MiB first, twice as much each time the unpacking runs out, the whole
 * package at worst. Such a head cannot be checked against the package's
 * SHA-256, which covers the whole file.
 */
#ifndef KBTF_PROFILE_FETCH_H
#define KBTF_PROFILE_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

#define KBTF_FETCH_MAX_PKGS 4

enum kbtf_fetch_state {
	KBTF_FETCH_PENDING = 0,
	KBTF_FETCH_DOWNLOADING,
	KBTF_FETCH_EXTRACTING,
	KBTF_FETCH_STORED,
	KBTF_FETCH_PRESENT, /* stored already, left alone */
	KBTF_FETCH_FAILED,
	KBTF_FETCH_NEEDS_IMAGE, /* the headers carry no BTF: the image comes next */
};

/* Where a release's BTF is expected. */
enum kbtf_fetch_btf {
	KBTF_FETCH_BTF_IMAGE = 0, /* the boot image only: fetch image (+ headers) */
	KBTF_FETCH_BTF_HEADERS,	  /* the headers' vmlinux: fetch the headers only */
	KBTF_FETCH_BTF_TRY,	  /* not known: headers first, the image if they lack it */
};

struct kbtf_fetch_pkg {
	char name[160];
	char url[1024];
	char sha256[65];
	uint64_t size;
	bool second;	 /* only fetched when the first ones carry no BTF */
	bool downloaded; /* by this run (not reused from disk) */
	bool head;	 /* --partial: only its head is on disk (path is the .part) */
	uint64_t limit;	 /* --partial: bytes asked for so far */
	char *path;	 /* on disk, once there */
};

struct kbtf_fetch_item {
	char distro[24];
	char suite[32]; /* the distribution release: bookworm, noble, 41, 10, tumbleweed */
	char arch[16];	/* the distribution's name for it: amd64, x86_64, aarch64 */
	char release[256];
	char origin[320]; /* "debian/SUITE:linux-image-REL", the profile's origin */
	struct kbtf_fetch_pkg pkgs[KBTF_FETCH_MAX_PKGS];
	size_t nr_pkgs;
	enum kbtf_fetch_btf btf;
	bool second_stage; /* the second packages are wanted */

	/* progress and outcome */
	enum kbtf_fetch_state state;
	int err;			   /* negative errno when FAILED */
	char message[512];		   /* why it failed, or a note */
	double download_secs;		   /* wall time of the download */
	size_t downloaded;		   /* packages downloaded (the others were on disk) */
	double extract_secs;		   /* wall time of unpacking and storing */
	unsigned long long download_bytes; /* bytes downloaded by this run */
	struct kbtf_profile_info info;	   /* when STORED or PRESENT */
};

struct kbtf_fetch_plan {
	struct kbtf_fetch_item *items;
	size_t nr;
};

struct kbtf_fetch_opts {
	const char *deb_dir; /* packages go to <deb_dir>/<distro>/<suite>/; NULL: <cache>/debs */
	bool keep_debs;	     /* leave downloaded packages (reused next time) */
	bool force;	     /* fetch and replace profiles stored already */
	bool update;	     /* refresh the repository metadata even if fresh */
	bool keep_image;     /* store the boot image in the profile (the image is fetched) */
	bool compress;	     /* store the BTF as an LZ4 frame */
	bool delta;	     /* store the BTF as a delta when one is small */
	bool partial;	     /* Debian-style image packages: download their head only */
	unsigned int jobs;   /* downloads at once (0: 4) */
	uint64_t max_rate;   /* bytes per second over all downloads (0: no limit) */
	const char *arch;    /* default architecture (NULL: amd64) */
	const char *const *mirrors; /* --mirror URLs (NULL-terminated), before the config */
	const char *keyring;	    /* OpenPGP keyring for Debian-style Release files */
	/* Called (serialised) whenever an item changes state. */
	void (*progress)(const struct kbtf_fetch_item *it, size_t index, size_t total, void *ctx);
	/* Called about every 200 ms while downloading: bytes so far and expected. */
	void (*bytes)(uint64_t done, uint64_t total, size_t files_done, size_t files, void *ctx);
	void *ctx;
};

/*
 * Expand @specs ("DISTRO[/RELEASE][/ARCH]:PATTERN" or "@listfile" of such
 * lines) into @plan, refreshing each repository's metadata when stale. A
 * spec no package matches fails the plan with -ENOENT naming it. An item
 * whose profile is stored already is marked PRESENT (unless opts->force).
 */
int kbtf_fetch_plan(struct kbtf_store *s, const char *const *specs, size_t n,
		    const struct kbtf_fetch_opts *opts, struct kbtf_fetch_plan *plan);

/*
 * Bytes the plan would download for @it: @least when every first guess
 * holds (with @partial, an image's first head), @most when every headers
 * package turns out to lack the BTF (and, @partial, heads run to the end).
 */
void kbtf_fetch_item_estimate(const struct kbtf_fetch_item *it, bool partial, uint64_t *least,
			      uint64_t *most);

/* The first head --partial asks of an image package. */
#define KBTF_FETCH_HEAD (12ULL << 20)

/* Would --partial take only the head of @p (of an item of @distro)? */
bool kbtf_fetch_head_only(const char *distro, const struct kbtf_fetch_pkg *p);

/*
 * Download and store every PENDING item. Items fail one by one (state
 * FAILED, err, message) without stopping the others; returns 0 when all
 * succeeded, else the error of the first failure.
 */
int kbtf_fetch_run(struct kbtf_store *s, struct kbtf_fetch_plan *plan,
		   const struct kbtf_fetch_opts *opts);

void kbtf_fetch_plan_free(struct kbtf_fetch_plan *plan);

const char *kbtf_fetch_state_str(enum kbtf_fetch_state st);

#endif
