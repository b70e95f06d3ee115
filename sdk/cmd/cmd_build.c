// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf build: run kbuild for an out-of-tree module directory, then distill
 * every module it produced against the BTF of the kernel it built for.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_plugin.h"
#include "kbtf/err.h"
#include "build_kbuild.h"
#include "run.h"
#include "cmd.h"
#include "distill_ui.h"
#include "util.h"

static const char build_usage[] =
    "usage: kbtf build [-k RELEASE | --kdir DIR] [-C MODDIR] [--base SOURCE] [-j N]\n"
    "                  [--sign KEY CERT] [--force] [--no-layout]\n"
    "                  [--plain-split | --distilled] [--redistill] [-q]\n"
    "                  [-- MAKE ARGS...]\n"
    "       kbtf build --access-kcflags [-k RELEASE | --kdir DIR]\n"
    "\n"
    "Run 'make -C KDIR M=MODDIR modules', then give every module it built the BTF\n"
    "that kernel reads, as 'kbtf distill' does: for Linux 6.11 and later a\n"
    "distilled base (.BTF.base) and split .BTF; before 6.11, which ignores\n"
    ".BTF.base, a plain split .BTF on the kernel's full BTF. Each module's line\n"
    "says which and why. Where kbuild distilled a module natively (6.11+ headers\n"
    "with pahole >= 1.28, 7.x's resolve_btfids), that .BTF.base is kept and the\n"
    "line says so, unless --redistill is given.\n"
    "\n"
    "  -k, --release R     build for kernel release R (default: the running one);\n"
    "                      KDIR is then /lib/modules/R/build\n"
    "      --kdir DIR      kernel build directory (headers); release read from it\n"
    "  -C, --directory D   the module's source directory (default: .)\n"
    "  -b, --base SOURCE   BTF of the kernel (default: KDIR/vmlinux, the running\n"
    "                      kernel's, /boot/vmlinuz-R, /usr/lib/debug/..., a stored\n"
    "                      kernel profile R)\n"
    "  -j, --jobs N        passed to make\n"
    "      --sign KEY CERT re-sign the modules after distilling\n"
    "  -f, --force         distill although a module names another release\n"
    "      --no-layout     leave out the build-time layout record\n"
    "      --plain-split   plain split .BTF on the full base (no .BTF.base), whatever\n"
    "                      the release (valid on that kernel build only)\n"
    "      --distilled     .BTF.base + split .BTF, whatever the release\n"
    "      --redistill     replace a natively distilled .BTF.base by kbtf's minimal\n"
    "                      one, made on the build kernel's BTF\n"
    "  -q, --quiet         less output\n"
    "      --access-kcflags  build nothing: print the compiler flag that loads the\n"
    "                      access-record plugin for KDIR's compiler (building it\n"
    "                      once into the cache), for kbtf.mk and DKMS's MAKE line;\n"
    "                      nothing, and one warning, when there is none\n"
    "\n"
    "The modules are compiled with kbtf's GCC plugin, which records the kernel\n"
    "struct members their code touches (docs/access.md); KBTF_ACCESS=0 leaves it\n"
    "out. A kbtf_access plugin already in KCFLAGS (another kernel's) is replaced.\n";

static const struct option build_options[] = {
    {"release", required_argument, NULL, 'k'},
    {"kdir", required_argument, NULL, OPT_KDIR},
    {"directory", required_argument, NULL, 'C'},
    {"base", required_argument, NULL, 'b'},
    {"jobs", required_argument, NULL, 'j'},
    {"sign", required_argument, NULL, OPT_SIGN},
    {"sign-hash", required_argument, NULL, OPT_SIGN_HASH},
    {"force", no_argument, NULL, 'f'},
    {"no-layout", no_argument, NULL, OPT_NO_LAYOUT},
    {"plain-split", no_argument, NULL, OPT_PLAIN_SPLIT},
    {"distilled", no_argument, NULL, OPT_DISTILLED},
    {"redistill", no_argument, NULL, OPT_REDISTILL},
    {"quiet", no_argument, NULL, 'q'},
    {"access-kcflags", no_argument, NULL, OPT_MISSING_BASE + 100},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct build_args {
	char *release;
	char *kdir;
	char moddir[PATH_MAX];
	const char *base;
	int jobs;
	struct kbtf_distill_module_opts o;
	struct distill_ui ui;
	bool access_kcflags;
};

/* Settle RELEASE and KDIR from whichever was given. */
static int resolve_kernel(struct build_args *a)
{
	char *p;

	if (a->kdir) {
		if (!kbtf_is_dir(a->kdir)) {
			fprintf(stderr, "kbtf: %s: not a kernel build directory\n", a->kdir);
			return KBTF_EXIT_USAGE;
		}
		if (!a->release)
			a->release = kbtf_kdir_release(a->kdir);
		return KBTF_EXIT_OK;
	}
	if (!a->release)
		a->release = kbtf_running_release();
	if (!a->release) {
		fprintf(stderr, "kbtf: cannot tell the running kernel's release; give -k\n");
		return KBTF_EXIT_USAGE;
	}
	if (asprintf(&p, "/lib/modules/%s/build", a->release) >= 0 && kbtf_is_dir(p)) {
		a->kdir = p;
		return KBTF_EXIT_OK;
	}
	free(p);
	if (asprintf(&p, "/usr/src/linux-headers-%s", a->release) >= 0 && kbtf_is_dir(p)) {
		a->kdir = p;
		return KBTF_EXIT_OK;
	}
	free(p);
	fprintf(stderr,
		"kbtf: no build directory for kernel %s (tried /lib/modules/%s/build and "
		"/usr/src/linux-headers-%s); install linux-headers-%s or give --kdir\n",
		a->release, a->release, a->release, a->release);
	return KBTF_EXIT_USAGE;
}

/* 0 to go on, else the exit code; -1 after --help. */
static int parse_args(struct build_args *a, int argc, char **argv)
{
	/* -j is make's, not the common --jobs: any positive number, passed on */
	static const struct cmd_spec spec = {
	    .name = "build",
	    .usage = build_usage,
	    .options = build_options,
	    .optstring = "k:C:b:j:fqh",
	    .common = CMD_OPT_QUIET,
	};
	const char *moddir = ".";
	struct cmd_parser p;
	int c, r;

	cmd_parser_init(&p, &spec, argc, argv);
	while ((c = cmd_getopt(&p)) != -1) {
		r = distill_common_option(c, argc, argv, &a->o);
		if (r < 0)
			return KBTF_EXIT_USAGE;
		if (r)
			continue;
		switch (c) {
		case 'k':
			a->release = strdup(optarg);
			break;
		case OPT_KDIR:
			a->kdir = strdup(optarg);
			break;
		case 'C':
			moddir = optarg;
			break;
		case 'b':
			a->base = optarg;
			break;
		case OPT_MISSING_BASE + 100:
			a->access_kcflags = true;
			break;
		case 'j':
			a->jobs = atoi(optarg);
			if (a->jobs <= 0) {
				fprintf(stderr, "kbtf: -j needs a positive number\n");
				return KBTF_EXIT_USAGE;
			}
			break;
		}
	}
	if (p.stop)
		return p.exit == KBTF_EXIT_OK ? -1 : p.exit;
	a->ui.quiet = p.opts.quiet;
	if (!realpath(moddir, a->moddir)) {
		fprintf(stderr, "kbtf: %s: %s\n", moddir, strerror(errno));
		return KBTF_EXIT_USAGE;
	}
	return KBTF_EXIT_OK;
}

static int distill_all(struct build_args *a, double make_s)
{
	char **kos;
	size_t nr, i;
	int rc = KBTF_EXIT_OK, r;

	/* make succeeded but left no modules.order: the build step failed (3) */
	if (kbtf_modules_order(a->moddir, &kos, &nr)) {
		cmd_report_error(NULL);
		return KBTF_EXIT_TOOL;
	}
	if (!nr)
		fprintf(stderr, "kbtf: warning: the build produced no modules (empty "
				"modules.order)\n");
	for (i = 0; i < nr; i++) {
		r = distill_one(&a->ui, kos[i], &a->o);
		rc = cmd_worst(rc, r);
	}
	if (!a->ui.quiet && nr)
		printf("kbtf: %zu module%s: make %.2f s, distill %.1f ms (%.1f%% of the build)\n",
		       nr, nr == 1 ? "" : "s", make_s, a->ui.total_ms,
		       100.0 * a->ui.total_ms / 1e3 / (make_s + a->ui.total_ms / 1e3));
	kbtf_modules_free(kos, nr);
	return rc;
}

int cmd_build(int argc, char **argv)
{
	struct build_args a = {0};
	struct kbtf_kernel *k = NULL;
	double t0;
	int rc;

	rc = parse_args(&a, argc, argv);
	if (rc) {
		rc = rc < 0 ? KBTF_EXIT_OK : rc; /* -1: --help was shown */
		goto out;
	}
	rc = resolve_kernel(&a);
	if (rc)
		goto out;
	if (a.access_kcflags) {
		char so[PATH_MAX];

		/* a build goes on without the record: exit 0 either way */
		if (kbtf_access_plugin(a.kdir, so, sizeof(so)))
			fprintf(stderr, "kbtf: warning: no access record: %s\n", kbtf_errstr());
		else
			printf("-fplugin=%s\n", so);
		goto out;
	}
	if (!a.ui.quiet)
		printf("kbtf: building %s for %s (%s)\n", a.moddir, a.release ? a.release : "?",
		       a.kdir);
	/* find the base first: no point building for minutes to fail here */
	rc = distill_base_for(&a.ui, a.base, a.release, a.kdir, &k);
	if (rc)
		goto out;
	t0 = kbtf_now_s();
	rc = kbtf_kbuild_modules(a.kdir, a.moddir, a.jobs, (const char *const *)argv + optind,
				 (size_t)(argc - optind));
	/* whatever kept make from succeeding, the build step failed (3) */
	if (rc) {
		if (rc > 0)
			fprintf(stderr, "kbtf: make failed (exit %d); nothing distilled\n", rc);
		else
			cmd_report_error("make");
		rc = KBTF_EXIT_TOOL;
		goto out;
	}
	a.o.base = k;
	a.o.kdir = a.kdir;
	rc = distill_all(&a, kbtf_now_s() - t0);
out:
	kbtf_kernel_free(k);
	free(a.release);
	free(a.kdir);
	return rc;
}
