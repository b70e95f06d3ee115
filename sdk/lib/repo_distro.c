// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The distributions "kbtf kernels fetch" knows: their repository layout
 * below a mirror, metadata format, kernel package names and how a package
 * version becomes the kernel release. Layouts and names follow what each
 * distribution publishes (docs/kernels.md, "Where each distribution's
 * kernels are", cites the sources):
 *
 *   debian         dists/SUITE{,-updates} + debian-security dists/SUITE-security,
 *                  main/binary-ARCH/Packages.xz; linux-image-REL or
 *                  linux-binary-REL + linux-base-REL (sid 7.x), linux-headers-REL
 *   ubuntu         dists/SUITE{,-updates,-security} (ports.ubuntu.com for arm64);
 *                  linux-image-unsigned-REL, linux-headers-REL
 *   fedora         releases/REL/Everything/ARCH/os, updates/REL/Everything/ARCH;
 *                  kernel-core
 *   centos-stream  REL-stream/BaseOS/ARCH/os; kernel-core
 *   rocky, alma    REL/BaseOS/ARCH/os; kernel-core
 *   rhel           repositories given by URL; kernel-core
 *   opensuse       tumbleweed/repo/oss, or distribution/leap/REL/repo/oss +
 *                  update/leap/REL/oss; kernel-default
 *   arch           core/os/ARCH, extra/os/ARCH (REPO.db); linux*, linux*-headers
 *   amazon         al2023 mirror.list -> the repository; kernel, kernel6.*
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kbtf/buf.h"
#include "kbtf/err.h"
#include "hash.h"
#include "profile.h"
#include "profile_apt.h"
#include "profile_fetch.h"
#include "repo_distro.h"
#include "run.h"
#include "util.h"

/*
 * snprintf into a fixed buffer that refuses what does not fit: a URL or
 * path cut short would fetch or write the wrong thing. 0, or -ENAMETOOLONG
 * with the start of the text in the message.
 */
static int __attribute__((format(printf, 3, 4)))
fmt_fit(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return kbtf_err(-ENAMETOOLONG, "longer than %zu bytes: %.60s...", len, buf);
	return 0;
}

#define META_MAX_AGE (24 * 60 * 60)
#define MAX_REPOS 6
#define URL_LEN 1024

enum family { FAM_DEB, FAM_RPM, FAM_PACMAN };

struct kbtf_distro {
	const char *name;
	enum family fam;
	const char *default_release; /* NULL: the spec must name one */
	const char *mirror;	     /* default root for amd64/x86_64 */
	const char *mirror_ports;    /* default root for other architectures */
	const char *security;	     /* deb: the -security pocket's root */
	const char *security_ports;
	const char *keyring;   /* the archive keyring: deb InRelease, pacman REPO.db.sig */
	bool mirror_is_repo;   /* --mirror URLs are repositories, not roots */
	const char *paths[3];  /* rpm/pacman: below the root; {r} release, {a} arch */
	const char *images[7]; /* rpm/pacman: image package names */
};

/* clang-format off */
static const struct kbtf_distro distros[] = {
	{ .name = "debian", .fam = FAM_DEB, .default_release = "bookworm",
	  .mirror = "http://deb.debian.org/debian",
	  .security = "http://deb.debian.org/debian-security",
	  .keyring = "/usr/share/keyrings/debian-archive-keyring.gpg" },
	{ .name = "ubuntu", .fam = FAM_DEB, .default_release = "noble",
	  .mirror = "http://archive.ubuntu.com/ubuntu",
	  .mirror_ports = "http://ports.ubuntu.com/ubuntu-ports",
	  .security = "http://security.ubuntu.com/ubuntu",
	  .security_ports = "http://ports.ubuntu.com/ubuntu-ports",
	  .keyring = "/usr/share/keyrings/ubuntu-archive-keyring.gpg" },
	{ .name = "fedora", .fam = FAM_RPM, .default_release = NULL,
	  .mirror = "https://dl.fedoraproject.org/pub/fedora/linux",
	  .mirror_ports = "https://dl.fedoraproject.org/pub/fedora/linux",
	  .paths = { "releases/{r}/Everything/{a}/os", "updates/{r}/Everything/{a}" },
	  .images = { "kernel-core" } },
	{ .name = "centos-stream", .fam = FAM_RPM, .default_release = "10",
	  .mirror = "https://mirror.stream.centos.org",
	  .paths = { "{r}-stream/BaseOS/{a}/os" },
	  .images = { "kernel-core" } },
	{ .name = "rocky", .fam = FAM_RPM, .default_release = "10",
	  .mirror = "https://dl.rockylinux.org/pub/rocky",
	  .paths = { "{r}/BaseOS/{a}/os" },
	  .images = { "kernel-core" } },
	{ .name = "alma", .fam = FAM_RPM, .default_release = "10",
	  .mirror = "https://repo.almalinux.org/almalinux",
	  .paths = { "{r}/BaseOS/{a}/os" },
	  .images = { "kernel-core" } },
	{ .name = "rhel", .fam = FAM_RPM, .default_release = "10",
	  .mirror_is_repo = true,
	  .images = { "kernel-core" } },
	{ .name = "opensuse", .fam = FAM_RPM, .default_release = "tumbleweed",
	  .mirror = "https://download.opensuse.org",
	  .images = { "kernel-default" } },
	{ .name = "arch", .fam = FAM_PACMAN, .default_release = "rolling",
	  .mirror = "https://geo.mirror.pkgbuild.com",
	  .mirror_ports = "http://mirror.archlinuxarm.org",
	  .keyring = "/usr/share/keyrings/archlinux.gpg",
	  .paths = { "core/os/{a}", "extra/os/{a}" },
	  .images = { "linux", "linux-lts", "linux-zen", "linux-hardened", "linux-rt",
		      "linux-rt-lts" } },
	{ .name = "amazon", .fam = FAM_RPM, .default_release = "2023",
	  .mirror = "https://cdn.amazonlinux.com/al2023/core/mirrors/latest",
	  .mirror_is_repo = true,
	  .images = { "kernel" } },
};
/* clang-format on */

#define NR_DISTROS (sizeof(distros) / sizeof(distros[0]))

const char *kbtf_distro_name(const struct kbtf_distro *d)
{
	return d->name;
}

const char *kbtf_distro_format(const struct kbtf_distro *d)
{
	return d->fam == FAM_DEB ? "deb" : d->fam == FAM_RPM ? "rpm" : "pacman";
}

/*
 * snprintf into a fixed buffer, the result cut at @len: URLs and releases
 * are bounded by the buffers the metadata readers keep, so a cut one never
 * matches a real package and is reported as such.
 */
static void __attribute__((format(printf, 3, 4))) put(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ spec parse */

static const char *arch_spelling(const struct kbtf_distro *d, const char *arch)
{
	static const char *const pairs[][2] = {{"amd64", "x86_64"}, {"arm64", "aarch64"}};
	size_t i;

	for (i = 0; i < 2; i++) {
		if (!strcmp(arch, pairs[i][0]) || !strcmp(arch, pairs[i][1]))
			return pairs[i][d->fam == FAM_DEB ? 0 : 1];
	}
	return NULL;
}

static bool good_token(const char *s)
{
	if (!*s || *s == '.' || *s == '-')
		return false;
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && !strchr(".-_~+", *s))
			return false;
	}
	return true;
}

int kbtf_distro_spec_parse(const char *spec, const char *default_arch, struct kbtf_distro_spec *out)
{
	static const char *const prefixes[] = {
	    "linux-image-unsigned-", "linux-image-", "linux-binary-", "linux-headers-",
	    "kernel-default-",	     "kernel-core-", "kernel-",	      "linux-",
	};
	const char *colon = strchr(spec, ':'), *pat, *arch;
	char head[128], *parts[3] = {NULL}, *save = NULL, *t, list[256];
	size_t i, n = 0, ll = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (!colon || (size_t)(colon - spec) >= sizeof(head))
		return kbtf_err(-EINVAL, "'%s': expected DISTRO[/RELEASE][/ARCH]:PATTERN", spec);
	snprintf(head, sizeof(head), "%.*s", (int)(colon - spec), spec);
	for (t = strtok_r(head, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (n == 3)
			return kbtf_err(-EINVAL, "'%s': expected DISTRO[/RELEASE][/ARCH]:PATTERN",
					spec);
		parts[n++] = t;
	}
	if (!n)
		return kbtf_err(-EINVAL, "'%s': no distribution before ':'", spec);
	for (i = 0; i < NR_DISTROS; i++) {
		if (!strcmp(parts[0], distros[i].name))
			out->d = &distros[i];
		ll += (size_t)snprintf(list + ll, sizeof(list) - ll, "%s%s", i ? ", " : "",
				       distros[i].name);
	}
	if (!out->d)
		return kbtf_err(-EINVAL, "'%s': unknown distribution '%s' (known: %s)", spec,
				parts[0], list);
	if (n > 1 && !good_token(parts[1]))
		return kbtf_err(-EINVAL, "'%s': bad release '%s'", spec, parts[1]);
	if (n > 1)
		snprintf(out->release, sizeof(out->release), "%s", parts[1]);
	else if (out->d->default_release)
		snprintf(out->release, sizeof(out->release), "%s", out->d->default_release);
	else
		return kbtf_err(-EINVAL, "'%s': %s needs a release (%s/RELEASE:PATTERN)", spec,
				out->d->name, out->d->name);
	if (out->d->fam == FAM_DEB && !strcmp(out->d->name, "debian")) {
		err = kbtf_apt_suite_check(out->release);
		if (err)
			return kbtf_err_prefix(err, "'%s'", spec);
	}
	arch = n > 2 ? parts[2] : default_arch ? default_arch : "amd64";
	if (!arch_spelling(out->d, arch))
		return kbtf_err(-EINVAL,
				"'%s': unknown architecture '%s' (amd64/x86_64, arm64/aarch64)",
				spec, arch);
	snprintf(out->arch, sizeof(out->arch), "%s", arch_spelling(out->d, arch));
	pat = colon + 1;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (!strncmp(pat, prefixes[i], strlen(prefixes[i]))) {
			pat += strlen(prefixes[i]);
			break;
		}
	}
	if (!*pat)
		return kbtf_err(-EINVAL, "'%s': empty pattern", spec);
	if (snprintf(out->glob, sizeof(out->glob), "%s", pat) >= (int)sizeof(out->glob))
		return kbtf_err(-EINVAL, "'%s': pattern too long", spec);
	return 0;
}

/* -------------------------------------------------------------- mirrors */

/* Strip blanks at both ends, in place. */
static char *strip(char *s)
{
	size_t l;

	while (isspace((unsigned char)*s))
		s++;
	l = strlen(s);
	while (l && isspace((unsigned char)s[l - 1]))
		s[--l] = '\0';
	return s;
}

/*
 * The URLs a mirrors.conf gives @key ("KEY URL [URL...]" lines, '#'
 * comments); 0 and nothing touched when it names none.
 */
static size_t conf_lookup(const char *file, const char *key, char urls[][URL_LEN], size_t max)
{
	char line[4096], *p, *k, *save = NULL, *u;
	size_t n = 0;
	FILE *f = fopen(file, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		p = strip(line);
		k = strtok_r(p, " \t", &save);
		if (!k || strcmp(k, key))
			continue;
		n = 0; /* a later line for the same key wins */
		while (n < max && (u = strtok_r(NULL, " \t", &save)))
			snprintf(urls[n++], URL_LEN, "%s", u);
	}
	fclose(f);
	return n;
}

/* The mirrors.conf files, lowest precedence first. */
static size_t conf_files(char files[2][PATH_MAX])
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	size_t n = 0;

	snprintf(files[n++], PATH_MAX, "/etc/kbtf/mirrors.conf");
	if (xdg && *xdg)
		snprintf(files[n++], PATH_MAX, "%s/kbtf/mirrors.conf", xdg);
	else if (home && *home)
		snprintf(files[n++], PATH_MAX, "%s/.config/kbtf/mirrors.conf", home);
	return n;
}

/*
 * The roots (or, for mirror_is_repo distributions, the repositories) for
 * @suffix ("" or "-security"): --mirror, then $KBTF_DEBIAN_MIRROR /
 * $KBTF_DEBIAN_SECURITY_MIRROR for debian, then the config files' most
 * specific key (NAME/RELEASE/ARCH, NAME/RELEASE, NAME), then the default.
 */
static size_t mirrors(const struct kbtf_distro_spec *sp, const struct kbtf_distro_ctx *ctx,
		      const char *suffix, char urls[][URL_LEN], size_t max)
{
	const struct kbtf_distro *d = sp->d;
	bool ports = strcmp(sp->arch, "amd64") && strcmp(sp->arch, "x86_64");
	char files[2][PATH_MAX], key[3][128], main_root[URL_LEN];
	const char *env = NULL, *def;
	size_t n = 0, i, f, nf;
	int k;

	if (!*suffix && ctx->mirrors && ctx->mirrors[0]) {
		for (; n < max && ctx->mirrors[n]; n++)
			snprintf(urls[n], URL_LEN, "%s", ctx->mirrors[n]);
		return n;
	}
	if (!strcmp(d->name, "debian"))
		env = getenv(*suffix ? "KBTF_DEBIAN_SECURITY_MIRROR" : "KBTF_DEBIAN_MIRROR");
	if (env && *env) {
		snprintf(urls[0], URL_LEN, "%s", env);
		return 1;
	}
	snprintf(key[0], sizeof(key[0]), "%s%s/%s/%s", d->name, suffix, sp->release, sp->arch);
	snprintf(key[1], sizeof(key[1]), "%s%s/%s", d->name, suffix, sp->release);
	snprintf(key[2], sizeof(key[2]), "%s%s", d->name, suffix);
	nf = conf_files(files);
	for (k = 0; k < 3 && !n; k++) {
		for (f = nf; f-- > 0 && !n;)
			n = conf_lookup(files[f], key[k], urls, max);
	}
	if (n)
		return n;
	if (*suffix) {
		/* a main mirror given but no security one: its sibling, as apt users write */
		if (mirrors(sp, ctx, "", urls, 1) == 1) {
			snprintf(main_root, sizeof(main_root), "%s", urls[0]);
			i = strlen(main_root);
			while (i && main_root[i - 1] == '/')
				main_root[--i] = '\0';
			def = ports ? d->security_ports : d->security;
			if (def && (!d->mirror ||
				    strcmp(main_root, ports && d->mirror_ports ? d->mirror_ports
									       : d->mirror))) {
				if (!strcmp(d->name, "debian") && i >= 6 &&
				    !strcmp(main_root + i - 6, "debian"))
					/* no mirror rather than a cut one */
					return fmt_fit(urls[0], URL_LEN, "%s-security", main_root)
						   ? 0
						   : 1;
				else if (!strcmp(d->name, "debian"))
					snprintf(urls[0], URL_LEN, "%s", def);
				else
					snprintf(urls[0], URL_LEN, "%s", main_root);
				return 1;
			}
		}
		def = ports && d->security_ports ? d->security_ports : d->security;
	} else {
		def = ports && d->mirror_ports ? d->mirror_ports : d->mirror;
	}
	if (!def)
		return 0;
	snprintf(urls[0], URL_LEN, "%s", def);
	return 1;
}

/* ------------------------------------------------------------- metadata */

/* Replace {r} and {a} in @tmpl. */
static void expand(const char *tmpl, const struct kbtf_distro_spec *sp, char *out, size_t len)
{
	size_t o = 0;

	for (; *tmpl && o + 1 < len; tmpl++) {
		if (!strncmp(tmpl, "{r}", 3) || !strncmp(tmpl, "{a}", 3)) {
			o += (size_t)snprintf(out + o, len - o, "%s",
					      tmpl[1] == 'r' ? sp->release : sp->arch);
			tmpl += 2;
			if (o >= len)
				o = len - 1;
		} else {
			out[o++] = *tmpl;
		}
	}
	out[o] = '\0';
}

static void join(char *out, size_t len, const char *base, const char *rel)
{
	size_t bl = strlen(base);

	while (bl && base[bl - 1] == '/')
		bl--;
	put(out, len, "%.*s/%s", (int)bl, base, rel);
}

/* One repository to read. */
struct repo_src {
	char base[URL_LEN]; /* package URLs are relative to it */
	char suite[64];	    /* deb: dists/<suite> */
	char db[32];	    /* pacman: <db>.db */
	char dir[PATH_MAX]; /* its metadata cache */
	char top[PATH_MAX]; /* InRelease, repomd.xml, <db>.db: fetched when stale */
	char top_url[URL_LEN];
	char second[PATH_MAX]; /* Packages.xz, primary.xml.*: by checksum */
	char second_url[URL_LEN];
	char second_sha[65];
	uint64_t second_size;
	bool mirrorlist; /* amazon: top is a mirror.list naming the repository */
};

static int repo_dir(const struct kbtf_distro_spec *sp, const struct kbtf_distro_ctx *ctx,
		    struct repo_src *r)
{
	char cache[PATH_MAX / 2], id[512];
	int err;

	if (ctx->cache_dir)
		snprintf(cache, sizeof(cache), "%s", ctx->cache_dir);
	else if ((err = kbtf_cache_dir(cache, sizeof(cache))))
		return err;
	/* the id only keys the hash: a long one cut short still tells repositories apart */
	if (snprintf(id, sizeof(id), "%s|%s|%s|%s", r->base, r->suite, r->db, sp->arch) < 0)
		return kbtf_err(-EINVAL, "%s: bad repository name", r->base);
	err = fmt_fit(r->dir, sizeof(r->dir), "%s/repos/%s/%s-%s-%016llx", cache, sp->d->name,
		      sp->release, sp->arch, (unsigned long long)kbtf_hash_bytes(id, strlen(id)));
	if (err)
		return err;
	return kbtf_mkdir_p(r->dir, 0755);
}

/* The repositories of @sp, with their top-level metadata URLs. */
static int repo_list(const struct kbtf_distro_spec *sp, const struct kbtf_distro_ctx *ctx,
		     struct repo_src *rs, size_t *nr)
{
	const struct kbtf_distro *d = sp->d;
	char roots[MAX_REPOS][URL_LEN], sec[1][URL_LEN], path[512];
	const char *paths[3] = {NULL};
	size_t nroots, n = 0, i, j;
	bool rolling = !strcmp(sp->release, "sid") || !strcmp(sp->release, "unstable") ||
		       !strcmp(sp->release, "experimental");
	int err;

	nroots = mirrors(sp, ctx, "", roots, MAX_REPOS);
	if (!nroots)
		return kbtf_err(-EINVAL,
				"%s: no repository URL: give --mirror URL (the directory holding "
				"repodata/) or a '%s URL' line in mirrors.conf",
				d->name, d->name);
	memset(rs, 0, MAX_REPOS * sizeof(*rs));
	if (d->fam == FAM_DEB) {
		static const char *const pockets[] = {"", "-updates", "-security"};

		if (!mirrors(sp, ctx, "-security", sec, 1))
			snprintf(sec[0], URL_LEN, "%s", roots[0]);
		for (i = 0; i < (rolling ? 1 : 3); i++, n++) {
			snprintf(rs[n].base, URL_LEN, "%s", i == 2 ? sec[0] : roots[0]);
			snprintf(rs[n].suite, sizeof(rs[n].suite), "%s%s", sp->release, pockets[i]);
			snprintf(path, sizeof(path), "dists/%s/InRelease", rs[n].suite);
			join(rs[n].top_url, URL_LEN, rs[n].base, path);
		}
	} else if (d->mirror_is_repo && ctx->mirrors && ctx->mirrors[0]) {
		for (i = 0; i < nroots && n < MAX_REPOS; i++, n++)
			snprintf(rs[n].base, URL_LEN, "%s", roots[i]);
	} else if (!strcmp(d->name, "amazon") || (d->mirror_is_repo && !d->mirror)) {
		if (!d->mirror) {
			for (i = 0; i < nroots && n < MAX_REPOS; i++, n++)
				snprintf(rs[n].base, URL_LEN, "%s", roots[i]);
		} else {
			snprintf(rs[0].base, URL_LEN, "%s", roots[0]);
			snprintf(path, sizeof(path), "%s/mirror.list", sp->arch);
			join(rs[0].top_url, URL_LEN, roots[0], path);
			rs[0].mirrorlist = true;
			n = 1;
		}
	} else {
		if (!strcmp(d->name, "opensuse")) {
			bool tw = !strcmp(sp->release, "tumbleweed");

			paths[0] = tw ? "tumbleweed/repo/oss" : "distribution/leap/{r}/repo/oss";
			paths[1] = tw ? NULL : "update/leap/{r}/oss";
		} else if (d->fam == FAM_PACMAN && strcmp(sp->arch, "x86_64")) {
			paths[0] = "{a}/core"; /* Arch Linux ARM's layout */
			paths[1] = "{a}/extra";
		} else {
			memcpy(paths, d->paths, sizeof(paths));
		}
		for (i = 0; i < 3 && paths[i] && n < MAX_REPOS; i++, n++) {
			char rel[512];

			expand(paths[i], sp, rel, sizeof(rel));
			if (!strcmp(d->name, "opensuse") && strcmp(sp->arch, "x86_64")) {
				char ported[600];

				snprintf(ported, sizeof(ported), "ports/%s/%s", sp->arch, rel);
				join(rs[n].base, URL_LEN, roots[0], ported);
			} else {
				join(rs[n].base, URL_LEN, roots[0], rel);
			}
			if (d->fam == FAM_PACMAN) {
				/* the repository's name: core/os/x86_64 -> core, aarch64/core ->
				 * core */
				const char *slash = strchr(rel, '/');

				if (!strncmp(rel, sp->arch, strlen(sp->arch)))
					snprintf(rs[n].db, sizeof(rs[n].db), "%s", slash + 1);
				else
					snprintf(rs[n].db, sizeof(rs[n].db), "%.*s",
						 (int)(slash - rel), rel);
			}
		}
	}
	for (j = 0; j < n; j++) {
		if (!rs[j].top_url[0]) {
			if (d->fam == FAM_PACMAN) {
				snprintf(path, sizeof(path), "%s.db", rs[j].db);
				join(rs[j].top_url, URL_LEN, rs[j].base, path);
			} else {
				join(rs[j].top_url, URL_LEN, rs[j].base, "repodata/repomd.xml");
			}
		}
		err = repo_dir(sp, ctx, &rs[j]);
		if (err)
			return err;
		err = fmt_fit(rs[j].top, sizeof(rs[j].top), "%s/%s", rs[j].dir,
			      d->fam == FAM_DEB	     ? "InRelease"
			      : rs[j].mirrorlist     ? "mirror.list"
			      : d->fam == FAM_PACMAN ? "repo.db"
						     : "repomd.xml");
		if (err)
			return err;
	}
	*nr = n;
	return 0;
}

/* The file at @path as a NUL-terminated string (free() it). */
static int slurp(const char *path, char **out)
{
	struct kbtf_buf b = {0};
	int err = kbtf_buf_from_file(path, &b);

	if (err)
		return err;
	*out = malloc(b.size + 1);
	if (!*out) {
		kbtf_buf_release(&b);
		return kbtf_err_nomem();
	}
	memcpy(*out, b.data, b.size);
	(*out)[b.size] = '\0';
	kbtf_buf_release(&b);
	return 0;
}

int kbtf_distro_metadata_urls(const struct kbtf_distro_spec *sp, const struct kbtf_distro_ctx *ctx,
			      char urls[][1024], size_t max, size_t *n)
{
	struct repo_src rs[MAX_REPOS];
	size_t i, nr = 0;
	int err = repo_list(sp, ctx, rs, &nr);

	if (err)
		return err;
	for (i = 0; i < nr && i < max; i++)
		snprintf(urls[i], 1024, "%s", rs[i].top_url);
	*n = i;
	return 0;
}

static bool fresh(const char *path, bool update)
{
	struct stat st;

	return !update && stat(path, &st) == 0 && time(NULL) - st.st_mtime < META_MAX_AGE;
}

/* Download the @n urls (no checksum known) into their paths. */
static int get_unchecked(struct kbtf_dl *dls, size_t n, unsigned int jobs)
{
	struct kbtf_http_opts ho = {.jobs = jobs};
	char part[PATH_MAX + 8];
	size_t i;

	for (i = 0; i < n; i++) {
		/* nothing says what the file should be: never resume into an old one */
		snprintf(part, sizeof(part), "%s.part", dls[i].dest);
		unlink(part);
	}
	return kbtf_http_get(dls, n, &ho);
}

/* Check a Debian-style InRelease with gpgv; the verified text to @out. */
static int verify_release(const struct kbtf_distro_spec *sp, const struct kbtf_distro_ctx *ctx,
			  struct repo_src *r, char **out)
{
	const char *keyring = ctx->keyring ? ctx->keyring : sp->d->keyring;
	char verified[PATH_MAX + 16];
	const char *argv[] = {"gpgv",	  "--quiet", "--keyring", keyring,
			      "--output", verified,  r->top,	  NULL};
	struct kbtf_buf cap = {0};
	int rc;

	if (!kbtf_is_file(keyring))
		return kbtf_err(-ENOENT,
				"%s: no keyring to check %s's Release file with (install the "
				"distribution's archive keyring, or give --keyring FILE)",
				keyring, sp->d->name);
	snprintf(verified, sizeof(verified), "%s.verified", r->top);
	unlink(verified);
	rc = kbtf_run(argv, &(struct kbtf_run_opts){.capture = &cap});
	if (rc > 0)
		rc = kbtf_err(-EBADMSG, "%s: the signature does not verify against %s: %s",
			      r->top_url, keyring, kbtf_run_tail(&cap, 2));
	kbtf_buf_release(&cap);
	if (rc)
		return rc;
	return slurp(verified, out);
}

/*
 * A pacman database's detached signature (REPO.db.sig), when the mirror
 * serves one: checked with gpgv, as pacman's default SigLevel
 * (DatabaseOptional) checks it. Arch Linux ARM's (arm64) are checked
 * against --keyring only: Debian packages no keyring for it.
 */
static int verify_db(const struct kbtf_distro_spec *sp, const struct kbtf_distro_ctx *ctx,
		     const struct repo_src *r)
{
	const char *keyring = ctx->keyring		   ? ctx->keyring
			      : strcmp(sp->arch, "x86_64") ? NULL
							   : sp->d->keyring;
	char sig[PATH_MAX + 8];
	const char *argv[] = {"gpgv", "--quiet", "--keyring", keyring, sig, r->top, NULL};
	struct kbtf_buf cap = {0};
	int rc;

	snprintf(sig, sizeof(sig), "%s.sig", r->top);
	if (!kbtf_is_file(sig) || !keyring)
		return 0;
	if (!kbtf_is_file(keyring))
		return kbtf_err(-ENOENT,
				"%s: no keyring to check %s's database signature with (install "
				"archlinux-keyring, or give --keyring FILE)",
				keyring, sp->d->name);
	rc = kbtf_run(argv, &(struct kbtf_run_opts){.capture = &cap});
	if (rc > 0)
		rc = kbtf_err(-EBADMSG, "%s: the signature does not verify against %s: %s",
			      r->top_url, keyring, kbtf_run_tail(&cap, 2));
	kbtf_buf_release(&cap);
	return rc;
}

/* From the top-level file of @r, the second-level file to fetch. */
static int second_level(const struct kbtf_distro_spec *sp, const struct kbtf_distro_ctx *ctx,
			struct repo_src *r)
{
	char member[128], href[1024], *rel = NULL;
	const char *base;
	int err;

	if (sp->d->fam == FAM_DEB) {
		err = verify_release(sp, ctx, r, &rel);
		if (err)
			return err;
		snprintf(member, sizeof(member), "main/binary-%s/Packages.xz", sp->arch);
		err = kbtf_repo_deb_release_entry(rel, member, r->second_sha, &r->second_size);
		free(rel);
		if (err)
			return kbtf_err_prefix(err, "%s", r->top_url);
		snprintf(href, sizeof(href), "dists/%s/%s", r->suite, member);
		join(r->second_url, URL_LEN, r->base, href);
		return fmt_fit(r->second, sizeof(r->second), "%s/Packages.xz", r->dir);
	}
	if (sp->d->fam == FAM_RPM) {
		err = kbtf_repo_rpm_repomd(r->top, href, sizeof(href), r->second_sha,
					   &r->second_size);
		if (err)
			return err;
		join(r->second_url, URL_LEN, r->base, href);
		base = strrchr(href, '/');
		return fmt_fit(r->second, sizeof(r->second), "%s/%s", r->dir,
			       base ? base + 1 : href);
	}
	return verify_db(sp, ctx, r); /* pacman: the database is all */
}

/* amazon: the repository a mirror.list names (its first http(s) line). */
static int read_mirrorlist(struct repo_src *r)
{
	char *text, *line, *save = NULL;
	int err = slurp(r->top, &text);

	if (err)
		return err;
	err = kbtf_err(-EBADMSG, "%s: names no repository", r->top_url);
	for (line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		line = strip(line);
		if (!strncmp(line, "http://", 7) || !strncmp(line, "https://", 8)) {
			snprintf(r->base, URL_LEN, "%s", line);
			join(r->top_url, URL_LEN, r->base, "repodata/repomd.xml");
			if (fmt_fit(r->top, sizeof(r->top), "%s/repomd.xml", r->dir))
				break; /* that message is the answer */
			r->mirrorlist = false;
			err = 0;
			kbtf_err_clear();
			break;
		}
	}
	free(text);
	return err;
}

static bool keep_kernel_pkg(const char *name, void *ctx)
{
	const struct kbtf_distro *d = ctx;
	size_t i, l;

	if (d->fam == FAM_DEB)
		return !strncmp(name, "linux-image-", 12) || !strncmp(name, "linux-headers-", 14) ||
		       !strncmp(name, "linux-binary-", 13) || !strncmp(name, "linux-base-", 11);
	for (i = 0; i < sizeof(d->images) / sizeof(d->images[0]) && d->images[i]; i++) {
		l = strlen(d->images[i]);
		if (!strcmp(name, d->images[i]))
			return true;
		if (d->fam == FAM_PACMAN && !strncmp(name, d->images[i], l) &&
		    !strcmp(name + l, "-headers"))
			return true;
	}
	/* Amazon Linux 2023 names newer series kernel6.12 and so on */
	return !strcmp(d->name, "amazon") && !strncmp(name, "kernel6.", 8) && !strchr(name, '-');
}

static int read_metadata(const struct kbtf_distro_spec *sp, const struct kbtf_distro_ctx *ctx,
			 struct kbtf_repo *out)
{
	struct repo_src rs[MAX_REPOS];
	struct kbtf_dl dls[2 * MAX_REPOS];
	char sig_url[MAX_REPOS][URL_LEN], sig_path[MAX_REPOS][PATH_MAX + 8];
	size_t n = 0, i, nd;
	int err;

	err = repo_list(sp, ctx, rs, &n);
	if (err)
		return err;
	for (int round = 0; round < 2; round++) {
		/* round 0: mirror.list (amazon); round 1: the top-level files */
		memset(dls, 0, sizeof(dls));
		for (i = nd = 0; i < n; i++) {
			if ((round == 0) != rs[i].mirrorlist || fresh(rs[i].top, ctx->update))
				continue;
			dls[nd].url = rs[i].top_url;
			dls[nd++].dest = rs[i].top;
			if (sp->d->fam != FAM_PACMAN)
				continue;
			/* and its signature, when there is one */
			if ((err = fmt_fit(sig_url[i], URL_LEN, "%s.sig", rs[i].top_url)) ||
			    (err = fmt_fit(sig_path[i], sizeof(sig_path[i]), "%s.sig", rs[i].top)))
				return err;
			unlink(sig_path[i]);
			dls[nd].url = sig_url[i];
			dls[nd++].dest = sig_path[i];
		}
		err = get_unchecked(dls, nd, ctx->jobs);
		for (i = 0; err && i < nd; i++) {
			/* a database the mirror serves unsigned: as pacman, take it */
			if (dls[i].err && (dls[i].status != 404 || !strstr(dls[i].dest, ".sig")))
				return kbtf_err(dls[i].err, "%s", dls[i].msg);
		}
		err = 0;
		for (i = 0; round == 0 && i < n; i++) {
			if (rs[i].mirrorlist && (err = read_mirrorlist(&rs[i])))
				return err;
		}
	}
	memset(dls, 0, sizeof(dls));
	for (i = nd = 0; i < n; i++) {
		err = second_level(sp, ctx, &rs[i]);
		if (err)
			return err;
		if (!rs[i].second[0])
			continue;
		dls[nd].url = rs[i].second_url;
		dls[nd].dest = rs[i].second;
		dls[nd].sha256 = rs[i].second_sha;
		dls[nd++].size = rs[i].second_size;
	}
	err = kbtf_http_get(dls, nd, &(struct kbtf_http_opts){.jobs = ctx->jobs});
	for (i = 0; !err && i < n; i++) {
		if (sp->d->fam == FAM_DEB)
			err = kbtf_repo_deb_packages(rs[i].second, rs[i].base, keep_kernel_pkg,
						     (void *)sp->d, out);
		else if (sp->d->fam == FAM_RPM)
			err = kbtf_repo_rpm_primary(rs[i].second, rs[i].base, keep_kernel_pkg,
						    (void *)sp->d, out);
		else
			err = kbtf_repo_arch_db(rs[i].top, rs[i].base, keep_kernel_pkg,
						(void *)sp->d, out);
	}
	return err;
}

/* -------------------------------------------------------- kernel lists */

static int cmp_pkg_name(const void *a, const void *b)
{
	const struct kbtf_repo_pkg *x = *(const struct kbtf_repo_pkg *const *)a;
	const struct kbtf_repo_pkg *y = *(const struct kbtf_repo_pkg *const *)b;
	int c = strcmp(x->name, y->name);

	/* the newest version of a name first (pockets repeat packages) */
	return c ? c : -strverscmp(x->version, y->version);
}

struct index {
	const struct kbtf_repo_pkg **v;
	size_t n;
};

static const struct kbtf_repo_pkg *find(const struct index *ix, const char *name)
{
	size_t lo = 0, hi = ix->n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(ix->v[mid]->name, name);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && !strcmp(ix->v[lo]->name, name) ? ix->v[lo] : NULL;
}

/* A full x.y.z release at @r: not a metapackage (linux-image-amd64, -6.12-amd64). */
static bool full_release(const char *r)
{
	int dots = 0;
	const char *p;

	for (p = r; isdigit((unsigned char)*p) || *p == '.'; p++)
		dots += *p == '.';
	return isdigit((unsigned char)*r) && dots >= 2;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t l = strlen(s), t = strlen(tail);

	return l >= t && !strcmp(s + l - t, tail);
}

/* The kernel release of an image package name, or NULL. */
static const char *deb_release(const struct kbtf_distro *d, const char *name)
{
	const char *r;

	if (!strcmp(d->name, "ubuntu") && !strncmp(name, "linux-image-unsigned-", 21))
		r = name + 21;
	else if (!strncmp(name, "linux-image-", 12))
		r = name + 12;
	else if (!strncmp(name, "linux-binary-", 13))
		r = name + 13;
	else
		return NULL;
	if (ends_with(r, "-dbg") || ends_with(r, "-unsigned") || ends_with(r, "-dbgsym"))
		return NULL;
	return full_release(r) ? r : NULL;
}

/* "6.12.x" or newer, from a release string. */
static bool at_least(const char *rel, int maj, int min)
{
	int a = 0, b = 0;

	if (sscanf(rel, "%d.%d", &a, &b) != 2)
		return false;
	return a > maj || (a == maj && b >= min);
}

/* The release (uname -r) an rpm or pacman image package builds. */
static void pkg_release(const struct kbtf_distro *d, const struct kbtf_repo_pkg *p, char *out,
			size_t len)
{
	char v[256], *dot;

	snprintf(v, sizeof(v), "%s", p->version);
	if (!strcmp(d->name, "opensuse")) {
		/* kernel-default 6.11.8-1.1 runs as 6.11.8-1-default: the last
		 * release component is the build counter */
		dot = strrchr(v, '.');
		if (dot && strchr(v, '-') && dot > strchr(v, '-'))
			*dot = '\0';
		put(out, len, "%s-default", v);
	} else if (d->fam == FAM_PACMAN) {
		/* pkgver 6.12.1.arch1, pkgrel 1: uname 6.12.1-arch1-1; flavours append -NAME */
		char *p2;

		for (p2 = v; *p2 && *p2 != '-'; p2++) {
			if (*p2 == '.' && isalpha((unsigned char)p2[1])) {
				*p2 = '-';
				break;
			}
		}
		if (strcmp(p->name, "linux"))
			put(out, len, "%s-%s", v, p->name + 6);
		else
			snprintf(out, len, "%s", v);
	} else {
		put(out, len, "%s.%s", v, p->arch);
	}
}

static int push_kernel(struct kbtf_distro_kernels *out, const struct kbtf_distro_kernel *k)
{
	struct kbtf_distro_kernel *nk;
	size_t i;

	for (i = 0; i < out->nr; i++) {
		if (!strcmp(out->k[i].release, k->release))
			return 0;
	}
	nk = realloc(out->k, (out->nr + 1) * sizeof(*nk));
	if (!nk)
		return kbtf_err_nomem();
	out->k = nk;
	out->k[out->nr++] = *k;
	return 0;
}

static void add_first(struct kbtf_distro_kernel *k, const struct kbtf_repo_pkg *p)
{
	if (p && k->nr_first < 3)
		k->first[k->nr_first++] = p;
}

static void add_second(struct kbtf_distro_kernel *k, const struct kbtf_repo_pkg *p)
{
	if (p && k->nr_second < 3)
		k->second[k->nr_second++] = p;
}

/* Headers first (or only), the image second; or all first. */
static void arrange(struct kbtf_distro_kernel *k, const struct kbtf_repo_pkg *image,
		    const struct kbtf_repo_pkg *image2, const struct kbtf_repo_pkg *headers,
		    int btf)
{
	k->btf = headers ? btf : KBTF_FETCH_BTF_IMAGE;
	if (k->btf == KBTF_FETCH_BTF_IMAGE) {
		add_first(k, image);
		add_first(k, image2);
		add_first(k, headers);
	} else {
		add_first(k, headers);
		add_second(k, image);
		add_second(k, image2);
	}
}

static int list_kernels(const struct kbtf_distro_spec *sp, bool keep_image, struct index *ix,
			struct kbtf_distro_kernels *out)
{
	const struct kbtf_distro *d = sp->d;
	const struct kbtf_repo_pkg *p, *image, *image2, *headers;
	struct kbtf_distro_kernel k;
	char name[300];
	const char *rel;
	size_t i;
	int btf, err = 0;

	for (i = 0; !err && i < ix->n; i++) {
		p = ix->v[i];
		/* Debian-style names carry the release: an older version is the same
		 * kernel rebuilt (another pocket). rpm and pacman names do not: each
		 * version is a kernel, a repeat only when another repository has it too */
		if (i && !strcmp(ix->v[i - 1]->name, p->name) &&
		    (d->fam == FAM_DEB || (!strcmp(ix->v[i - 1]->version, p->version) &&
					   !strcmp(ix->v[i - 1]->arch, p->arch))))
			continue;
		memset(&k, 0, sizeof(k));
		image2 = headers = NULL;
		if (d->fam == FAM_DEB) {
			rel = deb_release(d, p->name);
			if (!rel || fnmatch(sp->glob, rel, 0))
				continue;
			snprintf(k.release, sizeof(k.release), "%s", rel);
			image = p;
			if (!strcmp(d->name, "ubuntu")) {
				snprintf(name, sizeof(name), "linux-image-unsigned-%s", rel);
				if (find(ix, name) && strcmp(p->name, name))
					continue; /* the unsigned image is the one taken */
			} else if (!strncmp(p->name, "linux-image-", 12)) {
				/* sid 7.x: linux-image-REL is an empty metapackage */
				snprintf(name, sizeof(name), "linux-binary-%s", rel);
				if (find(ix, name))
					continue;
			} else {
				snprintf(name, sizeof(name), "linux-base-%s", rel);
				image2 = find(ix, name);
			}
			snprintf(name, sizeof(name), "linux-headers-%s", rel);
			headers = find(ix, name);
			if (!strcmp(d->name, "debian"))
				/* Debian's headers carry vmlinux (BTF) from 6.12 on; 6.1's do not
				 */
				btf = at_least(rel, 6, 12) ? KBTF_FETCH_BTF_HEADERS
							   : KBTF_FETCH_BTF_IMAGE;
			else
				btf = KBTF_FETCH_BTF_TRY;
			snprintf(k.origin_pkg, sizeof(k.origin_pkg), "linux-image-%s", rel);
		} else {
			if (!keep_kernel_pkg(p->name, (void *)d) ||
			    ends_with(p->name, "-headers") ||
			    (strcmp(p->arch, sp->arch) && d->fam != FAM_PACMAN))
				continue;
			if (d->fam == FAM_PACMAN && strcmp(p->arch, sp->arch) &&
			    strcmp(p->arch, "any"))
				continue;
			pkg_release(d, p, k.release, sizeof(k.release));
			if (fnmatch(sp->glob, k.release, 0))
				continue;
			image = p;
			btf = KBTF_FETCH_BTF_IMAGE;
			if (d->fam == FAM_PACMAN) {
				/* linux-headers carries the whole vmlinux, BTF included */
				snprintf(name, sizeof(name), "%s-headers", p->name);
				headers = find(ix, name);
				if (headers && strcmp(headers->version, p->version))
					headers = NULL;
				btf = KBTF_FETCH_BTF_HEADERS;
			}
			snprintf(k.origin_pkg, sizeof(k.origin_pkg), "%s-%s", p->name, p->version);
		}
		if (keep_image)
			btf = KBTF_FETCH_BTF_IMAGE;
		arrange(&k, image, image2, headers, btf);
		err = push_kernel(out, &k);
	}
	return err;
}

static int cmp_kernel(const void *a, const void *b)
{
	return strverscmp(((const struct kbtf_distro_kernel *)a)->release,
			  ((const struct kbtf_distro_kernel *)b)->release);
}

int kbtf_distro_kernels(const struct kbtf_distro_spec *sp, const struct kbtf_distro_ctx *ctx,
			bool keep_image, struct kbtf_distro_kernels *out)
{
	struct index ix = {0};
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	err = read_metadata(sp, ctx, &out->repo);
	if (!err) {
		ix.v = calloc(out->repo.nr + 1, sizeof(*ix.v));
		if (!ix.v)
			err = kbtf_err_nomem();
	}
	if (!err) {
		for (i = 0; i < out->repo.nr; i++)
			ix.v[ix.n++] = &out->repo.pkgs[i];
		qsort(ix.v, ix.n, sizeof(*ix.v), cmp_pkg_name);
		err = list_kernels(sp, keep_image, &ix, out);
	}
	free(ix.v);
	if (!err && out->nr)
		qsort(out->k, out->nr, sizeof(*out->k), cmp_kernel);
	if (err)
		kbtf_distro_kernels_free(out);
	return err;
}

void kbtf_distro_kernels_free(struct kbtf_distro_kernels *k)
{
	kbtf_repo_free(&k->repo);
	free(k->k);
	memset(k, 0, sizeof(*k));
}
