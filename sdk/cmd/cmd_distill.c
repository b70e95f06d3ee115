// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf distill: give existing .ko files a distilled base (.BTF.base) and a
 * split .BTF on top of it. Also the per-module runner `kbtf build` and the
 * kbtf.mk hook share (distill_one, distill_base_for).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "distill_cache.h"
#include "distill_origin.h"
#include "kbtf/distill.h"
#include "kbtf/err.h"
#include "build_kbuild.h"
#include "run.h"
#include "cmd.h"
#include "distill_ui.h"
#include "util.h"

static const char distill_usage[] =
    "usage: kbtf distill MOD.ko... [--base SOURCE] [-o OUT] [--sign KEY CERT]\n"
    "                    [--kdir DIR] [--force] [--no-layout]\n"
    "                    [--plain-split | --distilled] [--redistill]\n"
    "                    [--missing-base warn|fail] [-q]\n"
    "\n"
    "Give each module the BTF the kernel it was built for reads (its release, from\n"
    "the module's vermagic), in place unless -o is given: from Linux 6.11 on, a\n"
    "distilled base (.BTF.base) and a split .BTF on it, which the kernel relocates\n"
    "onto its own BTF; before 6.11, which ignores .BTF.base, a plain split .BTF on\n"
    "that kernel's full BTF. Each module's line says which and why. Modules\n"
    "without .BTF are encoded from DWARF with pahole first. Compressed modules\n"
    "stay compressed; signed ones need --sign to be signed again.\n"
    "\n"
    "  -b, --base SOURCE   the kernel the modules were built against: vmlinux,\n"
    "                      vmlinuz, raw BTF, linux-image .deb, ... (default:\n"
    "                      looked up from the module's release, see kbtf-distill(1))\n"
    "  -o, --output OUT    write here instead (one module only)\n"
    "      --sign KEY CERT re-sign with the kernel's scripts/sign-file\n"
    "      --sign-hash H   hash for sign-file (default CONFIG_MODULE_SIG_HASH or sha256)\n"
    "      --kdir DIR      kernel build directory (base lookup and sign-file)\n"
    "  -f, --force         distill although the module names another release\n"
    "      --no-layout     leave out the build-time layout record (.kbtf.layout)\n"
    "      --plain-split   plain split .BTF on the full base (no .BTF.base), whatever\n"
    "                      the release (valid on that kernel build only)\n"
    "      --distilled     .BTF.base + split .BTF, whatever the release\n"
    "      --redistill     a module whose .BTF.base kbuild distilled natively (6.11+\n"
    "                      pahole, 7.x resolve_btfids) gets kbtf's minimal base on\n"
    "                      the build kernel's BTF (default: kept, nothing done)\n"
    "      --missing-base warn|fail\n"
    "                      no base found by looking it up: warn and keep the module\n"
    "                      as built (warn; kbtf.mk's choice), or exit 2 (fail, default)\n"
    "  -q, --quiet         print warnings and errors only\n";

static void on_warn(void *ctx, const char *msg)
{
	struct distill_ui *ui = ctx;

	fprintf(stderr, "kbtf: warning: %s: %s\n", ui->current, msg);
}

static void on_note(void *ctx, const char *msg)
{
	struct distill_ui *ui = ctx;

	if (!ui->quiet)
		printf("  %s: %s\n", ui->current, msg);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int distill_one(struct distill_ui *ui, const char *path, struct kbtf_distill_module_opts *o)
{
	struct kbtf_distill_module_report rep;
	double t0 = kbtf_now_ms(), ms;
	int err;

	/* stopped meanwhile: no temporary file or directory stays behind */
	kbtf_cleanup_on_signals();
	ui->current = path;
	o->warn = on_warn;
	o->note = on_note;
	o->log_ctx = ui;
	err = kbtf_distill_module(path, o, &rep);
	ms = kbtf_now_ms() - t0;
	ui->total_ms += ms;
	if (err)
		return cmd_error(path, err);
	if (ui->quiet)
		return KBTF_EXIT_OK;
	if (!rep.already)
		printf("kbtf: %s: %s\n", base_name(path), rep.form_why);
	if (rep.already && rep.plain) {
		printf("  %s: has plain split .BTF already (%u types); nothing to do\n", path,
		       rep.split_types);
		return KBTF_EXIT_OK;
	}
	if (rep.already && kbtf_base_origin_native(rep.origin)) {
		printf("  %s: .BTF.base distilled %s (%u types, .BTF %u types): kept "
		       "(--redistill for kbtf's minimal base)\n",
		       path, kbtf_base_origin_str(rep.origin), rep.base_types, rep.split_types);
		return KBTF_EXIT_OK;
	}
	if (rep.already) {
		printf("  %s: already distilled (.BTF.base %u types, .BTF %u types); nothing to "
		       "do\n",
		       path, rep.base_types, rep.split_types);
		return KBTF_EXIT_OK;
	}
	if (rep.plain)
		printf("  PLAIN %s: .BTF %u types (%zu B) split on the full base, no .BTF.base",
		       path, rep.split_types, rep.split_bytes);
	else
		printf("  DISTILL %s: .BTF.base %u types (%zu B), .BTF %u types (%zu B)", path,
		       rep.base_types, rep.base_bytes, rep.split_types, rep.split_bytes);
	if (rep.redistilled)
		printf(", redistilled (native .BTF.base had %u types; %u copied kernel types "
		       "folded back)",
		       rep.native_base_types, rep.folded);
	if (rep.layout_bytes)
		printf(", layout %zu B", rep.layout_bytes);
	if (rep.access_bytes)
		printf(", access %zu B (%zu records)", rep.access_bytes, rep.access_records);
	if (rep.ids_slots)
		printf(", .BTF_ids %zu slots", rep.ids_slots);
	printf("%s%s%s, %.1f ms\n", rep.encoded ? ", encoded from DWARF" : "",
	       rep.resigned ? ", re-signed" : "",
	       rep.compression ? (rep.compression == KBTF_COMP_XZ     ? ", xz"
				  : rep.compression == KBTF_COMP_ZSTD ? ", zstd"
								      : ", compressed")
			       : "",
	       ms);
	return KBTF_EXIT_OK;
}

/*
 * No BTF for the kernel anywhere kbtf looks (--missing-base=warn): what
 * plain kbuild does then is build the module without BTF ("Skipping BTF
 * generation"), so say how to give one and carry on.
 */
static void warn_no_base(const struct distill_ui *ui, const char *release)
{
	const char *rel = release ? release : "RELEASE";
	const char *what = ui->current ? ui->current : "modules";

	fprintf(stderr,
		"kbtf: warning: %s\n"
		"kbtf: warning: %s: kept without BTF, as kbuild leaves it on headers without a "
		"vmlinux. Give the BTF of %s (its vmlinuz, vmlinux, raw BTF or linux-image "
		".deb) with make KBTF_FLAGS='--base FILE' (kbtf.mk) or --base FILE, or store it "
		"once for every build: kbtf kernels fetch debian:linux-image-%s (a Debian "
		"kernel), kbtf kernels add FILE (any other)\n",
		kbtf_errstr(), what, rel, rel);
}

/* Open the base for @release/@kdir, saying which source was used. */
int distill_base_for(struct distill_ui *ui, const char *base, const char *release, const char *kdir,
		     struct kbtf_kernel **k)
{
	char *how = NULL;
	int err;

	if (base) {
		err = kbtf_base_open(base, k, NULL);
		if (err)
			return cmd_error(base, err);
		if (!ui->quiet)
			printf("kbtf: base: --base %s (%s%s%s)\n", base,
			       (*k)->format_detail ? (*k)->format_detail : "kernel",
			       (*k)->release ? ", release " : "",
			       (*k)->release ? (*k)->release : "");
		return KBTF_EXIT_OK;
	}
	err = kbtf_find_base(release, kdir, k, &how);
	if (err == -ENOENT && ui->warn_missing_base) {
		warn_no_base(ui, release);
		return KBTF_EXIT_OK;
	}
	if (err)
		return cmd_error(NULL, err);
	if (!ui->quiet)
		printf("kbtf: base: %s\n", how ? how : "found");
	free(how);
	return KBTF_EXIT_OK;
}

/* The release a module was built for, from its vermagic. */
static char *release_of(const char *path)
{
	struct kbtf_module *m;
	char *rel = NULL;

	if (kbtf_module_open(path, &m))
		return NULL;
	if (m->vermagic)
		rel = strndup(m->vermagic, strcspn(m->vermagic, " "));
	kbtf_module_free(m);
	return rel;
}

static int default_kdir(const char *release, char **kdir)
{
	if (*kdir || !release)
		return 0;
	return asprintf(kdir, "/lib/modules/%s/build", release) < 0 ? -ENOMEM : 0;
}

struct distill_args {
	const char *base;
	const char *kdir;
	struct kbtf_distill_module_opts o;
	struct distill_ui ui;
};

/* Without --base: one base per release, looked up once. */
static int distill_lookup(struct distill_args *a, char **mods, int n)
{
	struct kbtf_kernel *k = NULL;
	char *last = NULL;
	int i, rc = KBTF_EXIT_OK, r;

	for (i = 0; i < n; i++) {
		char *rel = release_of(mods[i]), *kdir = a->kdir ? strdup(a->kdir) : NULL;

		if (!rel && !a->kdir) {
			fprintf(stderr,
				"kbtf: %s: cannot tell which kernel it was built for (no "
				"vermagic); give --base or --kdir\n",
				mods[i]);
			rc = cmd_worst(rc, KBTF_EXIT_USAGE);
			free(rel);
			continue;
		}
		if (!rel)
			rel = kbtf_kdir_release(a->kdir);
		if (!k || !last || !rel || strcmp(last, rel)) {
			kbtf_kernel_free(k);
			k = NULL;
			default_kdir(rel, &kdir);
			a->ui.current = mods[i];
			r = distill_base_for(&a->ui, NULL, rel, kdir, &k);
			free(last);
			last = rel ? strdup(rel) : NULL;
			if (r) {
				free(rel);
				free(kdir);
				rc = cmd_worst(rc, r);
				continue;
			}
		}
		if (!k) {
			/* --missing-base=warn and none found: left as built */
			free(rel);
			free(kdir);
			continue;
		}
		a->o.base = k;
		a->o.kdir = kdir;
		r = distill_one(&a->ui, mods[i], &a->o);
		rc = cmd_worst(rc, r);
		free(rel);
		free(kdir);
	}
	kbtf_kernel_free(k);
	free(last);
	return rc;
}

static const struct option distill_options[] = {
    {"base", required_argument, NULL, 'b'},
    {"output", required_argument, NULL, 'o'},
    {"sign", required_argument, NULL, OPT_SIGN},
    {"sign-hash", required_argument, NULL, OPT_SIGN_HASH},
    {"kdir", required_argument, NULL, OPT_KDIR},
    {"force", no_argument, NULL, 'f'},
    {"no-layout", no_argument, NULL, OPT_NO_LAYOUT},
    {"plain-split", no_argument, NULL, OPT_PLAIN_SPLIT},
    {"distilled", no_argument, NULL, OPT_DISTILLED},
    {"redistill", no_argument, NULL, OPT_REDISTILL},
    {"missing-base", required_argument, NULL, OPT_MISSING_BASE},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* --plain-split or --distilled, once: the two contradict each other. */
static int set_form(struct kbtf_distill_module_opts *o, enum kbtf_btf_form form)
{
	if (o->form != KBTF_FORM_AUTO && o->form != form) {
		fprintf(stderr, "kbtf: --plain-split and --distilled contradict each other; "
				"give one (neither: picked by the kernel release)\n");
		return -1;
	}
	o->form = form;
	return 1;
}

/* Options both distill and build take; 1 if @c was one of them, -1 on a usage error. */
int distill_common_option(int c, int argc, char **argv, struct kbtf_distill_module_opts *o)
{
	switch (c) {
	case OPT_SIGN:
		/* --sign KEY CERT: the certificate is the next word */
		if (optind >= argc) {
			fprintf(stderr, "kbtf: --sign needs KEY and CERT\n");
			return -1;
		}
		o->sign_key = optarg;
		o->sign_cert = argv[optind++];
		return 1;
	case OPT_SIGN_HASH:
		o->sign_hash = optarg;
		return 1;
	case 'f':
		o->force = true;
		return 1;
	case OPT_NO_LAYOUT:
		o->no_layout = true;
		return 1;
	case OPT_PLAIN_SPLIT:
		return set_form(o, KBTF_FORM_PLAIN);
	case OPT_DISTILLED:
		return set_form(o, KBTF_FORM_DISTILLED);
	case OPT_REDISTILL:
		o->redistill = true;
		return 1;
	default:
		return 0;
	}
}

int cmd_distill(int argc, char **argv)
{
	static const struct cmd_spec spec = {
	    .name = "distill",
	    .usage = distill_usage,
	    .options = distill_options,
	    .optstring = "b:o:fqh",
	    .common = CMD_OPT_OUTPUT | CMD_OPT_QUIET,
	};
	struct distill_args a = {0};
	struct cmd_parser p;
	struct kbtf_kernel *k = NULL;
	int c, i, rc = KBTF_EXIT_OK, r;

	cmd_parser_init(&p, &spec, argc, argv);
	while ((c = cmd_getopt(&p)) != -1) {
		r = distill_common_option(c, argc, argv, &a.o);
		if (r < 0)
			return KBTF_EXIT_USAGE;
		if (r)
			continue;
		switch (c) {
		case 'b':
			a.base = optarg;
			break;
		case OPT_KDIR:
			a.kdir = optarg;
			break;
		case OPT_MISSING_BASE:
			if (strcmp(optarg, "warn") && strcmp(optarg, "fail")) {
				fprintf(stderr,
					"kbtf: --missing-base takes warn or fail, not '%s'\n",
					optarg);
				return KBTF_EXIT_USAGE;
			}
			a.ui.warn_missing_base = !strcmp(optarg, "warn");
			break;
		}
	}
	if (p.stop)
		return p.exit;
	a.o.out = p.opts.output;
	a.ui.quiet = p.opts.quiet;
	if (optind >= argc) {
		fputs(distill_usage, stderr);
		return KBTF_EXIT_USAGE;
	}
	if (a.o.out && argc - optind > 1) {
		fprintf(stderr, "kbtf: -o takes one module at a time\n");
		return KBTF_EXIT_USAGE;
	}
	/* nothing is opened or written while an input is missing */
	for (i = optind; i < argc; i++) {
		if (kbtf_file_check(argv[i])) {
			cmd_report_error(argv[i]);
			rc = KBTF_EXIT_USAGE;
		} else if (!a.o.out && !kbtf_is_file(argv[i])) {
			/* the rewrite renames a new file over the path: a FIFO
			 * or /dev/stdin would be replaced, not written to */
			fprintf(stderr,
				"kbtf: %s: not a regular file: distill replaces the module it "
				"reads; write the result with -o\n",
				argv[i]);
			rc = KBTF_EXIT_USAGE;
		}
	}
	if (a.base && kbtf_kernel_source_check(a.base)) {
		cmd_report_error(a.base);
		rc = KBTF_EXIT_USAGE;
	}
	if (rc)
		return rc;
	if (!a.base)
		return distill_lookup(&a, argv + optind, argc - optind);
	rc = distill_base_for(&a.ui, a.base, NULL, NULL, &k);
	if (rc)
		return rc;
	a.o.base = k;
	a.o.kdir = a.kdir;
	for (i = optind; i < argc; i++) {
		r = distill_one(&a.ui, argv[i], &a.o);
		rc = cmd_worst(rc, r);
	}
	kbtf_kernel_free(k);
	return rc;
}
