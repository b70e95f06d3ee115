/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fetching Debian kernels into the profile store: expand
 * "debian[/SUITE]:PATTERN" specs against the suite's package lists into a
 * plan (one item per kernel release, with the packages that make its
 * profile), then download and store them. Downloads run on the calling
 * thread while worker threads unpack and store what has arrived.
 *
 * Per release, the packages are: the boot image (linux-image-<rel>, or
 * linux-binary-<rel> where linux-image-<rel> is an empty metapackage, as
 * in sid 7.x, with linux-base-<rel> for the config), and linux-headers-<rel>
 * when the suite has it (for Module.symvers).
 */
#ifndef KBTF_PROFILE_FETCH_H
#define KBTF_PROFILE_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

#define KBTF_FETCH_MAX_PKGS 3

enum kbtf_fetch_state {
	KBTF_FETCH_PENDING = 0,
	KBTF_FETCH_DOWNLOADING,
	KBTF_FETCH_EXTRACTING,
	KBTF_FETCH_STORED,
	KBTF_FETCH_PRESENT, /* stored already, left alone */
	KBTF_FETCH_FAILED,
};

struct kbtf_fetch_item {
	char suite[32];
	char release[256];
	char origin[320]; /* "debian/SUITE:linux-image-REL", the profile's origin */
	char pkgs[KBTF_FETCH_MAX_PKGS][300];
	size_t nr_pkgs;
	bool has_headers;

	/* progress and outcome */
	enum kbtf_fetch_state state;
	int err;	      /* negative errno when FAILED */
	char message[512];    /* why it failed, or a note */
	double download_secs; /* wall time of the download */
	size_t downloaded;    /* packages downloaded (the others were on disk) */
	double extract_secs;  /* wall time of unpacking and storing */
	unsigned long long download_bytes;
	struct kbtf_profile_info info; /* when STORED or PRESENT */
};

struct kbtf_fetch_plan {
	struct kbtf_fetch_item *items;
	size_t nr;
};

struct kbtf_fetch_opts {
	const char *deb_dir; /* .debs go to <deb_dir>/<suite>/; NULL: <cache>/debs */
	bool keep_debs;	     /* leave downloaded .debs (reused next time) */
	bool force;	     /* fetch and replace profiles stored already */
	bool update;	     /* refresh the package lists even if fresh */
	bool keep_image;     /* store the boot image in the profile */
	bool compress;	     /* store the BTF as an LZ4 frame */
	unsigned int jobs;   /* unpacking threads (0: one per CPU, at most 4) */
	/* Called (serialised) whenever an item changes state. */
	void (*progress)(const struct kbtf_fetch_item *it, size_t index, size_t total, void *ctx);
	void *ctx;
};

/*
 * Expand @specs ("debian[/SUITE]:PATTERN" or "@listfile" of such lines)
 * into @plan, refreshing each suite's package lists when stale. A spec no
 * package matches fails the plan with -ENOENT naming it. An item whose
 * profile is stored already is marked PRESENT (unless opts->force).
 */
int kbtf_fetch_plan(struct kbtf_store *s, const char *const *specs, size_t n,
		    const struct kbtf_fetch_opts *opts, struct kbtf_fetch_plan *plan);

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
