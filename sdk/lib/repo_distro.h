/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The distributions kbtf fetches kernels from: for each, where its
 * repositories live (default mirrors and the paths below them), which
 * metadata format they publish, which packages make a kernel and how a
 * package version becomes the kernel release (uname -r). One table
 * (repo_distro.c); the formats are read by repo_deb.c, repo_rpm.c and
 * repo_arch.c, downloads go through repo_http.c.
 */
#ifndef KBTF_REPO_DISTRO_H
#define KBTF_REPO_DISTRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "repo.h"

struct kbtf_distro;

/* A parsed "DISTRO[/RELEASE][/ARCH]:PATTERN". */
struct kbtf_distro_spec {
	const struct kbtf_distro *d;
	char release[32]; /* the default filled in */
	char arch[16];	  /* in the distribution's spelling (amd64 / x86_64) */
	char glob[256];	  /* matched against kernel releases; package prefix dropped */
};

/*
 * Parse @spec; @default_arch (NULL: amd64) when the spec names none.
 * -EINVAL with one line naming the part that is wrong (an unknown
 * distribution lists the known ones; an unknown Debian suite suggests the
 * nearest).
 */
int kbtf_distro_spec_parse(const char *spec, const char *default_arch,
			   struct kbtf_distro_spec *out);

const char *kbtf_distro_name(const struct kbtf_distro *d);
/* "deb", "rpm" or "pacman": the package format of the distribution. */
const char *kbtf_distro_format(const struct kbtf_distro *d);

/* Where the repositories are, and how they are checked. */
struct kbtf_distro_ctx {
	const char *const *mirrors; /* --mirror URLs, NULL-terminated; NULL: none */
	const char *keyring;	    /* OpenPGP keyring for Release files; NULL: the distro's */
	const char *cache_dir;	    /* NULL: kbtf_cache_dir() */
	bool update;		    /* refresh metadata even when less than a day old */
	unsigned int jobs;
};

/*
 * The URLs of the top-level metadata (InRelease, repomd.xml, REPO.db,
 * mirror.list) of every repository @spec reads, in order; nothing is
 * downloaded. What the mirror settings resolve to, for tests and --dry-run.
 */
int kbtf_distro_metadata_urls(const struct kbtf_distro_spec *spec,
			      const struct kbtf_distro_ctx *ctx, char urls[][1024], size_t max,
			      size_t *n);

/* One kernel release a repository offers, and the packages of its profile. */
struct kbtf_distro_kernel {
	char release[256];
	char origin_pkg[160];		       /* the package named in the profile's origin */
	const struct kbtf_repo_pkg *first[3];  /* always fetched */
	const struct kbtf_repo_pkg *second[3]; /* only when the first carry no BTF */
	size_t nr_first, nr_second;
	int btf; /* enum kbtf_fetch_btf */
};

struct kbtf_distro_kernels {
	struct kbtf_repo repo; /* owns the package records */
	struct kbtf_distro_kernel *k;
	size_t nr;
};

/*
 * Read (refreshing when stale) the metadata of every repository of
 * @spec's distribution, release and architecture, and list the kernels
 * whose release matches @spec->glob, oldest first. @keep_image: the image
 * is always among the first packages (it is to be kept).
 */
int kbtf_distro_kernels(const struct kbtf_distro_spec *spec, const struct kbtf_distro_ctx *ctx,
			bool keep_image, struct kbtf_distro_kernels *out);
void kbtf_distro_kernels_free(struct kbtf_distro_kernels *k);

#endif
